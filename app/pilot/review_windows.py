"""Batch review windows for pilot applications (SPEC §3.2).

By default the ministry reviews in the last 5 days of each month; administrators can add windows with
explicit dates (the notice's first one was 8–12 Dec 2021). An application joins the first window that
opens after the day it was submitted."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from app.core import audit, clock, deadlines
from app.core.unit_of_work import use_case
from app.errors import ValidationFailed
from app.extensions import db
from app.models import ReviewWindow

DEFAULT_DAYS = 5


@dataclass(frozen=True)
class Window:
    start: date
    end: date
    explicit: bool = False

    @property
    def opens_at(self) -> datetime:
        return datetime.combine(self.start, time(0, 0), tzinfo=clock.SHANGHAI)

    @property
    def closes_at(self) -> datetime:
        return deadlines.end_of_day(self.end)


def _month_window(year: int, month: int) -> Window:
    last = calendar.monthrange(year, month)[1]
    return Window(date(year, month, last - DEFAULT_DAYS + 1), date(year, month, last))


def default_window_after(day: date) -> Window:
    window = _month_window(day.year, day.month)
    if window.start > day:
        return window
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return _month_window(year, month)


def window_after(day: date) -> Window:
    """The first window opening after `day` (explicit or the monthly default, whichever is earlier)."""
    explicit = db.session.scalar(select(ReviewWindow).where(ReviewWindow.starts_on > day)
                                 .order_by(ReviewWindow.starts_on).limit(1))
    default = default_window_after(day)
    if explicit is not None and explicit.starts_on <= default.start:
        return Window(explicit.starts_on, explicit.ends_on, explicit=True)
    return default


today = deadlines.today  # the pilot pages read "today" beside the windows


@use_case
def add(starts_on: date, ends_on: date, note: str = "", *, actor_id: int | None = None) -> ReviewWindow:
    fields = {}
    if ends_on < starts_on:
        fields["ends_on"] = ["结束日期不能早于开始日期"]
    elif (ends_on - starts_on) > timedelta(days=31):
        fields["ends_on"] = ["一个审核窗口最长 31 天"]
    if starts_on <= today():
        fields["starts_on"] = ["开始日期须晚于今天（已提交的申报按提交时的窗口审核）"]
    if fields:
        raise ValidationFailed("审核窗口有误", fields)
    window = ReviewWindow(starts_on=starts_on, ends_on=ends_on, note=note[:200], created_by=actor_id)
    db.session.add(window)
    db.session.flush()
    audit.record("review_window.added", "review_window", window.id, actor_id=actor_id,
                 starts_on=starts_on.isoformat(), ends_on=ends_on.isoformat(), note=note)
    return window


def upcoming(limit: int = 12) -> list[Window]:
    """The next windows from today, explicit and default, in date order."""
    windows: list[Window] = []
    day = today() - timedelta(days=31)
    while len(windows) < limit:
        window = window_after(day)
        if window.end >= today():
            windows.append(window)
        day = window.start
    return windows
