from datetime import UTC, date, datetime, timedelta

import pytest

from app.engine.calendar import TZ, WorkCalendar

cal = WorkCalendar()


def at(y, m, d, hh=10, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


def test_national_day_2024_and_make_up_days():
    assert [cal.is_workday(date(2024, 10, d)) for d in range(1, 8)] == [False] * 7
    assert cal.is_workday(date(2024, 10, 8))
    assert cal.is_workday(date(2024, 9, 29))  # Sunday, 调休 make-up workday
    assert cal.is_workday(date(2024, 10, 12))  # Saturday, 调休 make-up workday
    assert not cal.is_workday(date(2024, 10, 13))


def test_working_days_cross_the_national_day_holiday():
    # Monday Sep 30 10:00 + 1 working day: the whole holiday is skipped -> end of Tuesday Oct 8
    assert cal.add_working_days(at(2024, 9, 30), 1) == at(2024, 10, 8, 17, 30)
    # Friday Sep 27 + 3: Sunday Sep 29 (make-up), Monday Sep 30, Tuesday Oct 8
    assert cal.add_working_days(at(2024, 9, 27), 3) == at(2024, 10, 8, 17, 30)
    # Friday Oct 11 + 1 is the make-up Saturday Oct 12
    assert cal.add_working_days(at(2024, 10, 11), 1) == at(2024, 10, 12, 17, 30)


def test_spring_festival_2024():
    # Feb 10-17 off; Sunday Feb 4 and Sunday Feb 18 are make-up workdays
    assert cal.is_workday(date(2024, 2, 4))
    assert not any(cal.is_workday(date(2024, 2, d)) for d in range(10, 18))
    assert cal.add_working_days(at(2024, 2, 9), 1) == at(2024, 2, 18, 17, 30)


def test_zero_days_is_end_of_this_or_next_working_day():
    assert cal.add_working_days(at(2024, 9, 30, 10), 0) == at(2024, 9, 30, 17, 30)
    assert cal.add_working_days(at(2024, 9, 30, 18), 0) == at(2024, 10, 8, 17, 30)  # after hours
    assert cal.add_working_days(at(2024, 10, 3), 0) == at(2024, 10, 8, 17, 30)  # on a holiday
    with pytest.raises(ValueError):
        cal.add_working_days(at(2024, 9, 30), -1)


def test_overrides_win():
    custom = WorkCalendar({date(2024, 10, 8): False, date(2024, 10, 5): True})
    assert not custom.is_workday(date(2024, 10, 8))
    assert custom.is_workday(date(2024, 10, 5))
    assert custom.add_working_days(at(2024, 9, 30), 1) == at(2024, 10, 5, 17, 30)
    assert custom.add_working_days(at(2024, 9, 30), 2) == at(2024, 10, 9, 17, 30)


def test_fallback_for_years_the_package_does_not_know():
    # 2035 is beyond chinese_calendar's data: Monday-Friday, plus overrides
    assert cal.is_workday(date(2035, 1, 1))  # Monday (really New Year's Day: enter it as an override)
    assert not cal.is_workday(date(2035, 1, 6))  # Saturday
    assert WorkCalendar({date(2035, 1, 1): False}).is_workday(date(2035, 1, 1)) is False
    assert cal.add_working_days(at(2035, 1, 5), 1) == at(2035, 1, 8, 17, 30)  # Fri -> Mon


def test_working_hours():
    # Mon Sep 30: 11:00 + 2h = 11-12 and 14-15
    assert cal.add_working_hours(at(2024, 9, 30, 11), 2) == at(2024, 9, 30, 15)
    # ends exactly at the lunch break: stays at 12:00
    assert cal.add_working_hours(at(2024, 9, 30, 11), 1) == at(2024, 9, 30, 12)
    # 17:00 + 1h: 30 minutes today, the rest after the holiday
    assert cal.add_working_hours(at(2024, 9, 30, 17), 1) == at(2024, 10, 8, 9)
    # before office hours counting starts at 08:30; in the lunch break at 14:00
    assert cal.add_working_hours(at(2024, 9, 30, 6), 0.5) == at(2024, 9, 30, 9)
    assert cal.add_working_hours(at(2024, 9, 30, 12, 30), 1) == at(2024, 9, 30, 15)
    # 7 working hours a day
    assert cal.add_working_hours(at(2024, 10, 8, 8, 30), 14) == at(2024, 10, 9, 17, 30)


def test_working_days_between_inverts_add_working_days():
    start = at(2024, 9, 27)
    for n in range(1, 12):
        assert cal.working_days_between(start, cal.add_working_days(start, n)) == n
    assert cal.working_days_between(at(2024, 10, 8), at(2024, 9, 30)) == -1


def test_timezones():
    utc_start = datetime(2024, 9, 30, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    result = cal.add_working_days(utc_start, 1)
    assert result == at(2024, 10, 8, 17, 30) and result.utcoffset() == timedelta(hours=8)
    # a UTC time late on Sep 30 is already Oct 1 in Shanghai: a holiday
    assert not cal.is_workday(datetime(2024, 9, 30, 17, 0, tzinfo=UTC))
    with pytest.raises(ValueError):
        cal.add_working_days(datetime(2024, 9, 30, 10), 1)
