"""Every mirrored change as an event on the stack's EventBridge bus.

A partner's own services (an ERP connector, say) subscribe with a rule instead of
changing this code. Source ``superoffice-app.sync``; detail-types ``CRM record created``,
``CRM record changed``, ``CRM record deleted``; the detail (documented in
``docs/events.md``) names the tenant, entity, primary key, SuperOffice's ``updated`` and
the mirrored fields, plus an ``eventId`` that is the same for the same version of a
record, so consumers can deduplicate: events are published before the mirror is written,
so a crash in between publishes them again rather than never.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, Final

from .cursor import format_so_datetime
from .mirror import MirrorChange
from .parallel import run_all

__all__ = ["DETAIL_TYPES", "EVENT_SOURCE", "EventPublisher", "change_detail"]

EVENT_SOURCE: Final = "superoffice-app.sync"
DETAIL_TYPES: Final = {
    "created": "CRM record created",
    "changed": "CRM record changed",
    "deleted": "CRM record deleted",
}
_ENTRIES_PER_CALL: Final = 10
_BYTES_PER_CALL: Final = 240_000  # PutEvents takes 256 KB; keep a margin for the envelope
_ATTEMPTS: Final = 5


class PublishFailed(Exception):
    """EventBridge kept refusing entries: the page is not checkpointed, it comes back."""


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

    def publish(self, ctx: str, changes: Sequence[MirrorChange]) -> int:
        """Put one event per change, in as few PutEvents calls as the limits allow."""
        entries = [
            {
                "Source": EVENT_SOURCE,
                "DetailType": DETAIL_TYPES[change.change],
                "Detail": json.dumps(change_detail(ctx, self._environment, change)),
                "EventBusName": self._bus,
                "Resources": [],
            }
            for change in changes
        ]
        run_all([partial(self._put, batch) for batch in _batches(entries)])
        self.published += len(entries)
        return len(entries)

    def _put(self, batch: list[dict[str, Any]]) -> None:
        pending = batch
        for attempt in range(_ATTEMPTS):
            answer = self._client.put_events(Entries=pending)
            if not answer.get("FailedEntryCount"):
                return
            results = answer.get("Entries") or []
            pending = [
                entry
                for entry, result in zip(pending, results, strict=False)
                if result.get("ErrorCode")
            ] or pending[len(results) :]
            if not pending:
                return
            self._sleep(min(2.0, 0.1 * 2**attempt))
        raise PublishFailed(f"EventBridge refused {len(pending)} events {_ATTEMPTS} times")


def _batches(entries: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    batches: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    size = 0
    for entry in entries:
        entry_size = len(entry["Detail"]) + len(entry["DetailType"]) + len(entry["Source"])
        if current and (len(current) == _ENTRIES_PER_CALL or size + entry_size > _BYTES_PER_CALL):
            batches.append(current)
            current, size = [], 0
        current.append(entry)
        size += entry_size
    if current:
        batches.append(current)
    return batches
