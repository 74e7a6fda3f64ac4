"""The scheduled dispatcher: one sync message per active tenant, in bounded time.

It reads the active tenants from the sparse ``ByStatus`` index through the store's
``status_pages``, whose projection carries what it needs to decide (the cached state-API
answer and its ``ValidUntil``, the pause switch), so it never reads a tenant item and
never scans: one query page per 1 MB of tenants, each page decided on as it arrives. It
skips paused tenants and tenants whose still-valid state answer says the API is not
running, and, by default, does nothing inside SuperOffice's maintenance windows.
Messages go out with ``SendMessageBatch`` (ten per call) from a few threads, each message
delayed by a random jitter so the worker fleet does not hit SuperOffice all at once.
Upgrading and suspended tenants get a ``wait_for_running`` check (a suspended one only
while no valid state answer already says it is not running), so a missed or lost
"running again" moment (an Upgrade's end, a Resume notification that never arrived, a
restore of the app's own tables) is noticed within one schedule period: the worker asks
the state API afresh and makes the tenant active again only if SuperOffice runs it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from superoffice_app.maintenance import MaintenanceWindow, active_window
from superoffice_app.queues.messages import FollowUp, FollowUpMessage, SyncMessage
from superoffice_app.queues.sqs import BATCH_LIMIT, SyncQueue
from superoffice_app.store.dynamo import DynamoTable
from superoffice_app.store.status_index import IndexedTenant, status_pages
from superoffice_app.store.statuses import TenantStatus

__all__ = ["DispatchReport", "Dispatcher"]

_SENDERS: Final = 8


@dataclass
class DispatchReport:
    skipped_for_window: str | None = None
    tenants_seen: int = 0
    queued: int = 0  # messages sent: syncs, upgrade and suspended checks
    skipped_paused: int = 0
    skipped_not_running: int = 0
    upgrade_checks: int = 0
    suspended_checks: int = 0
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
        for tenant in self._tenants(TenantStatus.ACTIVE, report):
            report.tenants_seen += 1
            if tenant.sync_paused:
                report.skipped_paused += 1
            elif tenant.is_running_at(now) is False:  # None: the worker will ask
                report.skipped_not_running += 1
            else:
                messages.append(SyncMessage(tenant.ctx, "schedule").to_body())
        for tenant in self._tenants(TenantStatus.UPGRADING, report):
            messages.append(FollowUpMessage(tenant.ctx, FollowUp.WAIT_FOR_RUNNING).to_body())
            report.upgrade_checks += 1
        for tenant in self._tenants(TenantStatus.SUSPENDED, report):
            if tenant.is_running_at(now) is False:  # SuperOffice said so, still valid
                continue
            messages.append(FollowUpMessage(tenant.ctx, FollowUp.WAIT_FOR_RUNNING).to_body())
            report.suspended_checks += 1
        self._send(messages, report)
        return report

    def _tenants(self, status: TenantStatus, report: DispatchReport) -> Iterator[IndexedTenant]:
        """The tenants in ``status``, page by page as the index answers, pages counted."""
        for page in status_pages(self._table, status):
            report.index_pages += 1
            yield from page

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
