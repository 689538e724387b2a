"""Working days on the Chinese official calendar (public holidays and make-up working days).

chinese_calendar knows the State Council's published schedule; for a year it does not know yet
the count falls back to Monday to Friday.
"""

from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar


def is_working_day(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


@lru_cache(maxsize=1024)
def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (the start day itself is not counted). Kept:
    every intake and step asks for the same few dates."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current
