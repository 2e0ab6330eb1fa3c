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
