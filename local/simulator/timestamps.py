"""Record timestamps: whole seconds since the epoch, written as SuperOffice's archives do.

Archive answers carry `YYYY-MM-DDTHH:MM:SS` (UTC, no zone, no fraction). Filters and the
control API also take a trailing `Z` and up to seven fractional digits (.NET's ticks), or
a bare date (midnight).
"""

from __future__ import annotations

import calendar
import re
import time
from typing import Final

TICKS_PER_SECOND: Final = 10**7
_DATETIME: Final = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?"
    r"Z?"
)


def format_timestamp(seconds: float) -> str:
    """`2026-11-01T10:00:05` for a moment in seconds since the epoch (fractions dropped)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(int(seconds // 1)))


def parse_ticks(text: str) -> int:
    """The moment in .NET ticks (100 ns) since the epoch: exact, where a float is not
    (seven fractional digits on top of ten whole ones); ValueError if not a datetime."""
    match = _DATETIME.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a datetime such as '2026-11-01T10:00:05'")
    year, month, day, hour, minute, second = (int(part or 0) for part in match.groups()[:6])
    if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]):
        raise ValueError(f"{text!r} is not a date")
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"{text!r} is not a time of day")
    whole = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    return whole * TICKS_PER_SECOND + int((match.group(7) or "").ljust(7, "0"))


def parse_timestamp(text: str) -> float:
    """Seconds since the epoch (with the fraction, if any); ValueError if not a datetime."""
    return parse_ticks(text) / TICKS_PER_SECOND


def whole_seconds(text: str) -> int:
    """A datetime as whole seconds, as records keep them (the fraction is dropped)."""
    return parse_ticks(text) // TICKS_PER_SECOND
