"""A tenant's CRM records: for now just enough to cause webhook events.

Records are field values by entity and primary key; a change reports which fields it
changed. Kept apart from `items` (what apps provision), because a sandbox clone copies
items but has data of its own, and because this store grows into seeded, queryable data.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Final

from local.simulator.routing import BadRequest, NotFound

# Main records with webhook events (protocol 6); phone, e-mail, udef tables have none.
ENTITIES: Final = ("contact", "person", "sale", "project")


def canonical_entity(name: str) -> str:
    entity = name.strip().lower()
    if entity not in ENTITIES:
        raise NotFound(f"no records of {name!r} (one of {', '.join(ENTITIES)})")
    return entity


@dataclass(frozen=True)
class RecordChange:
    entity: str
    primary_key: int
    # "created", "changed" or "deleted": the event is f"{entity}.{action}".
    action: str
    changes: list[str]
    field_values: dict[str, Any]

    @property
    def event(self) -> str:
        return f"{self.entity}.{self.action}"


@dataclass
class Records:
    by_entity: dict[str, dict[int, dict[str, Any]]] = field(default_factory=dict)
    next_id: dict[str, int] = field(default_factory=dict)

    def save(
        self, entity: str, values: dict[str, Any], primary_key: int | None = None
    ) -> RecordChange:
        """Create (no key, or an unknown one) or change a record; what changed."""
        if not all(isinstance(name, str) and name for name in values):
            raise BadRequest("field names must be non-empty strings")
        entity = canonical_entity(entity)
        records = self.by_entity.setdefault(entity, {})
        if primary_key is None:
            primary_key = max(self.next_id.get(entity, 1), max(records, default=0) + 1)
        if primary_key < 1:
            raise BadRequest("a primary key is a whole number of at least 1")
        self.next_id[entity] = max(self.next_id.get(entity, 1), primary_key + 1)
        existing = records.get(primary_key)
        if existing is None:
            records[primary_key] = copy.deepcopy(values)
            return RecordChange(
                entity, primary_key, "created", sorted(values), copy.deepcopy(values)
            )
        changed = sorted(name for name, value in values.items() if existing.get(name) != value)
        existing.update(copy.deepcopy(values))
        return RecordChange(entity, primary_key, "changed", changed, copy.deepcopy(existing))

    def delete(self, entity: str, primary_key: int) -> RecordChange:
        entity = canonical_entity(entity)
        records = self.by_entity.get(entity, {})
        if primary_key not in records:
            raise NotFound(f"there is no {entity} {primary_key}")
        values = records.pop(primary_key)
        return RecordChange(entity, primary_key, "deleted", [], values)

    def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        return {
            entity: [
                {"primaryKey": key, "fieldValues": copy.deepcopy(records[key])}
                for key in sorted(records)
            ]
            for entity, records in sorted(self.by_entity.items())
        }
