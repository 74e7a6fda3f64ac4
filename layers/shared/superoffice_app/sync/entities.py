"""The CRM entities the app mirrors, and the archive columns it reads for each.

Archive queries (protocol section 7) name columns ``{entity}.{column}``; the primary key
column is ``{entity}.{entity}_id`` and ``{entity}.updated`` is the change timestamp the
incremental cursor follows. Which entities are synced is configuration
(``SYNC_ENTITIES``); which columns are mirrored per entity is fixed here, so a partner
changes one tuple to mirror more.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

__all__ = ["DEFAULT_ENTITIES", "ENTITY_COLUMNS", "EntitySpec", "parse_entities"]

_NAME: Final = re.compile(r"[a-z][a-z_]{1,30}")

# Columns mirrored besides the key and the timestamps.
ENTITY_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "contact": ("name", "department", "orgnr", "number1", "business", "category"),
    "person": ("firstname", "lastname", "contact_id", "title", "email"),
    "sale": ("heading", "amount", "contact_id", "person_id", "status", "saledate"),
    "project": ("name", "project_number", "status", "type"),
}
DEFAULT_ENTITIES: Final = ("contact", "person", "sale", "project")


@dataclass(frozen=True)
class EntitySpec:
    """One entity: its name and the columns read for it."""

    name: str
    columns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if _NAME.fullmatch(self.name) is None:
            raise ValueError(f"not an entity name: {self.name!r}")

    @property
    def id_column(self) -> str:
        return f"{self.name}.{self.name}_id"

    @property
    def updated_column(self) -> str:
        return f"{self.name}.updated"

    @property
    def select(self) -> str:
        """The ``$select`` of change queries: key, timestamps, then the mirrored fields."""
        names = [self.id_column, self.updated_column, f"{self.name}.registered"]
        names += [f"{self.name}.{column}" for column in self.columns]
        return ",".join(names)

    def field_name(self, column: str) -> str | None:
        """``name`` for ``contact.name``; None for another entity's column."""
        prefix = self.name + "."
        return column[len(prefix) :] if column.startswith(prefix) else None


def parse_entities(text: str | None) -> tuple[EntitySpec, ...]:
    """Entities from ``SYNC_ENTITIES`` (comma-separated); empty means the default four."""
    names: Iterable[str] = DEFAULT_ENTITIES
    if text is not None and text.strip():
        names = [part.strip().lower() for part in text.split(",") if part.strip()]
    specs: list[EntitySpec] = []
    for name in names:
        if name not in ENTITY_COLUMNS:
            raise ValueError(
                f"SYNC_ENTITIES: unknown entity {name!r}; known: {', '.join(ENTITY_COLUMNS)}"
            )
        if any(spec.name == name for spec in specs):
            raise ValueError(f"SYNC_ENTITIES: {name!r} is listed twice")
        specs.append(EntitySpec(name, ENTITY_COLUMNS[name]))
    return tuple(specs)
