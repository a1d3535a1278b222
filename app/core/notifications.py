"""In-app notifications, and e-mail through SMTP when one is configured (otherwise logged only)."""

from __future__ import annotations

import logging
import smtplib
from typing import Any, cast

from sqlalchemy import CursorResult, Select, Table, func, insert, literal, select, update

from app.core import clock, mailer, roles
from app.core.unit_of_work import use_case
from app.extensions import db
from app.models import Notification, User, UserRole
from app.models._time import utcnow

log = logging.getLogger(__name__)
NOTIFICATION = cast(Table, Notification.__table__)  # statements on the table: no ORM work per call


def _holders(role: str, org_id: int | None, what: Any = User.id) -> Select[Any] | None:
    """`what` (default: the ids) of the active holders of `role`; for roles inside a university, only
    those of `org_id` (None without one: nobody)."""
    query = select(what).join(UserRole, UserRole.user_id == User.id).where(UserRole.role == role,
                                                                          User.active.is_(True))
    if role in roles.ORG_SCOPED_ROLES:
        if org_id is None:
            return None
        query = query.where(User.org_id == org_id)
    elif org_id is not None:
        query = query.where(User.org_id == org_id)
    return query


def users_with_role(role: str, org_id: int | None) -> list[User]:
    """The holders of `role` (see _holders) as accounts, for callers that need more than their ids."""
    holders = _holders(role, org_id, User)
    return [] if holders is None else list(db.session.scalars(holders.order_by(User.id)))


def _row(kind: str, title: str, body: str, link: str | None) -> dict[str, Any]:
    return {"kind": kind, "title": title[:300], "body": body, "link": link, "created_at": utcnow()}


def notify_ids(user_ids: list[int], *, kind: str, title: str, body: str = "", link: str | None = None) -> int:
    """One notification to each of these existing accounts, in one INSERT."""
    if user_ids:
        row = _row(kind, title, body, link)
        db.session.connection().execute(insert(NOTIFICATION), [{**row, "user_id": user_id} for user_id in user_ids])
    return len(user_ids)


def notify(users: list[User], *, kind: str, title: str, body: str = "", link: str | None = None) -> int:
    return notify_ids([user.id for user in users], kind=kind, title=title, body=body, link=link)


def notify_role(role: str, org_id: int | None, *, kind: str, title: str, body: str = "",
                link: str | None = None) -> int:
    """Notify the holders of a role (see _holders) with one INSERT … SELECT: no round trip to read them
    first (a workflow step notifies on most steps)."""
    holders = _holders(role, org_id)
    if holders is None:
        return 0
    row = _row(kind, title, body, link)
    values = holders.add_columns(*(literal(value, NOTIFICATION.c[name].type) for name, value in row.items()))
    inserted = db.session.execute(insert(NOTIFICATION).from_select(["user_id", *row], values))
    return int(cast(CursorResult[Any], inserted).rowcount)


def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count()).where(Notification.user_id == user.id,
                                                        Notification.read_at.is_(None))) or 0


def recent(user: User, limit: int = 50) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.created_at.desc(), Notification.id.desc())
                                   .limit(limit)))


@use_case
def mark_all_read(user: User) -> None:
    db.session.execute(update(Notification).where(Notification.user_id == user.id,
                                                  Notification.read_at.is_(None))
                       .values(read_at=clock.now()))


@use_case
def send_pending_email(limit: int = 100) -> int:
    """E-mail notifications not yet sent to users with an address (see mailer for the backends)."""
    rows = db.session.execute(
        select(Notification, User).join(User, User.id == Notification.user_id)
        .where(Notification.emailed_at.is_(None), User.email.is_not(None))
        .order_by(Notification.id).limit(limit)).all()
    sent = 0
    for note, user in rows:
        assert user.email is not None  # selected for having one
        try:
            mailer.send(user.email, note.title, f"{note.body}\n\n{note.link or ''}".strip())
        except (OSError, smtplib.SMTPException):
            log.exception("sending notification e-mail failed; will retry")
            break
        note.emailed_at = clock.now()
        sent += 1
    return sent
