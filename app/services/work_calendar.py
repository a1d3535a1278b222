"""The working-day calendar in force: the Chinese statutory calendar plus administrators' overrides."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.engine.calendar import WorkCalendar
from app.extensions import db
from app.models import CalendarOverride
from app.services import audit


def current() -> WorkCalendar:
    overrides = {row.day: row.is_workday for row in db.session.scalars(select(CalendarOverride))}
    return WorkCalendar(overrides)


def set_override(day: date, is_workday: bool, note: str = "", *, actor_id: int | None = None) -> None:
    row = db.session.get(CalendarOverride, day) or CalendarOverride(day=day)
    row.is_workday, row.note = is_workday, note
    db.session.add(row)
    audit.record("calendar.override", "calendar", day.isoformat(), actor_id=actor_id,
                 is_workday=is_workday, note=note)
    db.session.commit()


def remove_override(day: date, *, actor_id: int | None = None) -> None:
    row = db.session.get(CalendarOverride, day)
    if row is not None:
        db.session.delete(row)
        audit.record("calendar.override_removed", "calendar", day.isoformat(), actor_id=actor_id)
        db.session.commit()


def overrides() -> list[CalendarOverride]:
    return list(db.session.scalars(select(CalendarOverride).order_by(CalendarOverride.day)))
