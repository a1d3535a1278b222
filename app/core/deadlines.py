"""Deadlines, written once. A date to meet means the end of that day, Beijing time; a university is
reminded REMIND_DAYS before it; a task is due soon within REMIND_BEFORE of its due time; and each
deadline notice (reminder, overdue, summary) is sent once, however often the scan runs."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from app.core import clock
from app.extensions import db
from app.models import DeadlineNotice

REMIND_DAYS = 3
REMIND_BEFORE = timedelta(hours=24)


def today() -> date:
    """Today in Beijing (the day every date in the product is read in)."""
    return clock.now().astimezone(clock.SHANGHAI).date()


def end_of_day(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=clock.SHANGHAI)


def reminder_due(day: date, at: datetime) -> bool:
    """Whether `at` falls in the reminder window before the end of `day`."""
    cutoff = end_of_day(day)
    return cutoff - timedelta(days=REMIND_DAYS) <= at <= cutoff


def due_soon(due_at: datetime | None, now: datetime) -> bool:
    """A due time within REMIND_BEFORE from now, not yet past."""
    return due_at is not None and now <= clock.as_utc(due_at) <= now + REMIND_BEFORE


def notice_once(subject: str, org_id: int | None, kind: str) -> bool:
    """True the first time (subject, org, kind) is asked for, and records it: the caller sends then."""
    same_org = DeadlineNotice.org_id.is_(None) if org_id is None else DeadlineNotice.org_id == org_id
    if db.session.scalar(select(func.count()).where(DeadlineNotice.subject == subject, same_org,
                                                    DeadlineNotice.kind == kind)):
        return False
    db.session.add(DeadlineNotice(subject=subject, org_id=org_id, kind=kind))
    return True
