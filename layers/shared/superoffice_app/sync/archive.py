"""Reading changed records and primary keys through SuperOffice's dynamic archive.

``GET {Api}/v1/Archive/dynamic`` with ``$select``, ``$filter``, ``$orderby`` and ``$top``
(protocol section 7). Every page is a keyset page: ordered by ``updated`` then primary
key (or by key alone for reconciliation) and asking only for what follows the last row
seen, so ``$skip`` is never used. Each call goes through ``with_retries`` inside the
run's budget.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Protocol

from superoffice_app.superoffice.http import UnexpectedResponse

from .budget import Budget, RetryPolicy, RetryStats, with_retries
from .cursor import Cursor, keyset_filter, parse_so_datetime
from .entities import EntitySpec
from .mirror import MirrorRecord

__all__ = ["ArchiveReader", "Page", "TenantCalls"]

ARCHIVE_PATH: Final = "/v1/Archive/dynamic"


class TenantCalls(Protocol):
    """What the reader needs of ``TenantApi``."""

    @property
    def request_count(self) -> int: ...

    def get(self, path: str, *, params: Any = None) -> Any: ...


@dataclass(frozen=True)
class Page:
    records: list[MirrorRecord]
    # True when SuperOffice returned fewer rows than asked: nothing more after this page.
    last: bool

    @property
    def cursor(self) -> Cursor | None:
        if not self.records:
            return None
        final = self.records[-1]
        return Cursor(final.updated, final.key)


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
            "$orderby": f"{entity.updated_column},{entity.id_column}",
            "$top": str(self.page_size),
        }
        where = keyset_filter(entity, cursor)
        if where is not None:
            params["$filter"] = where
        rows = self._rows(params)
        records = [_record(entity, row) for row in rows]
        return Page(records, last=len(rows) < self.page_size)

    def one(self, entity: EntitySpec, key: int) -> MirrorRecord | None:
        """One record by primary key; None when SuperOffice no longer has it."""
        params = {
            "$select": entity.select,
            "$filter": f"{entity.id_column} eq {int(key)}",
            "$top": "1",
        }
        rows = self._rows(params)
        return _record(entity, rows[0]) if rows else None

    def keys_after(self, entity: EntitySpec, after: int) -> tuple[list[int], bool]:
        """The next page of primary keys above ``after``; and whether it was the last."""
        params = {
            "$select": entity.id_column,
            "$filter": f"{entity.id_column} gt {int(after)}",
            "$orderby": entity.id_column,
            "$top": "5000",
        }
        rows = self._rows(params)
        keys = [_key(entity, row) for row in rows]
        return keys, len(rows) < 5000

    def _rows(self, params: dict[str, str]) -> list[dict[str, Any]]:
        answer = with_retries(
            lambda: self._api.get(ARCHIVE_PATH, params=params),
            budget=self._budget,
            policy=self._policy,
            stats=self._stats,
            sleep=self._sleep,
        )
        rows = answer.get("value") if isinstance(answer, dict) else None
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise UnexpectedResponse("archive query: the answer has no list of rows in 'value'")
        return rows


def _key(entity: EntitySpec, row: dict[str, Any]) -> int:
    value = row.get(entity.id_column, row.get("PrimaryKey"))
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise UnexpectedResponse(f"archive query: a {entity.name} row has no primary key")
    try:
        return int(value)
    except ValueError:
        raise UnexpectedResponse(f"archive query: a {entity.name} key is not a number") from None


def _record(entity: EntitySpec, row: dict[str, Any]) -> MirrorRecord:
    updated = row.get(entity.updated_column)
    if not isinstance(updated, str):
        raise UnexpectedResponse(f"archive query: a {entity.name} row has no updated time")
    try:
        moment = parse_so_datetime(updated)
    except ValueError:
        raise UnexpectedResponse(f"archive query: unreadable {entity.updated_column}") from None
    fields: dict[str, Any] = {}
    for column, value in row.items():
        name = entity.field_name(column)
        if name is not None and column not in (entity.id_column, entity.updated_column):
            fields[name] = value
    return MirrorRecord(_key(entity, row), moment, fields)
