"""RecordsTable: the app's mirror of CRM records, written in batches, never backwards.

Items: ``PK`` = ``{ctx}#{entity}``, ``SK`` = the primary key (a number), ``updated`` (the
record's SuperOffice timestamp), ``fields`` (the mirrored columns as JSON text, so
numbers and nulls survive exactly), ``digest`` (of both) and ``mirrored_at``.

A page is compared with what the mirror holds (one BatchGetItem per 100 records) and
only records that are new or changed are written (BatchWriteItem, 25 at a time): an
older copy never overwrites a newer one, and re-reading unchanged records (the cursor's
overlap, a rerun after a crash) costs no writes, so the stream publishes nothing. Only one worker
writes a tenant at a time (the tenant lease), so read-then-write is not racing another
writer of the same records.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any, Final

from superoffice_app.store.clock import format_instant
from superoffice_app.store.pages import query_all
from superoffice_app.superoffice.dates import format_so_datetime, parse_so_datetime

from .parallel import run_all

__all__ = ["MirrorChange", "MirrorRecord", "RecordsMirror", "mirror_pk"]

_GET_LIMIT: Final = 100
_WRITE_LIMIT: Final = 25
_UNPROCESSED_ATTEMPTS: Final = 8


def mirror_pk(ctx: str, entity: str) -> str:
    return f"{ctx}#{entity}"


@dataclass(frozen=True, slots=True)
class MirrorRecord:
    """One record as read from SuperOffice."""

    key: int
    updated: datetime
    fields: Mapping[str, Any] = field(default_factory=dict)
    # Of timestamp and fields; computed once, as compare and write both use it.
    digest: str = field(init=False, repr=False, compare=False)
    fields_json: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        text = _fields_json(self.fields)
        digest_of = format_so_datetime(self.updated) + "\n" + text
        object.__setattr__(self, "fields_json", text)
        object.__setattr__(
            self, "digest", hashlib.sha256(digest_of.encode("utf-8")).hexdigest()[:32]
        )


@dataclass(frozen=True, slots=True)
class MirrorChange:
    """What a write did to one record: ``created``, ``changed`` or ``deleted``."""

    change: str
    entity: str
    record: MirrorRecord


def _fields_json(fields: Mapping[str, Any]) -> str:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class RecordsMirror:
    def __init__(
        self,
        client: Any,
        table_name: str,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._table = table_name
        self._clock = clock
        self._sleep = sleep

    def changes(
        self,
        ctx: str,
        entity: str,
        records: Sequence[MirrorRecord],
        *,
        restored: bool = False,
    ) -> list[MirrorChange]:
        """What writing ``records`` would change: new ones, and newer or different ones.

        ``restored``: SuperOffice's data went back in time (a backup restore or sandbox
        refresh), so its copy wins even where it is older than the mirror's.
        """
        latest: dict[int, MirrorRecord] = {}
        for record in records:  # a page holds a key once; stay correct if not
            known = latest.get(record.key)
            if known is None or record.updated >= known.updated:
                latest[record.key] = record
        stored = self._stored(ctx, entity, list(latest))
        found: list[MirrorChange] = []
        for key, record in latest.items():
            previous = stored.get(key)
            if previous is None:
                found.append(MirrorChange("created", entity, record))
            elif record.updated < previous[0] and not restored:
                continue  # an older copy: the mirror already has something newer
            elif previous[1] != record.digest:
                found.append(MirrorChange("changed", entity, record))
        return found

    def write(self, ctx: str, changes: Sequence[MirrorChange]) -> None:
        """Store created and changed records, remove deleted ones."""
        stamp = format_instant(self._clock())
        requests: list[dict[str, Any]] = []
        for change in changes:
            key = {"PK": {"S": mirror_pk(ctx, change.entity)}, "SK": {"N": str(change.record.key)}}
            if change.change == "deleted":
                requests.append({"DeleteRequest": {"Key": key}})
                continue
            requests.append(
                {
                    "PutRequest": {
                        "Item": {
                            **key,
                            "updated": {"S": format_so_datetime(change.record.updated)},
                            "fields": {"S": change.record.fields_json},
                            "digest": {"S": change.record.digest},
                            "mirrored_at": {"S": stamp},
                        }
                    }
                }
            )
        self._write(requests)

    def upsert(self, ctx: str, entity: str, records: Sequence[MirrorRecord]) -> list[MirrorChange]:
        """``changes`` then ``write``: store what is new or newer; return it."""
        found = self.changes(ctx, entity, records)
        self.write(ctx, found)
        return found

    def deletions(self, ctx: str, entity: str, keys: Iterable[int]) -> list[MirrorChange]:
        """The records among ``keys`` that the mirror holds, as ``deleted`` changes."""
        held = self._records(ctx, entity, sorted(set(keys)))
        return [MirrorChange("deleted", entity, held[key]) for key in sorted(held)]

    def get(self, ctx: str, entity: str, key: int) -> MirrorRecord | None:
        return self._records(ctx, entity, [key]).get(key)

    def keys(self, ctx: str, entity: str, *, after: int = 0) -> Iterator[int]:
        """The mirrored primary keys in ascending order, read page by page."""
        items = query_all(
            self._client.query,
            TableName=self._table,
            KeyConditionExpression="PK = :pk AND SK > :after",
            ExpressionAttributeValues={
                ":pk": {"S": mirror_pk(ctx, entity)},
                ":after": {"N": str(after)},
            },
            ProjectionExpression="SK",
        )
        for item in items:
            yield int(item["SK"]["N"])

    def purge(self, ctx: str, entity: str) -> int:
        """Delete every mirrored record of the tenant's entity; how many went."""
        removed = 0
        pk = mirror_pk(ctx, entity)
        batch: list[int] = []
        for key in self.keys(ctx, entity):
            batch.append(key)
            if len(batch) == 500:
                removed += self._delete_keys(pk, batch)
                batch = []
        if batch:
            removed += self._delete_keys(pk, batch)
        return removed

    # -- internals ------------------------------------------------------------------------

    def _delete_keys(self, pk: str, keys: list[int]) -> int:
        self._write(
            {"DeleteRequest": {"Key": {"PK": {"S": pk}, "SK": {"N": str(key)}}}} for key in keys
        )
        return len(keys)

    def _stored(self, ctx: str, entity: str, keys: list[int]) -> dict[int, tuple[datetime, str]]:
        found: dict[int, tuple[datetime, str]] = {}
        for item in self._batch_get(ctx, entity, keys, "SK, updated, digest"):
            found[int(item["SK"]["N"])] = (
                parse_so_datetime(item["updated"]["S"]),
                item.get("digest", {}).get("S", ""),
            )
        return found

    def _records(self, ctx: str, entity: str, keys: list[int]) -> dict[int, MirrorRecord]:
        found: dict[int, MirrorRecord] = {}
        for item in self._batch_get(ctx, entity, keys, "SK, updated, #f"):
            key = int(item["SK"]["N"])
            found[key] = MirrorRecord(
                key, parse_so_datetime(item["updated"]["S"]), json.loads(item["fields"]["S"])
            )
        return found

    def _batch_get(
        self, ctx: str, entity: str, keys: list[int], projection: str
    ) -> list[Mapping[str, Any]]:
        pk = mirror_pk(ctx, entity)
        names = {"ExpressionAttributeNames": {"#f": "fields"}} if "#f" in projection else {}

        def get(chunk: list[int]) -> list[Mapping[str, Any]]:
            request: dict[str, Any] = {
                self._table: {
                    "Keys": [{"PK": {"S": pk}, "SK": {"N": str(key)}} for key in chunk],
                    "ProjectionExpression": projection,
                    "ConsistentRead": True,
                    **names,
                }
            }
            found: list[Mapping[str, Any]] = []
            for attempt in range(_UNPROCESSED_ATTEMPTS):
                answer = self._client.batch_get_item(RequestItems=request)
                found.extend(answer.get("Responses", {}).get(self._table, []))
                request = answer.get("UnprocessedKeys") or {}
                if not request:
                    return found
                self._sleep(min(1.0, 0.05 * 2**attempt))
            raise RuntimeError("RecordsTable kept returning unprocessed keys")

        chunks = [keys[start : start + _GET_LIMIT] for start in range(0, len(keys), _GET_LIMIT)]
        return [item for found in run_all([partial(get, c) for c in chunks]) for item in found]

    def _write(self, requests: Iterable[dict[str, Any]]) -> None:
        pending = list(requests)

        def write(chunk: list[dict[str, Any]]) -> None:
            for attempt in range(_UNPROCESSED_ATTEMPTS):
                answer = self._client.batch_write_item(RequestItems={self._table: chunk})
                chunk = (answer.get("UnprocessedItems") or {}).get(self._table, [])
                if not chunk:
                    return
                self._sleep(min(1.0, 0.05 * 2**attempt))
            raise RuntimeError("RecordsTable kept returning unprocessed items")

        chunks = [
            pending[start : start + _WRITE_LIMIT] for start in range(0, len(pending), _WRITE_LIMIT)
        ]
        run_all([partial(write, chunk) for chunk in chunks])
