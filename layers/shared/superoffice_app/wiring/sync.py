"""The sync functions' graphs: the dispatcher and worker (ScheduledSync), the stream relay
(RecordEvents).

The worker reaches tenants through the shared ``TenantAccess`` (store, state API,
tickets, REST API, provisioning spec); the relay reads tenant profiles only, to tell a
SuperOffice deletion from a purge, and no secrets.
"""

from __future__ import annotations

import time
import uuid
from functools import cached_property
from typing import Any

from superoffice_app import aws_clients
from superoffice_app.queues.sqs import SyncQueue
from superoffice_app.store import DynamoTable, read_profile
from superoffice_app.store.clock import utc_now
from superoffice_app.sync.dispatcher import Dispatcher
from superoffice_app.sync.lease import TenantLease
from superoffice_app.sync.mirror import RecordsMirror
from superoffice_app.sync.publisher import EventPublisher
from superoffice_app.sync.state import SyncStateStore
from superoffice_app.sync.stream_events import StreamRelay
from superoffice_app.sync.upkeep import ProvisioningUpkeep
from superoffice_app.sync.worker import SyncWorker, WorkerSettings

from .settings import RelaySettings, SyncSettings, load_relay_settings, load_sync_settings
from .tenant_access import TenantAccess

__all__ = ["RelayGraph", "SyncGraph", "relay_cold_start", "sync_cold_start"]


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
        return RecordsMirror(self.access.table.client, self.settings.records_table)

    @cached_property
    def worker(self) -> SyncWorker:
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


class RelayGraph:
    """The RecordsTable stream relay: EventBridge for the events, tenant profiles to tell
    a SuperOffice deletion from a purge. No KMS, no SuperOffice: it reads no secrets."""

    def __init__(
        self,
        settings: RelaySettings,
        *,
        events: Any = None,
        dynamodb: Any = None,
    ) -> None:
        self.settings = settings
        self.config = settings.app
        self._events = events
        self._dynamodb = dynamodb

    @cached_property
    def publisher(self) -> EventPublisher:
        events = self._events if self._events is not None else aws_clients.client("events")
        return EventPublisher(
            events, self.settings.event_bus, environment=self.config.environment.name
        )

    @cached_property
    def relay(self) -> StreamRelay:
        dynamodb = self._dynamodb if self._dynamodb is not None else aws_clients.client("dynamodb")
        table = DynamoTable(client=dynamodb, name=self.settings.tenants_table)
        return StreamRelay(self.publisher, lambda ctx: read_profile(table, ctx))


def relay_cold_start() -> RelayGraph:
    """RecordEvents' graph, from its environment."""
    return RelayGraph(load_relay_settings())
