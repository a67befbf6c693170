"""Working days as China's calendar has them (the 5-working-day results publicity, 54号 一): the
statutory holidays and the make-up working days (调休) from `chinesecalendar`, which knows each
year once the State Council has announced it; the province admin's CalendarDay entries come first,
for a year the library does not know yet or a provincial arrangement. A year nobody has entered
counts Monday to Friday, and `is_known` says so."""

from datetime import date, timedelta

import chinese_calendar

from skilleval.models import CalendarDay

# More than any period of working days the rules count (30 working days plus the longest holiday).
HORIZON = timedelta(days=90)


def _overrides(start: date, end: date) -> dict[date, bool]:
    return dict(
        CalendarDay.objects.filter(date__range=(start, end)).values_list("date", "is_working_day")
    )


def _by_library(day: date) -> bool | None:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the library has no data for
        return None


def is_known(year: int) -> bool:
    """Whether the library has the year's holidays (else only the province admin's entries)."""
    return _by_library(date(year, 6, 1)) is not None


def is_working_day(day: date, overrides: dict[date, bool] | None = None) -> bool:
    overrides = _overrides(day, day) if overrides is None else overrides
    if day in overrides:
        return overrides[day]
    known = _by_library(day)
    return day.weekday() < 5 if known is None else known


def add_working_days(start: date, days: int) -> date:
    """The last day of a period of `days` working days that starts on `start` (counted if it is
    a working day itself)."""
    overrides = _overrides(start, start + HORIZON)
    day, counted = start, 0
    while True:
        if is_working_day(day, overrides):
            counted += 1
            if counted == days:
                return day
        day += timedelta(days=1)
