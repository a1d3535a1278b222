"""Memory and size: resident memory of the web workers after the throughput run, and the stored
state of one complaint instance as it goes round the reopen loop (dispatch → answer → rated
unsatisfied → reopened), measured through the app's own engine layer and serializer."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import psutil

from bench.env import ROOT


def worker_rss_mb(pids: list[int]) -> dict[str, Any]:
    sizes = []
    for pid in pids:
        try:
            sizes.append(psutil.Process(pid).memory_info().rss / 2**20)
        except psutil.NoSuchProcess:
            pass
    return {"worker_rss_mb": round(max(sizes), 1) if sizes else None,
            "all_workers_mb": [round(s, 1) for s in sizes]}


def state_sizes(rounds: int = 5) -> dict[str, Any]:
    """Stored state bytes (the JSON the app writes to process_instance.state) after 0..`rounds` reopen
    rounds; the engine's services are stubs that always allow another round (the app stops at
    data/complaint_settings.json max_reopens, 2; this measures how the state grows past it)."""
    from app.core.roles import ORG_SCOPED_ROLES
    from app.engine import runner
    from app.engine.calendar import WorkCalendar
    from app.engine.script_engine import ServiceRegistry
    from app.engine.specs import parse_process
    from app.models import ROLES

    proc = parse_process((ROOT / "workflows" / "complaint.bpmn").read_text(encoding="utf-8"), known_roles=ROLES,
                         org_roles=ORG_SCOPED_ROLES, form_exists=lambda key: True, service_exists=lambda name: True)
    now = datetime(2026, 11, 23, 9, tzinfo=UTC)
    counter = {"reopened": 0}

    def reopen(params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        counter["reopened"] += 1
        return {"reopened": counter["reopened"]}

    services = ServiceRegistry({
        "complaint_assign": lambda p, d: {"answer_due": (now + timedelta(days=3)).isoformat(), "department_id": 7},
        "complaint_answered": lambda p, d: {"rate_due": (now + timedelta(days=7)).isoformat(), "has_student": True},
        "complaint_rated": lambda p, d: {"can_reopen": True},
        "complaint_reopen": reopen,
        "complaint_close": lambda p, d: {"follow_up": False},
        "complaint_overdue": lambda p, d: {"escalated": True},
    })
    kw = {"now": now, "calendar": WorkCalendar(), "services": services}
    result = runner.start(proc, {"complaint_id": 1, "university_id": 1, "title": "宿舍热水器坏了",
                                 "channel": "logistics_hotline", "channel_label": "后勤服务热线",
                                 "category": "dormitory", "confidential": False,
                                 "triage_due": (now + timedelta(hours=4)).isoformat(), "private_student_id": 1},
                          **kw)

    def size(state: dict[str, Any]) -> int:
        return len(json.dumps(state, ensure_ascii=False).encode())

    def do(bpmn_id: str, data: dict[str, Any]) -> None:
        nonlocal result
        task = next(t for t in result.ready_tasks if t.bpmn_id == bpmn_id)
        result = runner.complete_task(proc, result.state, task.task_id, data, **kw)

    sizes = {"filed": size(result.state)}
    for r in range(1, rounds + 1):
        do("Task_triage", {"action": "assign", "department_id": 7})
        do("Task_answer", {"action": "answer", "reply": "已安排维修，今日修复。"})
        do("Task_rate", {"satisfaction": "unsatisfied", "comment": "还是没有热水"})
        sizes[f"after_{r}_reopen"] = size(result.state)
    return {"state_bytes": sizes, "state_kb_after_1_reopen": round(sizes["after_1_reopen"] / 1024, 1),
            "state_kb_after_5_reopens": round(sizes[f"after_{rounds}_reopen"] / 1024, 1),
            "task_count_after_5_reopens": runner.task_count(result.state) if hasattr(runner, "task_count") else None}
