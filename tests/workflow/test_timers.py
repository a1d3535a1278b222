"""Timers and deadlines: fired by `flask timers fire --at`, exactly once, never early."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Notification, Timer, User
from tests.support.workflow import Actors


@pytest.fixture
def actors(client, world) -> Actors:
    return Actors(client, world)


def _fire(app, at: datetime) -> str:
    result = app.test_cli_runner().invoke(args=["timers", "fire", "--at", at.isoformat()])
    assert result.exit_code == 0, result.output
    return result.output


def _notes(app, username: str, kind: str | None = None) -> list[Notification]:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        query = select(Notification).where(Notification.user_id == user.id)
        if kind:
            query = query.where(Notification.kind == kind)
        return list(db.session.scalars(query))


def test_review_timer_fires_once_at_its_working_day_deadline_not_before(app, actors) -> None:
    instance, review = actors.submitted()
    due = datetime.fromisoformat(review["due_at"])
    assert "fired 0 timer(s)" in _fire(app, due - timedelta(minutes=1))
    assert _notes(app, "op1", "process") == []
    assert "fired 1 timer(s)" in _fire(app, due + timedelta(minutes=1))
    escalations = _notes(app, "op1", "process")
    assert len(escalations) == 1 and "审核已超过 3 个工作日" in escalations[0].body
    assert len(_notes(app, "op2", "process")) == 1
    assert "fired 0 timer(s)" in _fire(app, due + timedelta(days=3))  # exactly once
    with app.app_context():
        timer = db.session.scalar(select(Timer).where(Timer.instance_id == instance["id"]))
        assert timer.status == "fired"
        actions = [e.action for e in db.session.scalars(select(AuditEvent).where(
            AuditEvent.subject_id == str(instance["id"])))]
        assert "engine.timer_fired" in actions
    # the timer does not interrupt the review: the task is still there to do
    assert [t["id"] for t in actors.inbox("op1")] == [review["id"]]


def test_due_soon_reminder_and_overdue_notice_are_sent_once(app, actors) -> None:
    _, review = actors.submitted()
    due = datetime.fromisoformat(review["due_at"])
    output = _fire(app, due - timedelta(hours=2))
    assert "reminders 1" in output
    assert "reminders 0" in _fire(app, due - timedelta(hours=1))
    assert len(_notes(app, "op1", "task.due_soon")) == 1
    assert "overdue notices 1" in _fire(app, due + timedelta(hours=1))
    assert "overdue notices 0" in _fire(app, due + timedelta(hours=2))
    assert len(_notes(app, "op2", "task.overdue")) == 1


def test_completing_the_task_cancels_its_timer(app, actors) -> None:
    instance, review = actors.submitted()
    assert actors.complete("op1", review["id"], {"decision": "approve"}).status_code == 200
    due = datetime.fromisoformat(review["due_at"])
    assert "fired 0 timer(s)" in _fire(app, due + timedelta(days=1))
    with app.app_context():
        timer = db.session.scalar(select(Timer).where(Timer.instance_id == instance["id"]))
        assert timer.status == "cancelled"


def test_timers_fire_rejects_a_bad_instant(app) -> None:
    result = app.test_cli_runner().invoke(args=["timers", "fire", "--at", "tomorrow"])
    assert result.exit_code != 0 and "ISO 8601" in result.output


def test_process_deploy_command_reports_invalid_files(app, tmp_path) -> None:
    bad = tmp_path / "bad.bpmn"
    bad.write_text("<bpmn:definitions", encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["processes", "deploy", str(tmp_path)])
    assert result.exit_code == 1 and "line" in result.output
    ok = runner.invoke(args=["processes", "deploy"])
    assert ok.exit_code == 0 and "demo_approval deployed as version 1" in ok.output
    again = runner.invoke(args=["processes", "deploy"])
    assert "unchanged, version 1" in again.output
