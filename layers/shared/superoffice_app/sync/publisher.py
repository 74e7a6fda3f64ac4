"""Mirrored changes as events on the stack's EventBridge bus.

A partner's own services (an ERP connector, say) subscribe with a rule instead of
changing this code. Source ``superoffice-app.sync``; detail-types ``CRM record created``,
``CRM record changed``, ``CRM record deleted``; the detail (documented in
``docs/events.md``) names the tenant, entity, primary key, SuperOffice's ``updated`` and
the mirrored fields, plus an ``eventId`` that is the same for the same version of a
record, so consumers can deduplicate what at-least-once delivery repeats.

The caller is the RecordsTable stream relay (``stream_events``): the events follow the
mirror's actual writes, and the sync worker only writes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Final

from superoffice_app.superoffice.dates import format_so_datetime

from .mirror import MirrorChange
from .parallel import run_all

__all__ = ["DETAIL_TYPES", "EVENT_SOURCE", "EventPublisher", "TenantChange", "change_detail"]

EVENT_SOURCE: Final = "superoffice-app.sync"
DETAIL_TYPES: Final = {
    "created": "CRM record created",
    "changed": "CRM record changed",
    "deleted": "CRM record deleted",
}
_ENTRIES_PER_CALL: Final = 10
_BYTES_PER_CALL: Final = 240_000  # PutEvents takes 256 KB; keep a margin for the envelope
_ATTEMPTS: Final = 5


@dataclass(frozen=True, slots=True)
class TenantChange:
    """One mirrored change of one tenant's record."""

    ctx: str
    change: MirrorChange


def change_detail(ctx: str, environment: str, change: MirrorChange) -> dict[str, Any]:
    record = change.record
    return {
        "eventId": f"{ctx}:{change.entity}:{record.key}:{change.change}:{record.digest}",
        "ctx": ctx,
        "environment": environment,
        "entity": change.entity,
        "primaryKey": record.key,
        "change": change.change,
        "updated": format_so_datetime(record.updated),
        "fields": dict(record.fields),
    }


class EventPublisher:
    def __init__(
        self,
        client: Any,
        bus_name: str,
        *,
        environment: str,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._bus = bus_name
        self._environment = environment
        self._sleep = sleep
        self.published = 0

    def publish(self, changes: Sequence[TenantChange]) -> list[int]:
        """Put one event per change, in as few PutEvents calls as the limits allow.

        Entries EventBridge refuses are put again (bounded, with backoff). Returns the
        positions in ``changes`` of those still refused, in order; empty when all went.
        """
        entries = [
            {
                "Source": EVENT_SOURCE,
                "DetailType": DETAIL_TYPES[item.change.change],
                "Detail": json.dumps(change_detail(item.ctx, self._environment, item.change)),
                "EventBusName": self._bus,
                "Resources": [],
            }
            for item in changes
        ]
        results = run_all([partial(self._put, batch) for batch in _batches(entries)])
        failed = sorted(position for refused in results for position in refused)
        self.published += len(entries) - len(failed)
        return failed

    def _put(self, batch: list[tuple[int, dict[str, Any]]]) -> list[int]:
        """Put one batch; the positions EventBridge still refused after the retries."""
        pending = batch
        for attempt in range(_ATTEMPTS):
            if attempt:
                self._sleep(min(2.0, 0.1 * 2**attempt))
            try:
                answer = self._client.put_events(Entries=[entry for _, entry in pending])
            except Exception as error:  # throttled, unreachable: retried like refused entries
                if _is_bad_request(error):
                    raise
                continue
            if not answer.get("FailedEntryCount"):
                return []
            results = answer.get("Entries") or []
            pending = [
                item
                for item, result in zip(pending, results, strict=False)
                if result.get("ErrorCode")
            ] + pending[len(results) :]
            if not pending:
                return []
        return [position for position, _ in pending]


def _is_bad_request(error: Exception) -> bool:
    """A request EventBridge rejects as malformed is not retried: it would only repeat."""
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return False
    code = str(response.get("Error", {}).get("Code", ""))
    return code in {"ValidationException", "ResourceNotFoundException", "AccessDeniedException"}


def _batches(entries: list[dict[str, Any]]) -> list[list[tuple[int, dict[str, Any]]]]:
    batches: list[list[tuple[int, dict[str, Any]]]] = []
    current: list[tuple[int, dict[str, Any]]] = []
    size = 0
    for position, entry in enumerate(entries):
        entry_size = len(entry["Detail"]) + len(entry["DetailType"]) + len(entry["Source"])
        if current and (len(current) == _ENTRIES_PER_CALL or size + entry_size > _BYTES_PER_CALL):
            batches.append(current)
            current, size = [], 0
        current.append((position, entry))
        size += entry_size
    if current:
        batches.append(current)
    return batches
