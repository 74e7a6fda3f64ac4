"""SuperOffice's date and time formats, read and written in one place.

Two formats reach the app: the archive providers' DateTime columns (``updated``,
``DeletedDate``: seconds, sometimes a fraction, usually no zone, meaning UTC) and the
state API's ``ValidUntil`` (ISO 8601 with up to seven fractional digits and a zone).
Python 3.11's ``fromisoformat`` reads neither exactly, hence the explicit patterns.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Final

__all__ = ["format_so_datetime", "parse_so_datetime", "parse_valid_until"]

_DATETIME: Final = re.compile(
    r"(?P<base>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(?P<fraction>\d+))?(?P<zone>Z|[+-]\d{2}:\d{2})?"
)


def format_so_datetime(moment: datetime) -> str:
    """``2026-11-01T10:00:05``: SuperOffice's filter format, UTC, whole seconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def parse_so_datetime(text: str) -> datetime:
    """An aware UTC datetime from an archive column (no zone means UTC).

    Fractions (SuperOffice writes up to seven digits) are dropped: the cursor works in
    whole seconds, as ``updated`` is kept.
    """
    match = _DATETIME.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"not a SuperOffice datetime: {text!r}")
    moment = datetime.fromisoformat(match.group("base"))
    zone = match.group("zone")
    if zone and zone != "Z":
        moment = moment.replace(tzinfo=datetime.fromisoformat("2000-01-01T00:00:00" + zone).tzinfo)
        return moment.astimezone(UTC)
    return moment.replace(tzinfo=UTC)


# ISO 8601 as the state API writes it: up to 7 (or more) fractional digits, "Z" or an
# offset. Python 3.11's fromisoformat stops at 6 digits, hence the explicit pattern.
_TIMESTAMP: Final = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})[T ](?P<time>[0-9]{2}:[0-9]{2}:[0-9]{2})"
    r"(?:\.(?P<fraction>[0-9]{1,12}))?(?P<zone>Z|z|[+-][0-9]{2}:?[0-9]{2})?"
)


def parse_valid_until(text: str) -> datetime:
    """An aware UTC datetime from the state API's ``ValidUntil`` (no zone means UTC).

    Digits beyond the sixth fractional one are dropped: datetime holds microseconds.
    """
    match = _TIMESTAMP.fullmatch(text.strip())
    if match is None:
        raise ValueError("not an ISO 8601 timestamp")
    fraction = (match.group("fraction") or "").ljust(6, "0")[:6]
    zone = match.group("zone") or "Z"
    if zone in ("Z", "z"):
        zone = "+00:00"
    elif ":" not in zone:
        zone = f"{zone[:3]}:{zone[3:]}"
    try:
        moment = datetime.fromisoformat(
            f"{match.group('date')}T{match.group('time')}.{fraction}{zone}"
        )
    except ValueError:  # a day or hour out of range
        raise ValueError("not an ISO 8601 timestamp") from None
    return moment.astimezone(UTC)
