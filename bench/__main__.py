"""`python -m bench [--full] ...`: run the benchmark, print a table, write bench/results/<date>.json.

Quick mode (default, `make bench`): floors, throughput (30 s), memory and state size, and the scale
phase at 1/100 of the national size; under 3 minutes. Full mode (`--full`, `make bench-full`): the same
with the scale phase at full size (1M complaints, 1M finished + 100k open tasks), about 15 minutes.
PostgreSQL when DATABASE_URL points to it (a database whose name contains "bench": it is wiped),
else a SQLite file in instance/ (floors and scale are PostgreSQL-only there)."""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from bench import env, floors, memory, report, scale, throughput, world

RESULTS = Path(__file__).resolve().parent / "results"


def _args() -> argparse.Namespace:
    cores = psutil.cpu_count(logical=True) or 2
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--full", action="store_true", help="scale phase at full national size (slow)")
    p.add_argument("--database-url", help="default: $DATABASE_URL, else SQLite instance/bench.sqlite3")
    p.add_argument("--allow-any-db", action="store_true", help="wipe a PostgreSQL database not named *bench*")
    p.add_argument("--workers", type=int, default=cores, help="gunicorn workers (default: one per core)")
    p.add_argument("--clients", type=int, default=None, help="concurrent clients (default: 2 x workers)")
    p.add_argument("--duration", type=float, default=30.0, help="throughput measuring window, seconds")
    p.add_argument("--warmup", type=float, default=5.0, help="throughput warm-up, seconds")
    p.add_argument("--scale-factor", type=float, default=None,
                   help="fraction of the national data set (default: 1 with --full, 0.01 otherwise)")
    p.add_argument("--skip", action="append", default=[],
                   choices=["floors", "throughput", "memory", "scale"], help="leave a phase out")
    p.add_argument("--output", help="results file (default: bench/results/<date>[-full].json)")
    return p.parse_args()


def _phase(name: str) -> float:
    print(f"[bench] {name} …  (load average {os.getloadavg()[0]:.2f})", flush=True)
    return time.perf_counter()


def main() -> None:
    args = _args()
    url = env.database_url(args.database_url)
    env.check_safe(url, args.allow_any_db)
    env.ensure_database(url)  # before the machine description, which asks the server its version
    pg = env.is_postgres(url)
    clients = args.clients or 2 * args.workers
    factor = args.scale_factor if args.scale_factor is not None else (1.0 if args.full else 0.01)
    began = time.perf_counter()
    result: dict[str, Any] = {
        "mode": "full" if args.full else "quick", "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": env.machine(url), "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "targets": report.TARGETS,
    }
    timings: dict[str, float] = {}

    t = _phase("schema (migrations) and accounts")
    env.reset_schema(url)
    campuses = max(8, clients)
    the_world = world.build(url, universities=campuses, students_per_campus=2)
    timings["setup_s"] = time.perf_counter() - t

    if "floors" not in args.skip:
        t = _phase("floors: SpiffWorkflow alone, plain SQL")
        engine = floors.engine_floor()
        database: dict[str, Any] = {"skipped": "PostgreSQL only"}
        if pg:
            captured = floors.capture_app_writes(url, the_world)
            campus = the_world.campuses[-1]
            import psycopg

            with psycopg.connect(env.psycopg_dsn(url)) as conn:
                definition = conn.execute("SELECT id FROM process_definition WHERE key = 'complaint'").fetchone()[0]
            ids = {"university": campus.university_id, "student": campus.student_ids[0],
                   "department": campus.logistics_id, "definition": definition}
            database = floors.database_floor(url, captured, ids)
        result["floors"] = {"engine": engine, "database": database}
        timings["floors_s"] = time.perf_counter() - t

    with throughput.Server(url, args.workers) as server:
        if "throughput" not in args.skip:
            t = _phase(f"throughput: {clients} clients, {args.workers} workers, {args.duration:.0f} s")
            result["throughput"] = throughput.measure(server, url, the_world, clients=clients,
                                                      duration=args.duration, warmup=args.warmup)
            result["throughput"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
            timings["throughput_s"] = time.perf_counter() - t
        if "memory" not in args.skip:
            t = _phase("memory and stored state size")
            result["memory"] = {**memory.worker_rss_mb(server.worker_pids()), **memory.state_sizes()}
            timings["memory_s"] = time.perf_counter() - t

    if "scale" not in args.skip:
        if pg:
            t = _phase(f"scale: bulk load at factor {factor} and measure")
            result["scale"] = run_scale(url, args.workers, factor, repeats=30 if args.full else 10)
            timings["scale_s"] = time.perf_counter() - t
        else:
            result["scale"] = {"skipped": "the bulk loader uses PostgreSQL COPY; set DATABASE_URL"}

    report.ratios(result)
    timings["total_s"] = time.perf_counter() - began
    result["timings_s"] = {k: round(v, 1) for k, v in timings.items()}
    out = Path(args.output) if args.output else RESULTS / (
        datetime.now(UTC).strftime("%Y-%m-%d-%H%M") + ("-full" if args.full else "-quick") + ".json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    print(report.table(result))
    print(f"[bench] wrote {out} in {timings['total_s']:.0f} s")


def run_scale(url: str, workers: int, factor: float, repeats: int) -> dict[str, Any]:
    """Fresh schema; completion cost at ~1k rows; bulk load to the full size; reads and cost again."""
    env.reset_schema(url)
    the_world = world.build(url, universities=1, students_per_campus=4, prefix="s")
    loader = scale.Loader(url, the_world)
    out: dict[str, Any] = {"factor": factor}
    try:
        loader.base()
        small = 1000
        loader.load(small, factor_moe=small / scale.FULL_COMPLAINTS)
        with throughput.Server(url, workers) as server:
            out["completion_at_1k"] = throughput.sequential_completion_cost(server, url, the_world, loops=2 * repeats)
        target = max(small, int(scale.FULL_COMPLAINTS * factor))
        loaded = loader.load(target, factor_moe=factor - small / scale.FULL_COMPLAINTS)
        out["loaded"] = loaded
        out["rows"] = loader.table_rows()
        out["loader_timings_s"] = loader.timings
        with throughput.Server(url, workers) as server:
            out["completion_at_full"] = throughput.sequential_completion_cost(server, url, the_world, loops=2 * repeats)
            out.update(scale.measure_reads(server.port, the_world, repeats=repeats))
    finally:
        loader.close()
    # Growth: server CPU per call of the loop (web worker + database) at full size ÷ at 1k complaints;
    # latency p50 ratio alongside (noisier on a shared machine).
    a = out["completion_at_1k"].get("server_cpu_ms_per_call")
    b = out["completion_at_full"].get("server_cpu_ms_per_call")
    out["growth_ratio"] = round(b / a, 2) if a and b else None
    a, b = out["completion_at_1k"].get("p50_ms"), out["completion_at_full"].get("p50_ms")
    out["growth_ratio_latency_p50"] = round(b / a, 2) if a and b else None
    return out


if __name__ == "__main__":
    main()
