"""A tenant's CRM records: the data webhooks report and archive queries read.

Every record has a primary key, `registered` (when it was created) and `updated` (set on
creation and on every change), both whole seconds since the epoch as SuperOffice keeps
them, plus free-form field values. A change reports which fields it changed. Kept apart
from `items` (what apps provision), because a sandbox clone copies items but has data of
its own. Not thread-safe on its own: the simulator state guards it with its lock.

Contacts and persons deleted in the user interface are soft-deleted first, as in
SuperOffice: the row stays, with `DeletedDate` set (`{entity}.softdeleted`), until it is
removed for good (`{entity}.deleted`) or restored (`DeletedDate` cleared). SuperOffice
documents neither step as touching `updated`, so neither does unless told to.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Final

from local.simulator.routing import BadRequest, NotFound
from local.simulator.timestamps import format_timestamp

# Main records with webhook events (protocol 6); phone, e-mail, udef tables have none.
ENTITIES: Final = ("contact", "person", "sale", "project")
# `{n}` in a bulk creation's string field values becomes the record's running number.
RUNNING_NUMBER: Final = "{n}"
# The tables with a `DeletedDate` column: what a delete in the user interface sets.
SOFT_DELETE_ENTITIES: Final = ("contact", "person")
# How SuperOffice writes a DeletedDate that is not set: .NET's DateTime.MinValue, as in its
# published webhook samples.
NOT_DELETED: Final = "0001-01-01T00:00:00"


def canonical_entity(name: str) -> str:
    entity = name.strip().lower()
    if entity not in ENTITIES:
        raise NotFound(f"no records of {name!r} (one of {', '.join(ENTITIES)})")
    return entity


@dataclass(slots=True)
class Record:
    primary_key: int
    # Whole seconds since the epoch (UTC).
    registered: int
    updated: int
    fields: dict[str, Any]
    # When it was deleted in the user interface (seconds); None while it is not.
    deleted_date: int | None = None

    def to_json(self) -> dict[str, Any]:
        deleted = self.deleted_date
        return {
            "primaryKey": self.primary_key,
            "updated": format_timestamp(self.updated),
            "registered": format_timestamp(self.registered),
            "deletedDate": format_timestamp(deleted) if deleted is not None else None,
            "fieldValues": copy.deepcopy(self.fields),
        }


@dataclass(frozen=True)
class RecordChange:
    entity: str
    primary_key: int
    # "created", "changed", "softdeleted" or "deleted": the event is f"{entity}.{action}".
    action: str
    changes: list[str]
    # The free-form fields only (the webhook body's FieldValues).
    field_values: dict[str, Any]
    updated: int

    @property
    def event(self) -> str:
        return f"{self.entity}.{self.action}"


@dataclass(frozen=True)
class BulkResult:
    entity: str
    created: int
    first_primary_key: int | None
    last_primary_key: int | None


def _check_names(values: dict[str, Any]) -> None:
    if not all(isinstance(name, str) and name for name in values):
        raise BadRequest("field names must be non-empty strings")


@dataclass
class Records:
    by_entity: dict[str, dict[int, Record]] = field(
        default_factory=lambda: {entity: {} for entity in ENTITIES}
    )
    next_id: dict[str, int] = field(default_factory=dict)

    def of(self, entity: str) -> dict[int, Record]:
        """The entity's records by primary key (the store itself: do not change it)."""
        return self.by_entity.setdefault(canonical_entity(entity), {})

    def _new_key(self, entity: str) -> int:
        records = self.by_entity[entity]
        return max(self.next_id.get(entity, 1), max(records, default=0) + 1)

    def save(
        self,
        entity: str,
        values: dict[str, Any],
        primary_key: int | None = None,
        *,
        now: float,
        updated: float | None = None,
        registered: float | None = None,
    ) -> RecordChange:
        """Create (no key, or an unknown one) or change a record; what changed.

        `updated` defaults to `now`; a new record's `registered` to its `updated`.
        """
        _check_names(values)
        records = self.of(entity)
        entity = canonical_entity(entity)
        if primary_key is None:
            primary_key = self._new_key(entity)
        if primary_key < 1:
            raise BadRequest("a primary key is a whole number of at least 1")
        self.next_id[entity] = max(self.next_id.get(entity, 1), primary_key + 1)
        stamp = int((now if updated is None else updated) // 1)
        existing = records.get(primary_key)
        if existing is None:
            born = stamp if registered is None else int(registered // 1)
            records[primary_key] = Record(primary_key, born, stamp, copy.deepcopy(values))
            return RecordChange(
                entity, primary_key, "created", sorted(values), copy.deepcopy(values), stamp
            )
        changed = sorted(
            name for name, value in values.items() if existing.fields.get(name) != value
        )
        existing.fields.update(copy.deepcopy(values))
        existing.updated = stamp
        if registered is not None:
            existing.registered = int(registered // 1)
        return RecordChange(
            entity, primary_key, "changed", changed, copy.deepcopy(existing.fields), stamp
        )

    def put(self, entity: str, record: Record) -> None:
        """Store a record as it is (no copy, no event): for seeding."""
        _check_names(record.fields)
        self.of(entity)[record.primary_key] = record
        entity = canonical_entity(entity)
        self.next_id[entity] = max(self.next_id.get(entity, 1), record.primary_key + 1)

    def bulk(
        self,
        entity: str,
        count: int,
        *,
        per_second: int,
        start: int,
        fields: dict[str, Any],
    ) -> BulkResult:
        """`count` new records, `per_second` of them sharing each second from `start`.

        `{n}` in string field values becomes the running number (1 to `count`).
        """
        _check_names(fields)
        records = self.of(entity)
        entity = canonical_entity(entity)
        first = self._new_key(entity)
        templated = [name for name, value in fields.items() if isinstance(value, str)]
        templated = [name for name in templated if RUNNING_NUMBER in fields[name]]
        flat = all(isinstance(value, str | int | float | bool | None) for value in fields.values())
        for number in range(1, count + 1):
            # Scalars need no deep copy: 10,000 records stay well under a second.
            values = dict(fields) if flat else copy.deepcopy(fields)
            for name in templated:
                values[name] = fields[name].replace(RUNNING_NUMBER, str(number))
            stamp = start + (number - 1) // per_second
            key = first + number - 1
            records[key] = Record(key, stamp, stamp, values)
        last = first + count - 1
        self.next_id[entity] = max(self.next_id.get(entity, 1), last + 1)
        return BulkResult(entity, count, first if count else None, last if count else None)

    def delete(self, entity: str, primary_key: int) -> RecordChange:
        """Removed for good (a soft-deleted record's purge, or a sale's or project's delete)."""
        records = self.of(entity)
        entity = canonical_entity(entity)
        record = records.pop(primary_key, None)
        if record is None:
            raise NotFound(f"there is no {entity} {primary_key}")
        return RecordChange(entity, primary_key, "deleted", [], record.fields, record.updated)

    def soft_delete(
        self, entity: str, primary_key: int, *, now: float, updated: float | None = None
    ) -> RecordChange:
        """Deleted in the user interface: `DeletedDate` is set, the row stays.

        `updated` moves only when given (SuperOffice does not document that it does).
        """
        record = self._soft_deletable(entity, primary_key)
        if record.deleted_date is not None:
            raise BadRequest(
                f"{entity} {primary_key} is deleted already: purge it (DELETE) or restore it"
            )
        record.deleted_date = int(now // 1)
        return self._deleted_date_changed(entity, record, "softdeleted", updated)

    def restore(
        self, entity: str, primary_key: int, *, updated: float | None = None
    ) -> RecordChange:
        """Restored from the user interface's deleted records: `DeletedDate` is cleared."""
        record = self._soft_deletable(entity, primary_key)
        if record.deleted_date is None:
            raise BadRequest(f"{entity} {primary_key} is not deleted: nothing to restore")
        record.deleted_date = None
        return self._deleted_date_changed(entity, record, "changed", updated)

    def _soft_deletable(self, entity: str, primary_key: int) -> Record:
        records = self.of(entity)
        entity = canonical_entity(entity)
        if entity not in SOFT_DELETE_ENTITIES:
            raise BadRequest(
                f"{entity} has no soft delete (its table has no DeletedDate): delete it "
                "for good with DELETE"
            )
        record = records.get(primary_key)
        if record is None:
            raise NotFound(f"there is no {entity} {primary_key}")
        return record

    def _deleted_date_changed(
        self, entity: str, record: Record, action: str, updated: float | None
    ) -> RecordChange:
        if updated is not None:
            record.updated = int(updated // 1)
        deleted = record.deleted_date
        values = {
            **copy.deepcopy(record.fields),
            "DeletedDate": format_timestamp(deleted) if deleted is not None else NOT_DELETED,
        }
        return RecordChange(
            canonical_entity(entity),
            record.primary_key,
            action,
            ["DeletedDate"],
            values,
            record.updated,
        )

    def counts(self) -> dict[str, int]:
        """Records per entity, soft-deleted ones included (their rows are still there)."""
        return {entity: len(records) for entity, records in sorted(self.by_entity.items())}

    def snapshot(self, entity: str | None = None) -> dict[str, list[dict[str, Any]]]:
        entities = sorted(self.by_entity) if entity is None else [canonical_entity(entity)]
        return {
            name: [record.to_json() for _, record in sorted(self.of(name).items())]
            for name in entities
        }
