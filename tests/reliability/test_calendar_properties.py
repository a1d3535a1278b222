"""Property tests (hypothesis) for the working-day calendar every deadline is computed with, beside the
examples of tests/engine/test_calendar.py (national holidays, 调休, overrides). For any start instant in any
time zone, any count and any admin overrides:

- `add_working_days(s, n)` ends a working day at 17:30 Beijing time, exactly n working days after s,
  later for larger n, and never on a day an override closed;
- `add_working_hours(s, h)` lands inside the working periods, never before s, and adding a then b hours
  is adding a + b hours;
- the same instant written in another zone gives the same deadline."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.calendar import END_OF_DAY, TZ, WORKING_PERIODS, WorkCalendar

SETTINGS = settings(max_examples=200, deadline=None, database=None, derandomize=True)

zones = st.sampled_from([TZ, UTC, timezone(timedelta(hours=-8)), timezone(timedelta(hours=5, minutes=30))])
# 2019-2027: years the chinesecalendar package knows, and the Monday-Friday fallback after them.
instants = st.builds(lambda d, z: d.replace(tzinfo=TZ).astimezone(z),
                     st.datetimes(min_value=datetime(2019, 1, 1), max_value=datetime(2027, 12, 31)), zones)
overrides = st.dictionaries(st.dates(min_value=date(2019, 1, 1), max_value=date(2028, 6, 30)), st.booleans(),
                            max_size=30)
quarter_hours = st.integers(0, 8 * 40).map(lambda q: q / 4)  # up to ~40 working days, exact in binary


def _in_working_period(moment: datetime, calendar: WorkCalendar) -> bool:
    local = moment.astimezone(TZ)
    return calendar.is_workday(local.date()) and any(
        begin <= local.time() <= end for begin, end in WORKING_PERIODS)


@SETTINGS
@given(start=instants, n=st.integers(0, 60), days_off=overrides)
def test_working_days_end_a_working_day_exactly_n_working_days_later(start, n, days_off) -> None:
    calendar = WorkCalendar(days_off)
    due = calendar.add_working_days(start, n)
    local = due.astimezone(TZ)
    assert local.time() == END_OF_DAY and calendar.is_workday(local.date())
    assert due > start
    if n > 0:
        assert calendar.working_days_between(start, due) == n
        # later for larger n (0 and 1 can name the same day: from a day off or after 17:30, "the end of the
        # next working day" and "the end of the 1st working day after today" coincide)
        earlier = calendar.add_working_days(start, n - 1)
        assert due > earlier or (n == 1 and due == earlier)
    assert days_off.get(local.date(), True), "an override closed that day"


@SETTINGS
@given(start=instants, a=quarter_hours, b=quarter_hours, days_off=overrides)
def test_working_hours_stay_inside_working_time_and_add_up(start, a, b, days_off) -> None:
    calendar = WorkCalendar(days_off)
    first = calendar.add_working_hours(start, a)
    assert first >= start
    if a > 0:
        assert _in_working_period(first, calendar)
    if a > 0 and b > 0:  # (with a == 0 the start itself may lie outside working time; nothing is counted)
        assert calendar.add_working_hours(first, b) == calendar.add_working_hours(start, a + b)


@SETTINGS
@given(start=instants, zone=zones, n=st.integers(0, 20), hours=quarter_hours)
def test_the_zone_an_instant_is_written_in_does_not_matter(start, zone, n, hours) -> None:
    calendar = WorkCalendar()
    assert calendar.add_working_days(start, n) == calendar.add_working_days(start.astimezone(zone), n)
    assert calendar.add_working_hours(start, hours) == calendar.add_working_hours(start.astimezone(zone), hours)


@SETTINGS
@given(a=instants, b=instants)
def test_working_days_between_is_antisymmetric(a, b) -> None:
    calendar = WorkCalendar()
    assert calendar.working_days_between(a, b) == -calendar.working_days_between(b, a)
