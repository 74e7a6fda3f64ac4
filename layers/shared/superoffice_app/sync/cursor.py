"""The incremental cursor: the last (updated, primary key) seen, and the filters it makes.

SuperOffice's ``updated`` has whole seconds and many records share a second, so the
timestamp alone cannot say where a page ended. The cursor is the pair, and the next page
asks for what comes strictly after it in ``updated, id`` order (keyset paging): no
``$skip``, whose cost grows with the offset on SuperOffice's side and which skips or
repeats records when the set changes under it.

A record changed while a sync pages gets an ``updated`` at or after every value already
seen, so it sorts after the cursor, except when it lands in the cursor's own second with
a smaller key. Each run therefore starts ``OVERLAP`` before where the last one finished
and compares what it reads with the mirror, so re-reading costs no writes and no events.

``updated`` is a DateTime column, and SuperOffice documents only ``dateTime`` (equal),
``beforeTime`` and ``afterTime`` for those (its OData page); ``eq`` is for numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from .entities import EntitySpec

__all__ = [
    "OVERLAP",
    "Cursor",
    "format_so_datetime",
    "keyset_filter",
    "parse_so_datetime",
]

OVERLAP: Final = timedelta(seconds=5)
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


@dataclass(frozen=True, slots=True)
class Cursor:
    """Everything up to and including (``updated``, ``key``) has been mirrored."""

    updated: datetime
    key: int

    def rewound(self) -> Cursor:
        """Where a new run starts: ``OVERLAP`` earlier, before every key of that second."""
        return Cursor(self.updated - OVERLAP, 0)

    def to_dict(self) -> dict[str, object]:
        return {"updated": format_so_datetime(self.updated), "key": self.key}

    @classmethod
    def from_dict(cls, value: object) -> Cursor | None:
        if not isinstance(value, dict):
            return None
        updated, key = value.get("updated"), value.get("key")
        if not isinstance(updated, str) or isinstance(key, bool) or not isinstance(key, int):
            return None
        return cls(parse_so_datetime(updated), key)


def keyset_filter(entity: EntitySpec, cursor: Cursor | None) -> str | None:
    """The ``$filter`` for records after ``cursor`` in (updated, id) order; None: all."""
    if cursor is None:
        return None
    moment = format_so_datetime(cursor.updated)
    after = f"{entity.updated_column} afterTime '{moment}'"
    same_second = f"{entity.updated_column} dateTime '{moment}'"
    if cursor.key <= 0:
        # The whole second is wanted: "not before" it, without le/ge (unreliable).
        return f"({after}) or ({same_second})"
    return f"({after}) or ({same_second} and {entity.id_column} gt {cursor.key})"
