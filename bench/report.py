"""Targets (issue #8, for a 2-core machine on PostgreSQL), the ratios to the floors, and the table."""

from __future__ import annotations

from typing import Any

TARGETS = {
    "throughput.completions_per_s": [">=", 400],
    "floors.engine_ratio": ["<=", 3.0],
    "scale.inbox_p95_ms": ["<=", 50],
    "scale.metrics_p95_ms": ["<=", 200],
    "scale.dashboard_p95_ms": ["<=", 200],
    "scale.growth_ratio": ["<=", 1.25],
    "memory.worker_rss_mb": ["<=", 250],
}


def _get(result: dict[str, Any], dotted: str) -> Any:
    node: Any = result
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def ratios(result: dict[str, Any]) -> None:
    """The app's cost per step (web-worker + database CPU per engine step, measured under load) as a
    multiple of each floor's CPU per step."""
    floors = result.get("floors")
    app_cost = _get(result, "throughput.server_cpu_ms_per_step")
    if not floors or not app_cost:
        return
    engine = _get(floors, "engine.cpu_ms_per_step")
    database = _get(floors, "database.cpu_ms_per_step")
    floors["app_cost_ms_per_step"] = app_cost
    floors["engine_ratio"] = round(app_cost / engine, 2) if engine else None
    floors["db_ratio"] = round(app_cost / database, 2) if database else None
    worker = _get(result, "throughput.worker_cpu_ms_per_step")
    floors["worker_only_engine_ratio"] = round(worker / engine, 2) if worker and engine else None
    # The ceiling the floors themselves set on this machine: completions/s if every step cost only the
    # engine floor plus the database floor (no HTTP, no framework), all cores busy; 3 of the loop's 4
    # steps are completions. A target above it cannot be met by this design on this machine.
    cores = _get(result, "machine.cores")
    if engine and database and cores:
        floors["ceiling_completions_per_s"] = round(cores * 1000 / (engine + database) * 3 / 4, 1)
    verdicts = {}
    for key, (op, limit) in TARGETS.items():
        value = _get(result, key)
        verdicts[key] = None if value is None else (value >= limit if op == ">=" else value <= limit)
    result["verdicts"] = verdicts


def table(result: dict[str, Any]) -> str:
    rows = []
    for key, (op, limit) in TARGETS.items():
        value = _get(result, key)
        ok = result.get("verdicts", {}).get(key)
        mark = "n/a" if ok is None else ("met" if ok else "MISSED")
        rows.append((key, "—" if value is None else str(value), f"{op} {limit}", mark))
    extra = [
        ("throughput.p50/p95/p99 ms (completions)", "/".join(str(_get(result, f"throughput.{p}")) for p in
                                                             ("p50_ms", "p95_ms", "p99_ms"))),
        ("throughput.calls_per_s", _get(result, "throughput.calls_per_s")),
        ("throughput.errors", _get(result, "throughput.errors")),
        ("app cost ms/step (worker+db CPU)", _get(result, "floors.app_cost_ms_per_step")),
        ("  worker / database CPU ms/step", f"{_get(result, 'throughput.worker_cpu_ms_per_step')} / "
                                            f"{_get(result, 'throughput.database_cpu_ms_per_step')}"),
        ("engine floor ms/step", _get(result, "floors.engine.cpu_ms_per_step")),
        ("database floor ms/step (client+server CPU)", _get(result, "floors.database.cpu_ms_per_step")),
        ("floors.db_ratio", _get(result, "floors.db_ratio")),
        ("completions/s if steps cost only the floors", _get(result, "floors.ceiling_completions_per_s")),
        ("state KB after 1 / 5 reopens", f"{_get(result, 'memory.state_kb_after_1_reopen')} / "
                                         f"{_get(result, 'memory.state_kb_after_5_reopens')}"),
        ("scale.factor", _get(result, "scale.factor")),
        ("scale.hot_topics_p95_ms (no target)", _get(result, "scale.hot_topics_p95_ms")),
        ("completion p50 ms at 1k / at full", f"{_get(result, 'scale.completion_at_1k.p50_ms')} / "
                                              f"{_get(result, 'scale.completion_at_full.p50_ms')}"),
        ("load average at start", result.get("load_average_at_start")),
    ]
    width = max(len(r[0]) for r in rows + [(e[0],) for e in extra]) + 2  # type: ignore[misc]
    lines = [f"{'measure':<{width}}{'value':>14}  {'target':<10}verdict", "-" * (width + 36)]
    lines += [f"{k:<{width}}{v:>14}  {t:<10}{m}" for k, v, t, m in rows]
    lines.append("-" * (width + 36))
    lines += [f"{k:<{width}}{v!s:>14}" for k, v in extra]
    return "\n".join(lines)
