"""Two people complete the same task at the same moment: exactly one wins, the other gets 409,
and nothing is half-written."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from app.engine import runner
from app.extensions import db
from app.models import AuditEvent, HumanTask, ProcessInstance
from tests.support.workflow import Actors


@pytest.fixture
def actors(client, world) -> Actors:
    return Actors(client, world)


def test_concurrent_completions_exactly_one_wins(app, actors, monkeypatch) -> None:
    instance, review = actors.submitted()
    with app.app_context():
        version_before = db.session.get(ProcessInstance, instance["id"]).row_version
    # Both requests load the instance and run the engine before either saves: a real race.
    barrier = threading.Barrier(2, timeout=5)
    original = runner.complete_task

    def racing(*args, **kwargs):  # type: ignore[no-untyped-def]
        result = original(*args, **kwargs)
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass
        return result

    monkeypatch.setattr(runner, "complete_task", racing)
    statuses: list[int] = []

    def complete(who: str, decision: str) -> None:
        client = app.test_client()
        response = client.post(f"/api/v1/tasks/{review['id']}/complete",
                               json={"data": {"decision": decision, "comment": who}}, headers=actors[who])
        statuses.append(response.status_code)

    threads = [threading.Thread(target=complete, args=("op1", "approve")),
               threading.Thread(target=complete, args=("op2", "reject"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 409]
    with app.app_context():
        stored = db.session.get(ProcessInstance, instance["id"])
        assert stored.row_version == version_before + 1
        assert stored.status == "completed"
        completions = db.session.scalar(select(func.count()).where(
            AuditEvent.subject_id == str(instance["id"]), AuditEvent.action == "task.completed"))
        assert completions == 2  # the university's submit and exactly one review
        task = db.session.get(HumanTask, review["id"])
        assert task.status == "completed" and task.result["decision"] == stored.data["decision"]


def test_failure_after_the_engine_step_leaves_nothing_written(app, actors, monkeypatch) -> None:
    instance, review = actors.submitted()
    with app.app_context():
        before = db.session.get(ProcessInstance, instance["id"])
        snapshot = (before.row_version, before.status, dict(before.data))
        events_before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    from app.workflow import steps as workflows

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    monkeypatch.setattr(workflows, "_project_timers", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        failed = actors.complete("op1", review["id"], {"decision": "approve"})
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    assert failed.status_code == 500
    with app.app_context():
        after = db.session.get(ProcessInstance, instance["id"])
        assert (after.row_version, after.status, dict(after.data)) == snapshot
        assert db.session.get(HumanTask, review["id"]).status == "ready"
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events_before
    monkeypatch.undo()
    assert actors.complete("op1", review["id"], {"decision": "approve"}).status_code == 200
