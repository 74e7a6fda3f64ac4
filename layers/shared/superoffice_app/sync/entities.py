"""The CRM entities the app mirrors, and the archive columns it reads for each.

Archive queries (protocol section 7) name columns ``{entity}.{column}`` with the field
names of SuperOffice's database reference (``local/simulator/contract/tables.json``; one
unknown column fails the whole query); the primary key column is ``{entity}.{entity}_id``
and ``{entity}.updated`` is the change timestamp the incremental cursor follows. Only the
entity's own table is read: a child table's change (an e-mail address, a phone number)
moves neither the entity's ``updated`` nor a webhook, so a mirrored copy of it would go
stale unnoticed. Which entities are synced is configuration (``SYNC_ENTITIES``); which
columns are mirrored per entity is fixed here, so a partner changes one tuple to mirror
more (a test checks every name against the reference).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

__all__ = [
    "DEFAULT_ENTITIES",
    "ENTITY_COLUMNS",
    "SOFT_DELETE_COLUMN",
    "SOFT_DELETE_ENTITIES",
    "EntitySpec",
    "parse_entities",
]

_NAME: Final = re.compile(r"[a-z][a-z_]{1,30}")

# Columns mirrored besides the key and the timestamps, spelt as SuperOffice's tables spell
# them. `_idx` columns are list item ids (Business, Category, ProjStatus, ProjType): an id
# stays when an administrator renames the item, which changes no contact's `updated`.
ENTITY_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "contact": ("name", "department", "orgNr", "number1", "business_idx", "category_idx"),
    "person": ("firstname", "lastname", "contact_id", "title"),
    "sale": ("heading", "amount", "contact_id", "person_id", "status", "saledate"),
    "project": ("name", "project_number", "status_idx", "type_idx"),
}
DEFAULT_ENTITIES: Final = ("contact", "person", "sale", "project")
# What a delete in SuperOffice's user interface sets on a contact or person row (a soft
# delete: the row stays until SuperOffice removes it for good); other tables have none.
SOFT_DELETE_COLUMN: Final = "DeletedDate"
SOFT_DELETE_ENTITIES: Final = frozenset({"contact", "person"})


@dataclass(frozen=True)
class EntitySpec:
    """One entity: its name and the columns read for it."""

    name: str
    columns: tuple[str, ...] = ()
    # Whether the table has ``DeletedDate`` (soft deletes); read with every row if so.
    soft_deletes: bool = False

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
    def deleted_column(self) -> str | None:
        """``contact.DeletedDate`` where the table has soft deletes; None elsewhere."""
        return f"{self.name}.{SOFT_DELETE_COLUMN}" if self.soft_deletes else None

    @property
    def select(self) -> str:
        """The ``$select`` of change queries: key, timestamps, soft delete, mirrored fields."""
        names = [self.id_column, self.updated_column, f"{self.name}.registered"]
        if self.deleted_column is not None:
            names.append(self.deleted_column)
        names += [f"{self.name}.{column}" for column in self.columns]
        return ",".join(names)

    @property
    def key_select(self) -> str:
        """The ``$select`` of key reconciliation: the key, and the soft delete if any."""
        if self.deleted_column is None:
            return self.id_column
        return f"{self.id_column},{self.deleted_column}"

    def field_name(self, column: str) -> str | None:
        """``name`` for ``contact.name``; None for another entity's column and for the
        columns the sync reads for itself (key, ``updated``, ``DeletedDate``)."""
        prefix = self.name + "."
        if not column.startswith(prefix) or column in (
            self.id_column,
            self.updated_column,
            self.deleted_column,
        ):
            return None
        return column[len(prefix) :]


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
        specs.append(EntitySpec(name, ENTITY_COLUMNS[name], name in SOFT_DELETE_ENTITIES))
    return tuple(specs)
