"""Reading changed records and primary keys through SuperOffice's dynamic archive.

``GET {Api}/v1/Archive/dynamic`` (``v1Archive_GetArchive_GET``) with ``$select``,
``$filter``, ``$orderBy`` and ``$top`` (protocol section 7). Every page is a keyset page:
ordered by ``updated`` then primary key (or by key alone for reconciliation) and asking
only for what follows the last row seen, so ``$skip`` is never used. Each call goes
through ``with_retries`` inside the run's budget.

Contacts and persons deleted in SuperOffice's user interface stay in their table with
``DeletedDate`` set until SuperOffice removes them for good; the archive may still return
them, so every query on those tables reads ``DeletedDate`` and such a row counts as gone.
An answer is read as the OData envelope ``{"value": [...]}`` SuperOffice documents, or a
bare array of rows; anything else raises ``UnexpectedResponse`` naming the operation, the
status and an excerpt (``TenantApi.fetch``), and the page is not applied.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Protocol, TypeVar

from superoffice_app.superoffice.dates import parse_so_datetime
from superoffice_app.superoffice.http import UnexpectedResponse

from .budget import Budget, RetryPolicy, RetryStats, with_retries
from .cursor import Cursor, keyset_filter
from .entities import EntitySpec
from .mirror import MirrorRecord

__all__ = ["ARCHIVE_OPERATION", "ArchiveReader", "KeyPage", "Page", "TenantCalls"]

ARCHIVE_PATH: Final = "/v1/Archive/dynamic"
# SuperOffice's operationId of ``GET /api/v1/Archive/{archiveProviderName}``.
ARCHIVE_OPERATION: Final = "v1Archive_GetArchive_GET"
KEY_PAGE_SIZE: Final = 5000
# Keys per query when fetching records by key (``(id eq 1) or (id eq 2) ...``): short
# enough for any URL length limit on the way.
KEYS_PER_QUERY: Final = 50
# SuperOffice writes a DeletedDate that is not set as .NET's DateTime.MinValue
# (``0001-01-01T00:00:00``, its webhook samples); SQL Server's own minimum is 1753.
_NOT_SET_BEFORE: Final = datetime(1900, 1, 1, tzinfo=UTC)

T = TypeVar("T")


class TenantCalls(Protocol):
    """What the reader needs of ``TenantApi``."""

    @property
    def request_count(self) -> int: ...

    def fetch(
        self,
        method: str,
        path: str,
        read: Callable[[Any], T],
        *,
        operation: str,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> T: ...


@dataclass(frozen=True)
class Page:
    """One page of changed rows: live records, and keys deleted in the user interface."""

    records: list[MirrorRecord]
    # True when SuperOffice returned fewer rows than asked: nothing more after this page.
    last: bool
    removed: list[int] = field(default_factory=list)
    # The last row's (updated, key), soft-deleted or not: where the next page starts.
    cursor: Cursor | None = None


@dataclass(frozen=True)
class KeyPage:
    """One page of primary keys in ascending order."""

    # Keys of rows that exist and were not deleted in the user interface.
    live: list[int]
    # The last row's key (soft-deleted too): where the next page starts; None if empty.
    last_key: int | None
    last: bool


@dataclass(frozen=True)
class _Row:
    record: MirrorRecord
    soft_deleted: bool


class ArchiveReader:
    def __init__(
        self,
        api: TenantCalls,
        *,
        budget: Budget,
        policy: RetryPolicy,
        stats: RetryStats,
        sleep: Callable[[float], None],
        page_size: int = 500,
    ) -> None:
        if not 1 <= page_size <= 5000:
            raise ValueError("page_size must be 1..5000")
        self._api = api
        self._budget = budget
        self._policy = policy
        self._stats = stats
        self._sleep = sleep
        self.page_size = page_size

    def changed_after(self, entity: EntitySpec, cursor: Cursor | None) -> Page:
        """The next page of records after ``cursor`` in (updated, key) order."""
        params = {
            "$select": entity.select,
            "$orderBy": f"{entity.updated_column},{entity.id_column}",
            "$top": str(self.page_size),
        }
        where = keyset_filter(entity, cursor)
        if where is not None:
            params["$filter"] = where
        rows = self._query(params, lambda answer: _records(entity, answer))
        end = rows[-1].record if rows else None
        return Page(
            records=[row.record for row in rows if not row.soft_deleted],
            last=len(rows) < self.page_size,
            removed=[row.record.key for row in rows if row.soft_deleted],
            cursor=Cursor(end.updated, end.key) if end is not None else None,
        )

    def one(self, entity: EntitySpec, key: int) -> MirrorRecord | None:
        """One record by primary key; None when SuperOffice no longer has it, or has it
        only as deleted in the user interface."""
        found = self.some(entity, [key])
        return found[0] if found else None

    def some(self, entity: EntitySpec, keys: Iterable[int]) -> list[MirrorRecord]:
        """The live records among ``keys`` (absent and soft-deleted ones left out)."""
        wanted = sorted({int(key) for key in keys})
        found: list[MirrorRecord] = []
        for start in range(0, len(wanted), KEYS_PER_QUERY):
            chunk = wanted[start : start + KEYS_PER_QUERY]
            params = {
                "$select": entity.select,
                "$filter": " or ".join(f"({entity.id_column} eq {key})" for key in chunk),
                "$top": str(len(chunk)),
            }
            rows = self._query(params, lambda answer: _records(entity, answer))
            found += [row.record for row in rows if not row.soft_deleted]
        asked = set(wanted)  # a row SuperOffice added unasked is not ours to apply
        return [record for record in found if record.key in asked]

    def keys_after(self, entity: EntitySpec, after: int) -> KeyPage:
        """The next page of primary keys above ``after``."""
        params = {
            "$select": entity.key_select,
            "$filter": f"{entity.id_column} gt {int(after)}",
            "$orderBy": entity.id_column,
            "$top": str(KEY_PAGE_SIZE),
        }
        rows = self._query(params, lambda answer: _keys(entity, answer))
        return KeyPage(
            live=[key for key, soft_deleted in rows if not soft_deleted],
            last_key=rows[-1][0] if rows else None,
            last=len(rows) < KEY_PAGE_SIZE,
        )

    def _query(self, params: dict[str, str], read: Callable[[Any], T]) -> T:
        return with_retries(
            lambda: self._api.fetch(
                "GET", ARCHIVE_PATH, read, operation=ARCHIVE_OPERATION, params=params
            ),
            budget=self._budget,
            policy=self._policy,
            stats=self._stats,
            sleep=self._sleep,
        )


def _rows(answer: Any) -> list[dict[str, Any]]:
    """The rows of an archive answer: ``{"value": [...]}`` (documented) or ``[...]``."""
    rows = answer.get("value") if isinstance(answer, dict) else answer
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise UnexpectedResponse(
            'the answer is not a list of rows (neither {"value": [...]} nor [...])'
        )
    return rows


def _records(entity: EntitySpec, answer: Any) -> list[_Row]:
    return [_record(entity, row) for row in _rows(answer)]


def _keys(entity: EntitySpec, answer: Any) -> list[tuple[int, bool]]:
    return [(_key(entity, row), _soft_deleted(entity, row)) for row in _rows(answer)]


def _key(entity: EntitySpec, row: dict[str, Any]) -> int:
    value = row.get(entity.id_column, row.get("PrimaryKey"))
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise UnexpectedResponse(f"a {entity.name} row has no primary key")
    try:
        return int(value)
    except ValueError:
        raise UnexpectedResponse(f"a {entity.name} row's key is not a number") from None


def _soft_deleted(entity: EntitySpec, row: dict[str, Any]) -> bool:
    """Whether the row was deleted in the user interface (``DeletedDate`` set)."""
    column = entity.deleted_column
    value = row.get(column) if column is not None else None
    if value is None or value == "":
        return False
    if not isinstance(value, str):
        raise UnexpectedResponse(f"a {entity.name} row's column {column} is not a datetime")
    try:
        return parse_so_datetime(value) >= _NOT_SET_BEFORE
    except OverflowError:  # 0001-01-01 with an offset east of UTC: not set either
        return False
    except ValueError:
        raise UnexpectedResponse(f"a {entity.name} row's column {column} is unreadable") from None


def _record(entity: EntitySpec, row: dict[str, Any]) -> _Row:
    updated = row.get(entity.updated_column)
    if not isinstance(updated, str):
        raise UnexpectedResponse(f"a {entity.name} row has no column {entity.updated_column}")
    try:
        moment = parse_so_datetime(updated)
    except ValueError:
        raise UnexpectedResponse(
            f"a {entity.name} row's column {entity.updated_column} is unreadable"
        ) from None
    fields: dict[str, Any] = {}
    for column, value in row.items():
        name = entity.field_name(column)
        if name is not None:
            fields[name] = value
    record = MirrorRecord(_key(entity, row), moment, fields)
    return _Row(record, _soft_deleted(entity, row))
