"""Fixed dates for demo data: everything is placed relative to ``REFERENCE_DATE``, never to
today, so that the same seed always gives the same rows."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

REFERENCE_DATE = date(2026, 6, 1)
CYCLES = (2023, 2024, 2025)
CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")  # no daylight saving time


def days_between(rng: random.Random, first: date, last: date) -> date:
    """A day in ``[first, last]`` (``first`` when the range is empty)."""
    span = (last - first).days
    return first + timedelta(days=rng.randint(0, span)) if span > 0 else first


def local_time(rng: random.Random, day: date) -> datetime:
    """An office-hours moment (08:30–17:30 China time) on ``day``, as an aware UTC datetime."""
    minutes = rng.randint(8 * 60 + 30, 17 * 60 + 30)
    local = datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=CHINA)
    return local.astimezone(timezone.utc)


def local_midnight(day: date) -> datetime:
    """00:00 China time on ``day``, as an aware UTC datetime."""
    return datetime(day.year, day.month, day.day, tzinfo=CHINA).astimezone(timezone.utc)


def day_in_year(rng: random.Random, year: int) -> date:
    """Any day of ``year``."""
    return days_between(rng, date(year, 1, 1), date(year, 12, 31))


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later (28 February for 29 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
