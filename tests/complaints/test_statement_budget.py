"""How many SQL statements one call of the complaint loop costs (issue #8). Each statement is a round
trip and ~0.2 ms of Python: the budget keeps a change that adds a query per call, a reload after the
commit or an N+1 over the instance's tasks and history from slipping in unnoticed. Counts, not times:
the benchmark measures speed (`make bench`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from app.complaints import steps as complaint_steps
from app.extensions import db
from tests.support.complaints import DORM, Campus

# Statements per call, as the benchmark's clients make them (completions with `Prefer: return=minimal`).
# History of the issue #8 work: file 19 → 14 → 11, inbox 7 → 5, dispatch 35 → 26 → 16, answer 39 → 29 → 18,
# rate 26 → 19 → 13 (of which 2 per step keep the complaint rollup). One of headroom.
BUDGET = {"file": 12, "inbox": 6, "dispatch": 17, "answer": 19, "rate": 14}
MINIMAL = {"Prefer": "return=minimal"}


@pytest.fixture
def campus(app, client, world, monkeypatch) -> Campus:
    return Campus(app, client, world, monkeypatch)


@contextmanager
def counting(app, counts: Counter, kind: str) -> Iterator[None]:
    with app.app_context():
        engine = db.engine

    def count(*_args: object) -> None:
        counts[kind] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _ready(instance: dict) -> int:
    return next(t["id"] for t in instance["tasks"] if t["status"] == "ready")


def test_each_call_of_the_complaint_loop_stays_within_its_statement_budget(campus, monkeypatch) -> None:
    # no 回访 sample (by a hash of the ticket id): every rating closes its ticket, the same steps each round
    settings = complaint_steps.settings
    monkeypatch.setattr(complaint_steps, "settings", lambda: {**settings(), "follow_up_rate": 0})
    client, h = campus.client, campus.h
    counts: Counter = Counter()
    for round_ in range(3):  # the first round warms the caches (process specs, calendar); the last counts
        counts.clear()
        with counting(campus.app, counts, "file"):
            filed = client.post("/api/v1/complaints", json=DORM, headers=h["stu"])
        assert filed.status_code == 201, filed.get_json()
        with counting(campus.app, counts, "inbox"):
            inbox = client.get(f"/api/v1/tasks?scope=group&instance={filed.get_json()['instance_id']}",
                               headers=h["disp"])
        with counting(campus.app, counts, "dispatch"):
            dispatched = client.post(f"/api/v1/tasks/{inbox.get_json()['items'][0]['id']}/complete",
                                     json={"data": {"action": "assign", "department_id": campus.logistics_id}},
                                     headers={**h["disp"], **MINIMAL})
        assert dispatched.status_code == 200, dispatched.get_json()
        with counting(campus.app, counts, "answer"):
            answered = client.post(f"/api/v1/tasks/{_ready(dispatched.get_json())}/complete",
                                   json={"data": {"action": "answer", "reply": "已安排维修。"}},
                                   headers={**h["logi"], **MINIMAL})
        assert answered.status_code == 200, answered.get_json()
        with counting(campus.app, counts, "rate"):
            rated = client.post(f"/api/v1/tasks/{_ready(answered.get_json())}/complete",
                                json={"data": {"satisfaction": "satisfied"}}, headers={**h["stu"], **MINIMAL})
        assert rated.status_code == 200 and rated.get_json()["status"] == "completed", round_
        # the answer is built from the step just taken, not from a stale or half-read instance
        assert [t["status"] for t in rated.get_json()["tasks"]] == ["completed"] * 3
    over = {kind: (counts[kind], limit) for kind, limit in BUDGET.items() if counts[kind] > limit}
    assert not over, f"statements per call over budget (counted, budget): {over}"


def test_an_inbox_page_costs_the_same_statements_for_one_task_or_many(campus) -> None:
    """Each ready task carries its form; a dispatch form lists the university's departments. Read once per
    page, not once per task (an N+1 made a dispatcher's 50-task page 50 queries longer)."""
    counts: Counter = Counter()

    def inbox_statements() -> int:
        counts.clear()
        with counting(campus.app, counts, "inbox"):
            response = campus.client.get("/api/v1/tasks?scope=group", headers=campus.h["disp"])
        assert all(item["form"] for item in response.get_json()["items"])
        return counts["inbox"]

    campus.file()
    one = inbox_statements()
    for _ in range(4):
        campus.file("stu2")
    assert inbox_statements() == one
