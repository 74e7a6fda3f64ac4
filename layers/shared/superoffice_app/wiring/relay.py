"""RecordEvents' graph: RecordsTable's stream, relayed as record events to EventBridge.

It reads tenant profiles only, to tell a SuperOffice deletion from a purge, and no
secrets; it shares nothing with the dispatcher and worker (``wiring.sync``) but settings.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from superoffice_app import aws_clients
from superoffice_app.store import DynamoTable, read_profile
from superoffice_app.sync.publisher import EventPublisher
from superoffice_app.sync.stream_events import StreamRelay

from .settings import RelaySettings, load_relay_settings

__all__ = ["RelayGraph", "relay_cold_start"]


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
