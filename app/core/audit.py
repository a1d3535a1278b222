"""Writing the audit log. An event belongs to the transaction of the change it describes: it is written
when that transaction commits and dropped if it rolls back.

Performance (issue #8): a step records 3–6 events between the queries it makes, and written one flush
at a time they cost an INSERT each; they are kept on the session and written in one multi-row INSERT
just before the commit. Queries of the audit log therefore see a transaction's events after it commits."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, event, insert
from sqlalchemy.orm import Session

from app.core import transaction_scope
from app.extensions import db
from app.models import AuditEvent
from app.models._time import utcnow

PENDING = transaction_scope.key("audit_events")  # written at commit, dropped at a rollback
_INSERT = insert(cast(Table, AuditEvent.__table__))


def record(
    action: str,
    subject_type: str,
    subject_id: object,
    *,
    actor_id: int | None = None,
    org_id: int | None = None,
    **detail: Any,
) -> None:
    session = db.session()
    if not session.in_transaction():
        session.begin()  # the event belongs to a transaction: its commit writes it, its rollback drops it
    session.info.setdefault(PENDING, []).append({
        "at": utcnow(), "action": action, "subject_type": subject_type, "subject_id": str(subject_id),
        "actor_id": actor_id, "org_id": org_id, "detail": detail})


@event.listens_for(Session, "before_commit")
def _write(session: Session) -> None:
    rows = session.info.pop(PENDING, None)
    if rows:
        # The table's INSERT, not the ORM's bulk insert (which costs more Python per call than the rows).
        session.connection().execute(_INSERT, rows)
