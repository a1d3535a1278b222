"""Refused accesses in the audit log (OWASP ASVS 7.2): a 403 (seen but not allowed) or a 404 raised by a
service for an object the caller may not see. Unknown URLs are not logged (a scanner's noise is the web
server's business), and one caller repeating the same refused request is logged once a minute, so the
log cannot be flooded from outside."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import exists, select
from sqlalchemy.exc import SQLAlchemyError

from app.core import audit, clock
from app.extensions import db
from app.models import AuditEvent

log = logging.getLogger(__name__)
REPEAT_WINDOW = timedelta(minutes=1)
ACTIONS = {403: "access.forbidden", 404: "access.not_visible"}


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    method: str
    path: str
    endpoint: str | None
    actor_id: int | None
    org_id: int | None
    address: str


def record_refusal(refusal: Refusal) -> None:
    """Write the event in its own transaction (whatever the refused request had started is rolled back
    first). Never raises: failing to log must not turn a 403 into a 500."""
    action = ACTIONS.get(refusal.status)
    if action is None:
        return
    subject = f"{refusal.method} {refusal.path}"[:64]
    try:
        db.session.rollback()
        since = clock.now() - REPEAT_WINDOW
        repeated = db.session.scalar(select(exists().where(
            AuditEvent.subject_type == "request", AuditEvent.subject_id == subject, AuditEvent.action == action,
            AuditEvent.at >= since,
            AuditEvent.actor_id == refusal.actor_id if refusal.actor_id is not None
            else AuditEvent.actor_id.is_(None))))
        if repeated:
            return
        audit.record(action, "request", subject, actor_id=refusal.actor_id, org_id=refusal.org_id,
                     status=refusal.status, code=refusal.code, method=refusal.method, path=refusal.path[:500],
                     endpoint=refusal.endpoint, address=refusal.address[:64])
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("could not write the refused-access audit event for %s", subject, exc_info=True)
