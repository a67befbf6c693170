"""Working days count China's statutory holidays and make-up working days (调休); the province
admin's entries come first, for a year the library does not know yet."""

from datetime import date

import pytest

from skilleval import rules
from skilleval.models import CalendarDay
from skilleval.working_days import add_working_days, is_known, is_working_day

pytestmark = pytest.mark.django_db


def test_the_national_day_week_is_not_counted_and_its_saturday_is():
    # 2024-09-30 (Mon) works; 10-01 to 10-07 are holidays; 10-12 (Sat) is a make-up working day.
    assert add_working_days(date(2024, 9, 30), 5) == date(2024, 10, 11)
    assert not is_working_day(date(2024, 10, 4))
    assert is_working_day(date(2024, 10, 12))
    assert is_working_day(date(2024, 9, 29))  # a Sunday worked before the holiday


def test_the_spring_festival_of_2026_is_skipped():
    # 2026-02-15 to 02-23 off; 02-14 (Sat) and 02-28 (Sat) worked.
    assert add_working_days(date(2026, 2, 12), 3) == date(2026, 2, 14)
    assert add_working_days(date(2026, 2, 13), 2) == date(2026, 2, 14)
    assert add_working_days(date(2026, 2, 14), 2) == date(2026, 2, 24)


def test_a_year_the_library_does_not_know_counts_weekdays_until_the_admin_enters_it():
    assert not is_known(2031)
    assert add_working_days(date(2031, 1, 29), 5) == date(2031, 2, 4)  # Wed to the next Tue
    CalendarDay.objects.create(date=date(2031, 1, 31), is_working_day=False, note="春节（演示）")
    CalendarDay.objects.create(date=date(2031, 2, 1), is_working_day=True, note="调休上班")
    assert add_working_days(date(2031, 1, 29), 5) == date(2031, 2, 4)
    CalendarDay.objects.create(date=date(2031, 2, 3), is_working_day=False, note="春节（演示）")
    assert add_working_days(date(2031, 1, 29), 5) == date(2031, 2, 5)


def test_the_entry_of_the_admin_wins_over_the_library():
    CalendarDay.objects.create(date=date(2024, 10, 8), is_working_day=False, note="省内安排")
    assert add_working_days(date(2024, 9, 30), 5) == date(2024, 10, 12)


def test_the_publicity_rule_ends_after_the_holiday():
    publicised = date(2024, 9, 30)
    on_the_last_day = rules.evaluate(
        "batch.results_publicity", {"publicised_on": publicised, "on": date(2024, 10, 11)}
    )
    assert not on_the_last_day.result["may_approve"]
    assert on_the_last_day.result["publicity_ends"] == date(2024, 10, 11)
    the_day_after = rules.evaluate(
        "batch.results_publicity", {"publicised_on": publicised, "on": date(2024, 10, 12)}
    )
    assert the_day_after.result["may_approve"]


def test_the_province_admin_enters_a_day_and_others_only_read(client, province_admin, alice):
    client.force_login(alice)
    assert client.get("/rules/calendar/").status_code == 200
    forbidden = client.post("/rules/calendar/", {"date": "2031-02-03", "is_working_day": "0"})
    assert forbidden.status_code == 403
    client.force_login(province_admin)
    saved = client.post(
        "/rules/calendar/", {"date": "2031-02-03", "is_working_day": "0", "note": "春节"}
    )
    assert saved.status_code == 302
    assert CalendarDay.objects.get(date=date(2031, 2, 3)).is_working_day is False
