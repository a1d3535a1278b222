"""Writing the audit log. Callers add the event to the session of the change it describes, so the
event commits (or rolls back) together with that change."""

from __future__ import annotations

from typing import Any

from app.extensions import db
from app.models import AuditEvent


def record(
    action: str,
    subject_type: str,
    subject_id: object,
    *,
    actor_id: int | None = None,
    org_id: int | None = None,
    **detail: Any,
) -> AuditEvent:
    event = AuditEvent(
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        actor_id=actor_id,
        org_id=org_id,
        detail=detail,
    )
    db.session.add(event)
    return event
