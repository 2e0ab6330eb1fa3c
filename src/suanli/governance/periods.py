"""Billing time: months in the tenant's time zone, whole hours, exact durations.

China has used UTC+8 all year since 1991, so a fixed offset is exact and needs no tz database.
Naive datetimes are refused: an unlabelled time is an ambiguous bill.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from decimal import Decimal

from suanli.core.errors import InvalidInput

CHINA_TZ = timezone(timedelta(hours=8), "CST")
"""China Standard Time, the default billing time zone."""

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")

FIRST_YEAR, LAST_YEAR = 2000, 2200
"""Times that prices, rules, quotes and usage may name: a wider range is a typo, not a plan."""


def within_years(value: datetime) -> datetime:
    """``value`` if it lies in the years the platform accepts, else a ``ValueError`` that says so.

    The year is checked as written and in UTC: moving ``0001-01-01T00:00+01:00`` to UTC would leave
    the calendar (``OverflowError``) before any range check could answer.
    """
    if not FIRST_YEAR <= value.year <= LAST_YEAR or not FIRST_YEAR <= value.astimezone(UTC).year <= LAST_YEAR:
        raise ValueError(f"times must lie between the years {FIRST_YEAR} and {LAST_YEAR}")
    return value


def require_aware(value: datetime, what: str) -> datetime:
    """``value`` itself, or InvalidInput when it has no time zone."""
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(f"{what} must be a timezone-aware datetime, got {value!r}")
    return value


def month_bounds(month: str, tz: tzinfo = CHINA_TZ) -> tuple[datetime, datetime]:
    """``[start, end)`` of a billing month written ``YYYY-MM``, in ``tz``."""
    m = _MONTH.match(month)
    if not m or not 1 <= int(m.group(2)) <= 12 or not 1 <= int(m.group(1)) <= 9998:
        raise InvalidInput(f"month must look like 2026-11 (years 0001 to 9998), got {month!r}")
    year, mon = int(m.group(1)), int(m.group(2))
    start = datetime(year, mon, 1, tzinfo=tz)
    end = datetime(year + mon // 12, mon % 12 + 1, 1, tzinfo=tz)
    return start, end


def seconds_between(start: datetime, end: datetime) -> Decimal:
    """Exact seconds from ``start`` to ``end`` (microsecond resolution, never float)."""
    delta = end - start
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return Decimal(micros) / Decimal(1_000_000)


def hour_floor(value: datetime) -> datetime:
    """The start of the UTC hour containing ``value``."""
    utc = value.astimezone(UTC)
    return utc.replace(minute=0, second=0, microsecond=0)
