"""Time in the store: an injectable clock, and how instants are written to items.

Instants are stored as fixed-width ISO 8601 UTC strings with microseconds
(``2026-02-23T09:52:01.934296Z``), so that string order is time order in sort keys.
TTL attributes are epoch seconds, as DynamoDB's TTL requires.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["Clock", "epoch_seconds", "format_instant", "parse_instant", "utc_now"]

Clock = Callable[[], datetime]
"""Returns the current time, timezone-aware."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def format_instant(moment: datetime) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("the store keeps timezone-aware times only")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_instant(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def epoch_seconds(moment: datetime) -> int:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("the store keeps timezone-aware times only")
    return int(moment.timestamp())
