"""The scheduled dispatcher: one sync message per active tenant, in bounded time.

It reads the active tenants from the sparse ``ByStatus`` index, whose projection carries
what it needs to decide (the cached state-API answer and its ``ValidUntil``, the pause
switch), so it never reads a tenant item and never scans: one query page per 1 MB of
tenants. It skips paused tenants and tenants whose still-valid state answer says the API
is not running, and, by default, does nothing inside SuperOffice's maintenance windows.
Messages go out with ``SendMessageBatch`` (ten per call) from a few threads, each message
delayed by a random jitter so the worker fleet does not hit SuperOffice all at once.
Upgrading tenants get a ``wait_for_running`` check, so a missed or lost "running again"
moment is noticed within one schedule period.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from superoffice_app.maintenance import MaintenanceWindow, active_window
from superoffice_app.queues.messages import FollowUpMessage, SyncMessage
from superoffice_app.queues.sqs import BATCH_LIMIT, SyncQueue
from superoffice_app.store.clock import parse_instant
from superoffice_app.store.dynamo import DynamoTable
from superoffice_app.store.keys import BY_STATUS_INDEX
from superoffice_app.store.statuses import TenantStatus

__all__ = ["DispatchReport", "Dispatcher", "IndexedTenant"]

_SENDERS: Final = 8


@dataclass(frozen=True)
class IndexedTenant:
    ctx: str
    paused: bool
    is_running: bool | None  # None: no valid state answer (the worker will ask)


@dataclass
class DispatchReport:
    skipped_for_window: str | None = None
    tenants_seen: int = 0
    queued: int = 0  # messages sent: syncs and upgrade checks
    skipped_paused: int = 0
    skipped_not_running: int = 0
    upgrade_checks: int = 0
    index_pages: int = 0
    send_calls: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


class Dispatcher:
    def __init__(
        self,
        *,
        table: DynamoTable,
        queue: SyncQueue,
        clock: Callable[[], datetime],
        windows: tuple[MaintenanceWindow, ...] = (),
        skip_maintenance: bool = True,
        jitter_seconds: int = 60,
    ) -> None:
        self._table = table
        self._queue = queue
        self._clock = clock
        self._windows = windows
        self._skip_maintenance = skip_maintenance
        self._jitter = jitter_seconds

    def run(self) -> DispatchReport:
        report = DispatchReport()
        now = self._clock()
        if self._skip_maintenance:
            window = active_window(self._windows, now)
            if window is not None:
                report.skipped_for_window = window.name
                return report
        messages: list[dict[str, Any]] = []
        for tenant in self._tenants(TenantStatus.ACTIVE, report, now):
            if tenant.paused:
                report.skipped_paused += 1
            elif tenant.is_running is False:
                report.skipped_not_running += 1
            else:
                messages.append(SyncMessage(tenant.ctx, "schedule").to_body())
        for tenant in self._tenants(TenantStatus.UPGRADING, report, now):
            messages.append(FollowUpMessage(tenant.ctx, "wait_for_running").to_body())
            report.upgrade_checks += 1
        self._send(messages, report)
        return report

    def _tenants(
        self, status: TenantStatus, report: DispatchReport, now: datetime
    ) -> Iterator[IndexedTenant]:
        arguments: dict[str, Any] = {
            "TableName": self._table.name,
            "IndexName": BY_STATUS_INDEX,
            "KeyConditionExpression": "#status = :status",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {":status": {"S": status.value}},
        }
        while True:
            page = self._table.client.query(**arguments)
            report.index_pages += 1
            for item in page.get("Items", []):
                report.tenants_seen += 1 if status is TenantStatus.ACTIVE else 0
                yield _indexed(item, now)
            start = page.get("LastEvaluatedKey")
            if not start:
                return
            arguments["ExclusiveStartKey"] = start

    def _send(self, messages: list[dict[str, Any]], report: DispatchReport) -> None:
        chunks = [
            messages[start : start + BATCH_LIMIT * 10]
            for start in range(0, len(messages), BATCH_LIMIT * 10)
        ]

        def send(chunk: list[dict[str, Any]]) -> tuple[int, str | None]:
            try:
                return self._queue.send_all(chunk, jitter_seconds=self._jitter), None
            except Exception as error:  # one chunk failing must not stop the others
                return 0, f"{type(error).__name__}: {error}"

        before = self._queue.counts.calls
        with ThreadPoolExecutor(max_workers=_SENDERS) as pool:
            for chunk, (sent, error) in zip(chunks, pool.map(send, chunks), strict=True):
                if error is None:
                    report.queued += sent
                else:
                    report.failed += len(chunk)
                    report.errors.append(error)
        report.send_calls = self._queue.counts.calls - before


def _indexed(item: dict[str, Any], now: datetime) -> IndexedTenant:
    ctx = item["ctx"]["S"]
    paused = bool(item.get("sync_paused", {}).get("BOOL", False))
    running: bool | None = None
    valid_until = item.get("state_valid_until", {}).get("S")
    answer = item.get("state_answer", {}).get("S")
    if valid_until and answer:
        try:
            if parse_instant(valid_until) > now:
                running = bool(json.loads(answer).get("IsRunning"))
        except (ValueError, AttributeError):
            running = None
    return IndexedTenant(ctx, paused, running)
