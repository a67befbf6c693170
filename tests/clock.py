"""The tests' clock: dates are Jiangsu's, and a test that needs "today" travels to noon of it,
safely away from midnight in either time zone."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine

SHANGHAI = ZoneInfo("Asia/Shanghai")


def on(day: date):
    """Travel to noon of a day in Jiangsu (frozen: the clock does not tick)."""
    return time_machine.travel(
        datetime(day.year, day.month, day.day, 12, tzinfo=SHANGHAI), tick=False
    )
