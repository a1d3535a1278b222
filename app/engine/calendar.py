"""Working days and working hours on the Chinese statutory calendar (Asia/Shanghai).

`chinese_calendar` knows weekends, public holidays and 调休 make-up workdays (e.g. Saturday 2024-10-12 is a
workday, 2024-10-01..07 are not). Administrators can override single dates (`overrides`: date -> is workday);
an override always wins. For a year the package does not cover (it raises NotImplementedError; 1.11.0 covers
2004-2026) we fall back to Monday-Friday plus overrides: upgrade the package every December when the State
Council publishes the next year's schedule, or enter the holidays as overrides.

Definitions (the deadline semantics all flows share):
- `add_working_days(start, n)`: the END of the n-th working day after start's date (17:30 local). Day 1 is the
  first working day after the start day, so "within 3 working days" of Monday 10:00 is Thursday 17:30. n=0 is
  the end of the current working day (or of the next one, if start is after hours or on a day off).
- `add_working_hours(start, n)`: n hours counted only inside WORKING_PERIODS (08:30-12:00, 14:00-17:30) on
  working days; a start outside those periods begins counting at the next period.
- `working_days_between(a, b)`: working days d with a.date() < d <= b.date() (negative if b < a), so
  `working_days_between(s, add_working_days(s, n)) == n`.
Every datetime in and out is timezone-aware; results are in Asia/Shanghai.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

TZ = ZoneInfo("Asia/Shanghai")
WORKING_PERIODS: tuple[tuple[time, time], ...] = ((time(8, 30), time(12, 0)), (time(14, 0), time(17, 30)))
END_OF_DAY = WORKING_PERIODS[-1][1]
_ONE_DAY = timedelta(days=1)


def _local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("datetime must be timezone-aware")
    return moment.astimezone(TZ)


class WorkCalendar:
    def __init__(self, overrides: Mapping[date, bool] | None = None):
        self.overrides: dict[date, bool] = dict(overrides or {})

    def is_workday(self, day: date) -> bool:
        if isinstance(day, datetime):
            day = _local(day).date()
        if day in self.overrides:
            return self.overrides[day]
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            return day.weekday() < 5

    def next_workday(self, day: date) -> date:
        """The first working day strictly after `day`."""
        day += _ONE_DAY
        for _ in range(400):  # a year of holidays set by overrides would be a data error, not a loop
            if self.is_workday(day):
                return day
            day += _ONE_DAY
        raise ValueError("no working day within 400 days")

    def add_working_days(self, start: datetime, n: int) -> datetime:
        if n < 0:
            raise ValueError("n must be >= 0")
        local = _local(start)
        day = local.date()
        if n == 0:
            if not (self.is_workday(day) and local.time() < END_OF_DAY):
                day = self.next_workday(day)
        for _ in range(n):
            day = self.next_workday(day)
        return datetime.combine(day, END_OF_DAY, TZ)

    def add_working_hours(self, start: datetime, n: float) -> datetime:
        if n < 0:
            raise ValueError("n must be >= 0")
        remaining = timedelta(hours=n)
        cursor = _local(start)
        if not remaining:
            return cursor
        day = cursor.date()
        while True:
            if self.is_workday(day):
                for begin_t, end_t in WORKING_PERIODS:
                    begin = datetime.combine(day, begin_t, TZ)
                    end = datetime.combine(day, end_t, TZ)
                    cursor = max(cursor, begin)
                    if cursor >= end:
                        continue
                    if remaining <= end - cursor:
                        return cursor + remaining
                    remaining -= end - cursor
                    cursor = end
            day += _ONE_DAY

    def working_days_between(self, a: datetime, b: datetime) -> int:
        start, end = _local(a).date(), _local(b).date()
        sign = 1
        if end < start:
            start, end, sign = end, start, -1
        count, day = 0, start + _ONE_DAY
        while day <= end:
            count += self.is_workday(day)
            day += _ONE_DAY
        return sign * count
