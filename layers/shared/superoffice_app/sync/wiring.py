"""Builds the dispatcher, the worker and the stream relay from settings, once per instance.

The tenant side (store, state API, tickets, REST client, provisioning spec) is the
onboarding object graph, reused as is: one way to reach a tenant for every function.
"""

from __future__ import annotations

import time
import uuid
from functools import cached_property
from typing import Any

from superoffice_app.config import AppConfig
from superoffice_app.onboarding.wiring import Onboarding, OnboardingSettings
from superoffice_app.store import DynamoTable, read_profile
from superoffice_app.store.clock import utc_now

from .dispatcher import Dispatcher
from .lease import TenantLease
from .mirror import RecordsMirror
from .publisher import EventPublisher
from .queue import SyncQueue
from .settings import RelaySettings, SyncSettings
from .state import SyncStateStore
from .stream_events import StreamRelay
from .upkeep import ProvisioningUpkeep
from .worker import SyncWorker, WorkerSettings

__all__ = ["RelayWiring", "SyncWiring"]


def _aws_client(service: str) -> Any:
    # Short timeouts and bounded retries: an outage fails the call in seconds.
    from superoffice_app import aws_clients  # noqa: PLC0415

    return aws_clients.client(service)


class SyncWiring:
    def __init__(
        self,
        config: AppConfig,
        onboarding_settings: OnboardingSettings,
        settings: SyncSettings,
        *,
        onboarding: Onboarding | None = None,
        sqs: Any = None,
        dynamodb: Any = None,
    ) -> None:
        self.config = config
        self.settings = settings
        self._onboarding = onboarding
        self._onboarding_settings = onboarding_settings
        self._sqs = sqs
        self._dynamodb = dynamodb

    @cached_property
    def onboarding(self) -> Onboarding:
        return self._onboarding or Onboarding(
            self.config, self._onboarding_settings, dynamodb=self._dynamodb
        )

    @cached_property
    def queue(self) -> SyncQueue:
        return SyncQueue(self._sqs or _aws_client("sqs"), self.settings.queue_url)

    @cached_property
    def dispatcher(self) -> Dispatcher:
        return Dispatcher(
            table=self.onboarding.table,
            queue=self.queue,
            clock=utc_now,
            windows=self.config.environment.maintenance_windows,
            skip_maintenance=self.settings.skip_maintenance_windows,
            jitter_seconds=self.settings.jitter_seconds,
        )

    @cached_property
    def mirror(self) -> RecordsMirror:
        return RecordsMirror(self.onboarding.table.client, self.settings.records_table)

    @cached_property
    def worker(self) -> SyncWorker:
        onboarding = self.onboarding
        return SyncWorker(
            tenants=onboarding.tenants,
            states=SyncStateStore(onboarding.table),
            mirror=self.mirror,
            state_api=onboarding.state_api,
            tenant_api=onboarding.tenant_api,
            queue=self.queue,
            lease=TenantLease(onboarding.table, owner=f"worker-{uuid.uuid4().hex[:12]}"),
            settings=WorkerSettings(
                entities=self.settings.entities,
                page_size=self.settings.page_size,
                reconcile_every=self.settings.reconcile_every,
                webhook_check_every=self.settings.webhook_check_every,
            ),
            clock=utc_now,
            sleep=time.sleep,
            upkeep=ProvisioningUpkeep(onboarding.spec, onboarding.tenants),
        )


class RelayWiring:
    """The RecordsTable stream relay: EventBridge for the events, tenant profiles to tell
    a SuperOffice deletion from a purge. No KMS, no SuperOffice: it reads no secrets."""

    def __init__(
        self,
        config: AppConfig,
        settings: RelaySettings,
        *,
        events: Any = None,
        dynamodb: Any = None,
    ) -> None:
        self.config = config
        self.settings = settings
        self._events = events
        self._dynamodb = dynamodb

    @cached_property
    def publisher(self) -> EventPublisher:
        return EventPublisher(
            self._events or _aws_client("events"),
            self.settings.event_bus,
            environment=self.config.environment.name,
        )

    @cached_property
    def relay(self) -> StreamRelay:
        table = DynamoTable(
            client=self._dynamodb or _aws_client("dynamodb"), name=self.settings.tenants_table
        )
        return StreamRelay(self.publisher, lambda ctx: read_profile(table, ctx))
