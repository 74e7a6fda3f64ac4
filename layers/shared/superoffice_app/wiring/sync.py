"""The sync functions' graph: the dispatcher and the worker (ScheduledSync).

The worker reaches tenants through the shared ``TenantAccess`` (store, state API,
tickets, REST API, provisioning spec). The dispatcher only reads the tenants table and
queues messages, so the worker's parts (and with them SuperOffice's client and httpx) are
imported when the worker is first built, not when this module is: the dispatcher's cold
start does not pay for them. The stream relay (RecordEvents) is ``wiring.relay``.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from superoffice_app import aws_clients
from superoffice_app.queues.sqs import SyncQueue
from superoffice_app.store.clock import utc_now
from superoffice_app.sync.dispatcher import Dispatcher

from .settings import SyncSettings, load_sync_settings
from .tenant_access import TenantAccess

if TYPE_CHECKING:
    from superoffice_app.sync.mirror import RecordsMirror
    from superoffice_app.sync.worker import SyncWorker

__all__ = ["SyncGraph", "sync_cold_start"]


class SyncGraph:
    def __init__(
        self,
        settings: SyncSettings,
        access: TenantAccess | None = None,
        *,
        sqs: Any = None,
    ) -> None:
        self.settings = settings
        self.config = settings.app
        self.access = access or TenantAccess(settings.access)
        self._sqs = sqs

    @cached_property
    def queue(self) -> SyncQueue:
        sqs = self._sqs if self._sqs is not None else aws_clients.client("sqs")
        return SyncQueue(sqs, self.settings.queue_url)

    @cached_property
    def dispatcher(self) -> Dispatcher:
        return Dispatcher(
            table=self.access.table,
            queue=self.queue,
            clock=utc_now,
            windows=self.config.environment.maintenance_windows,
            skip_maintenance=self.settings.skip_maintenance_windows,
            jitter_seconds=self.settings.jitter_seconds,
        )

    @cached_property
    def mirror(self) -> RecordsMirror:
        from superoffice_app.sync.mirror import RecordsMirror  # noqa: PLC0415 - the worker's

        return RecordsMirror(self.access.table.client, self.settings.records_table)

    @cached_property
    def worker(self) -> SyncWorker:
        # The worker's parts, imported here rather than at the top (see the docstring).
        import time  # noqa: PLC0415
        import uuid  # noqa: PLC0415

        from superoffice_app.sync.lease import TenantLease  # noqa: PLC0415
        from superoffice_app.sync.state import SyncStateStore  # noqa: PLC0415
        from superoffice_app.sync.upkeep import ProvisioningUpkeep  # noqa: PLC0415
        from superoffice_app.sync.worker import SyncWorker, WorkerSettings  # noqa: PLC0415

        access = self.access
        return SyncWorker(
            tenants=access.tenants,
            states=SyncStateStore(access.table),
            mirror=self.mirror,
            state_api=access.state_api,
            tenant_api=access.tenant_api,
            queue=self.queue,
            lease=TenantLease(access.table, owner=f"worker-{uuid.uuid4().hex[:12]}"),
            settings=WorkerSettings(
                entities=self.settings.entities,
                page_size=self.settings.page_size,
                reconcile_every=self.settings.reconcile_every,
                webhook_check_every=self.settings.webhook_check_every,
            ),
            clock=utc_now,
            sleep=time.sleep,
            upkeep=ProvisioningUpkeep(access.spec, access.tenants),
        )


def sync_cold_start() -> SyncGraph:
    """ScheduledSync's graph (dispatcher and worker), from its environment."""
    return SyncGraph(load_sync_settings())
