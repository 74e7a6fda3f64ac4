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

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from superoffice_app.superoffice.dates import format_so_datetime, parse_so_datetime

from .entities import EntitySpec

__all__ = [
    "OVERLAP",
    "Cursor",
    "keyset_filter",
]

OVERLAP: Final = timedelta(seconds=5)


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
