"""Secrets (initial passwords) shown exactly once, to the one user they were made for."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from app.core import audit, clock
from app.core.unit_of_work import use_case
from app.extensions import db
from app.models import OneTimeSecret, User


def pending(user: User) -> int:
    """How many unexpired secrets wait for this user (nothing is revealed or consumed)."""
    return db.session.scalar(select(func.count()).where(OneTimeSecret.viewer_id == user.id,
                                                        OneTimeSecret.expires_at > clock.now())) or 0


@use_case
def take_for(user: User) -> list[tuple[str, str]]:
    """The viewer's unexpired secrets as (label, secret), deleted in the same statement: of two
    requests at once, only one gets them. Expired ones are deleted unseen."""
    now = clock.now()
    rows = db.session.execute(delete(OneTimeSecret).where(OneTimeSecret.viewer_id == user.id)
                              .returning(OneTimeSecret.id, OneTimeSecret.label, OneTimeSecret.secret,
                                         OneTimeSecret.expires_at)).all()
    shown = [(r.id, r.label, r.secret) for r in sorted(rows, key=lambda r: r.id)
             if clock.as_utc(r.expires_at) > now]
    for secret_id, label, _ in shown:
        audit.record("one_time_secret.shown", "one_time_secret", secret_id, actor_id=user.id,
                     org_id=user.org_id, label=label)
    return [(label, secret) for _, label, secret in shown]
