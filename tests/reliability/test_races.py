"""Races on one instance, forced with barriers so both sides really computed before either saved, on
SQLite and PostgreSQL (the suite runs on both): exactly one wins, the others get 409, and the rows the
platform projects (tasks, timers) still agree with the engine state afterwards: nothing half-written."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.engine import runner, serializer
from app.engine.script_engine import SafeScriptEngine, ServiceRegistry
from app.extensions import db
from app.models import AuditEvent, HumanTask, Notification, ProcessInstance, Timer, User
from app.workflow import processes, tasks, timers, work_calendar
from tests.conftest import bearer
from tests.reliability.helpers import snapshot, timer_fired_events
from tests.support.workflow import Actors

OPERATORS = ("op1", "op2", "op3", "op4")


@pytest.fixture
def actors(client, world) -> Actors:
    team = Actors(client, world)
    for name in OPERATORS[2:]:
        world.user(name, "operator")
        team.headers[name] = bearer(client, name)
    return team


def assert_consistent(app: Flask, instance_id: int) -> None:
    """The projection equals the engine state: ready human tasks and pending timers, row for row."""
    with app.app_context():
        instance = db.session.get(ProcessInstance, instance_id)
        proc = processes.spec_of(instance.definition)
        engine = SafeScriptEngine(now=datetime.now().astimezone(), calendar=work_calendar.current(),
                                  services=ServiceRegistry())
        workflow = serializer.load(instance.state, proc, engine)
        ready = {str(t.id) for t in runner.all_tasks(workflow) if runner._is_human_ready(t)}
        waiting = {p.task_id for p in runner._pending_timers(workflow)}
        rows = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id)).all()
        assert {t.engine_task_id for t in rows if t.status == "ready"} == ready
        pending = db.session.scalars(select(Timer.engine_task_id).where(
            Timer.instance_id == instance_id, Timer.status == "pending")).all()
        assert set(pending) == waiting and len(pending) == len(waiting)


def _after_barrier(monkeypatch: pytest.MonkeyPatch, target: Any, name: str, barrier: threading.Barrier,
                   racer: int | None = None) -> None:
    """Make `target.name` wait for the other racers once it has done its work (in every racer, or only
    in racer number `racer`)."""
    original: Callable[..., Any] = getattr(target, name)

    def racing(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        if racer is not None and threading.current_thread().name != f"racer-{racer}":
            return result
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass
        return result

    monkeypatch.setattr(target, name, racing)


def _all_at_once(app: Flask, calls: list[Callable[[Any], Any]]) -> list[Any]:
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        results[index] = calls[index](app.test_client())

    threads = [threading.Thread(target=run, args=(i,), name=f"racer-{i}") for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_four_people_completing_one_task_at_once_one_wins(app, actors, monkeypatch) -> None:
    instance, review = actors.submitted()
    version = snapshot(app, instance["id"])["instance"][0]
    _after_barrier(monkeypatch, runner, "complete_task", threading.Barrier(len(OPERATORS), timeout=10))
    decisions = ["approve", "reject", "return", "reject"]
    responses = _all_at_once(app, [
        lambda c, who=who, decision=decision: c.post(
            f"/api/v1/tasks/{review['id']}/complete", headers=actors[who],
            json={"data": {"decision": decision, "comment": f"{who} 的意见"}})
        for who, decision in zip(OPERATORS, decisions, strict=True)])
    statuses = [r.status_code for r in responses]
    assert sorted(statuses) == [200, 409, 409, 409], [r.get_json() for r in responses]
    assert all(r.get_json()["error"]["code"] == "conflict" for r in responses if r.status_code == 409)
    winner = OPERATORS[statuses.index(200)]
    after = snapshot(app, instance["id"])
    assert after["instance"][0] == version + 1
    with app.app_context():
        task = db.session.get(HumanTask, review["id"])
        assert db.session.get(User, task.completed_by).username == winner
        assert task.result["comment"] == f"{winner} 的意见"
        completions = db.session.scalar(select(func.count()).where(
            AuditEvent.subject_id == str(instance["id"]), AuditEvent.action == "task.completed"))
        assert completions == 2  # the submit and exactly one review
    assert_consistent(app, instance["id"])


def test_four_people_claiming_one_task_at_once_one_gets_it(app, actors, monkeypatch) -> None:
    instance, review = actors.submitted()
    _after_barrier(monkeypatch, tasks, "task_for", threading.Barrier(len(OPERATORS), timeout=10))
    responses = _all_at_once(app, [
        lambda c, who=who: c.post(f"/api/v1/tasks/{review['id']}/claim", headers=actors[who])
        for who in OPERATORS])
    statuses = [r.status_code for r in responses]
    assert sorted(statuses) == [200, 409, 409, 409], [r.get_json() for r in responses]
    winner = OPERATORS[statuses.index(200)]
    monkeypatch.undo()
    assert responses[statuses.index(200)].get_json()["assignee"] == winner
    with app.app_context():
        claims = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "task.claimed")).all()
        assert len(claims) == 1
    # the losers cannot complete it; the winner can
    loser = next(who for who in OPERATORS if who != winner)
    assert actors.complete(loser, review["id"], {"decision": "approve"}).status_code == 409
    assert actors.complete(winner, review["id"], {"decision": "approve"}).status_code == 200
    assert_consistent(app, instance["id"])


def test_claim_against_completion_one_wins(app, actors, monkeypatch) -> None:
    instance, review = actors.submitted()
    barrier = threading.Barrier(2, timeout=10)
    _after_barrier(monkeypatch, runner, "complete_task", barrier)
    _after_barrier(monkeypatch, tasks, "may_act", barrier, racer=0)  # the claim, checked, about to update
    responses = _all_at_once(app, [
        lambda c: c.post(f"/api/v1/tasks/{review['id']}/claim", headers=actors["op1"]),
        lambda c: c.post(f"/api/v1/tasks/{review['id']}/complete", headers=actors["op2"],
                         json={"data": {"decision": "approve"}}),
    ])
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 409], [r.get_json() for r in responses]
    monkeypatch.undo()
    with app.app_context():
        task = db.session.get(HumanTask, review["id"])
        claimed, completed = responses[0].status_code == 200, responses[1].status_code == 200
        assert (task.status, task.assignee_id is not None) == (("ready", True) if claimed else ("completed", False))
        assert completed != claimed
    assert_consistent(app, instance["id"])


def test_the_timer_and_the_reviewer_at_once_one_wins(app, actors, monkeypatch) -> None:
    """The review's deadline timer fires while the reviewer submits: both loaded the same version."""
    instance, review = actors.submitted()
    before = snapshot(app, instance["id"])
    barrier = threading.Barrier(2, timeout=10)
    _after_barrier(monkeypatch, runner, "complete_task", barrier)
    _after_barrier(monkeypatch, runner, "fire_timers", barrier)
    at = datetime.fromisoformat(review["due_at"]) + timedelta(minutes=1)

    def scheduler(_client: Any) -> int:
        with app.app_context():
            return timers.fire_due(at)

    fired, response = _all_at_once(app, [
        scheduler,
        lambda c: c.post(f"/api/v1/tasks/{review['id']}/complete", headers=actors["op1"],
                         json={"data": {"decision": "approve"}}),
    ])
    monkeypatch.undo()
    human_won = response.status_code == 200
    assert response.status_code in (200, 409), response.get_json()
    assert fired == (0 if human_won else 1), "exactly one of them wins"
    after = snapshot(app, instance["id"])
    assert after["instance"][0] == before["instance"][0] + 1
    escalations = after["notifications"] - before["notifications"]
    if human_won:  # the case is closed; the timer was dropped with the review and never fires
        assert after["instance"][1] == "completed" and escalations == 0
        assert _fire_again(app, at) == 0
        assert timer_fired_events(app)[str(instance["id"])] == 0
    else:  # the escalation went out; the review is still there and the reviewer's retry goes through
        assert after["instance"][1] == "running" and escalations == len(OPERATORS)  # every operator
        assert timer_fired_events(app)[str(instance["id"])] == 1
        assert_consistent(app, instance["id"])
        assert actors.complete("op1", review["id"], {"decision": "approve"}).status_code == 200
    assert_consistent(app, instance["id"])
    with app.app_context():
        assert Counter(db.session.scalars(select(Notification.kind))).get("process", 0) == escalations


def _fire_again(app: Flask, at: datetime) -> int:
    with app.app_context():
        return timers.fire_due(at + timedelta(days=1))
