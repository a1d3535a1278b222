"""The working-day calendar in force: the Chinese statutory calendar plus administrators' overrides."""

from __future__ import annotations

import time
from datetime import date

from sqlalchemy import select

from app.core import audit
from app.engine.calendar import WorkCalendar
from app.extensions import db
from app.models import CalendarOverride

# Every step reads the calendar (deadlines, timers); overrides change a few times a year. Each process
# keeps what it read for a minute: an edit is seen at once by the process that made it and within a
# minute by the others (issue #8: this was one to two queries per step).
CACHE_SECONDS = 60.0
_cached: tuple[float, WorkCalendar] | None = None


def current() -> WorkCalendar:
    global _cached
    now = time.monotonic()
    if _cached is None or now - _cached[0] > CACHE_SECONDS:
        overrides = {row.day: row.is_workday for row in db.session.scalars(select(CalendarOverride))}
        _cached = (now, WorkCalendar(overrides))
    return _cached[1]


def forget() -> None:
    """Read the overrides again at the next step (after an edit, a restore or emptied tables)."""
    global _cached
    _cached = None


def set_override(day: date, is_workday: bool, note: str = "", *, actor_id: int | None = None) -> None:
    row = db.session.get(CalendarOverride, day) or CalendarOverride(day=day)
    row.is_workday, row.note = is_workday, note
    db.session.add(row)
    audit.record("calendar.override", "calendar", day.isoformat(), actor_id=actor_id,
                 is_workday=is_workday, note=note)
    db.session.commit()
    forget()


def remove_override(day: date, *, actor_id: int | None = None) -> None:
    row = db.session.get(CalendarOverride, day)
    if row is not None:
        db.session.delete(row)
        audit.record("calendar.override_removed", "calendar", day.isoformat(), actor_id=actor_id)
        db.session.commit()
        forget()


def overrides() -> list[CalendarOverride]:
    return list(db.session.scalars(select(CalendarOverride).order_by(CalendarOverride.day)))
