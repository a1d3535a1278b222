"""Faults inside a step: an exception after the engine ran and before the commit leaves the instance, its
tasks, its timers, the audit log and the notifications exactly as they were, and the step can be done
again. (tests/workflow/test_concurrency.py covers one point of a task completion; this covers the others
and the timer path, which the scheduler runs with nobody to see a 500.)"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from app.core import notifications
from app.extensions import db
from app.models import HumanTask, ProcessInstance, Timer
from app.workflow import steps as workflows
from app.workflow import timers
from tests.reliability.helpers import clone_instance, snapshot, timer_fired_events
from tests.support.workflow import Actors


@pytest.fixture
def actors(client, world) -> Actors:
    return Actors(client, world)


RETURN = {"decision": "return", "comment": "请补充建设方案"}


class Injected(RuntimeError):
    """The fault a test injects."""


def _inject(monkeypatch: pytest.MonkeyPatch, point: str) -> None:
    """Make the next step fail at `point`, after the engine step and before the commit."""

    def fail(*args: object, **kwargs: object) -> None:
        raise Injected(point)

    if point == "commit":  # the database refuses the commit (e.g. the connection dropped)
        def commit() -> None:
            raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

        monkeypatch.setattr(db.session, "commit", commit)
    elif point == "notify":  # a side effect of the step (the new task's notifications) fails
        for entry in ("notify", "notify_ids", "notify_role"):
            monkeypatch.setattr(notifications, entry, fail)
    else:  # the projection of tasks or timers fails half-way through writing the step
        monkeypatch.setattr(workflows, point, fail)


def _fire(app, at: datetime) -> int:
    with app.app_context():
        return timers.fire_due(at)


@pytest.mark.parametrize("point", ["_project_tasks", "_project_timers", "commit"])
def test_a_timer_step_that_fails_before_commit_writes_nothing_and_fires_later(app, actors, monkeypatch,
                                                                              point) -> None:
    instance, review = actors.submitted()
    due = datetime.fromisoformat(review["due_at"])
    before = snapshot(app, instance["id"])
    _inject(monkeypatch, point)
    assert _fire(app, due + timedelta(minutes=1)) == 0  # the failure is contained: no exception escapes
    assert snapshot(app, instance["id"]) == before
    monkeypatch.undo()
    assert _fire(app, due + timedelta(minutes=2)) == 1
    assert _fire(app, due + timedelta(minutes=3)) == 0
    after = snapshot(app, instance["id"])
    assert [status for _, status, _ in after["timers"]] == ["fired"]
    assert timer_fired_events(app)[str(instance["id"])] == 1
    assert after["notifications"] == before["notifications"] + 2  # the escalation, to op1 and op2, once


@pytest.mark.parametrize("point", ["_project_tasks", "notify", "commit"])
def test_a_completion_that_fails_before_commit_writes_nothing_and_can_be_repeated(app, actors, monkeypatch,
                                                                                  point) -> None:
    instance, review = actors.submitted()
    before = snapshot(app, instance["id"])
    _inject(monkeypatch, point)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:  # "return" sends the case back to the university: a new task, its notifications
        failed = actors.complete("op1", review["id"], RETURN)
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    assert failed.status_code == 500 and failed.get_json()["error"]["code"] == "internal_error"
    assert snapshot(app, instance["id"]) == before
    monkeypatch.undo()
    assert actors.complete("op1", review["id"], RETURN).status_code == 200
    after = snapshot(app, instance["id"])
    assert after["instance"][0] == before["instance"][0] + 1 and after["instance"][1] == "running"
    assert [status for _, status, _, _ in after["tasks"]] == ["completed", "completed", "ready"]
    assert [status for _, status, _ in after["timers"]] == ["cancelled"]
    assert after["notifications"] == before["notifications"] + 1  # the university admin, once


def test_one_broken_instance_does_not_stop_the_other_timers(app, actors) -> None:
    """A corrupt engine state (or any other failure) of one instance is logged and left pending; every
    other due timer still fires, and the broken one is retried on every round, never lost."""
    instance, review = actors.submitted()
    others = clone_instance(app, instance["id"], 3)
    with app.app_context():  # the first timer in the batch belongs to an instance whose state is garbage
        db.session.execute(update(ProcessInstance).where(ProcessInstance.id == instance["id"])
                           .values(state={"format": 1, "spiff": "0.0", "workflow": {}}))
        db.session.commit()
    due = datetime.fromisoformat(review["due_at"])
    assert _fire(app, due + timedelta(minutes=1)) == 3
    fired = timer_fired_events(app)
    assert {str(i): 1 for i in others} == dict(fired)
    with app.app_context():
        broken = db.session.scalar(select(Timer).where(Timer.instance_id == instance["id"]))
        assert broken.status == "pending"
        statuses = db.session.scalars(select(HumanTask.status).where(HumanTask.instance_id == instance["id"])
                                      .order_by(HumanTask.id)).all()
        assert statuses == ["completed", "ready"]
