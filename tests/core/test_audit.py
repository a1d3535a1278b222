"""The audit log is written with the change it describes: committed together, or not at all."""

from __future__ import annotations

from sqlalchemy import select

from app.core import audit
from app.extensions import db
from app.models import AuditEvent


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_events_are_written_at_commit_in_the_order_they_were_recorded(app) -> None:
    with app.app_context():
        audit.record("test.first", "thing", 1, note="a")
        audit.record("test.second", "thing", 1, actor_id=None, org_id=None)
        audit.record("test.third", "thing", 2, note="c")
        db.session.commit()
    with app.app_context():
        assert _actions() == ["test.first", "test.second", "test.third"]
        first = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "test.first"))
        assert (first.subject_type, first.subject_id, first.detail) == ("thing", "1", {"note": "a"})


def test_a_rolled_back_or_abandoned_transaction_leaves_no_event(app) -> None:
    with app.app_context():
        audit.record("test.rolled_back", "thing", 1)
        db.session.rollback()
        audit.record("test.kept", "thing", 1)
        db.session.commit()
        audit.record("test.abandoned", "thing", 1)
        db.session.close()  # e.g. a request that failed before committing
        audit.record("test.after_close", "thing", 1)
        db.session.commit()
    with app.app_context():
        assert _actions() == ["test.kept", "test.after_close"]
