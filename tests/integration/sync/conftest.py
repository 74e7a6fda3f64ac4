"""The sync worker and dispatcher wired to DynamoDB Local, moto and the simulator.

The domain objects are built the way the functions build them (``wiring.sync``'s
``SyncGraph``, ``wiring.relay``'s ``RelayGraph``), with the test's clients handed in; one
test also drives the function module itself. Events reach a test as they reach a partner:
RecordsTable's stream, read as Lambda's event source reads it, relayed to the bus, a
rule's queue.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from local import defaults
from local.app_credentials import AppCredentials, load_or_create_app_credentials
from local.runner.dynamodb_stream_source import TableStreamReader
from local.simulator import RunningSimulator, start_simulator
from superoffice_app.app_secrets import AppSecrets, SecretNames
from superoffice_app.store import DynamoTable, Installer, TenantStatus, TenantStore
from superoffice_app.superoffice.http import new_http_client
from superoffice_app.sync.publisher import TenantChange
from superoffice_app.sync.stream_events import (
    RelayReport,
    StreamRelay,
    change_from_stream_record,
)
from superoffice_app.wiring.onboarding import OnboardingGraph
from superoffice_app.wiring.relay import RelayGraph
from superoffice_app.wiring.settings import (
    load_onboarding_settings,
    load_relay_settings,
    load_sync_settings,
)
from superoffice_app.wiring.sync import SyncGraph
from superoffice_app.wiring.tenant_access import TenantAccess
from tests.integration.conftest import drain_queue

APP_BASE_URL = "http://127.0.0.1:3000"
SECRET_NAMES = SecretNames(
    client_secret="sync/client-secret", private_key="sync/private-key", session_keys="sync/session"
)


@pytest.fixture(scope="session")
def sync_state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sync-simulator")


@pytest.fixture(scope="session")
def app_credentials(sync_state_dir: Path) -> AppCredentials:
    return load_or_create_app_credentials(sync_state_dir)


@pytest.fixture(scope="session")
def simulator(sync_state_dir: Path, app_credentials: AppCredentials) -> Iterator[RunningSimulator]:
    with start_simulator(port=0, state_dir=sync_state_dir, log=lambda _line: None) as running:
        yield running


@pytest.fixture(autouse=True)
def _fresh_simulator(simulator: RunningSimulator) -> None:
    simulator.state.reset()


# As RecordEventsFunction's event source mapping delivers them (template.yaml).
STREAM_BATCH_SIZE = 100


@dataclass
class EventTap:
    """RecordsTable's stream relayed to the bus, and a rule sending every event of the
    bus to a queue the test reads."""

    sqs: Any
    queue_url: str
    stream: TableStreamReader
    relay: StreamRelay
    reports: list[RelayReport] = field(default_factory=list)

    def drain(self) -> list[dict[str, Any]]:
        """Relay what the mirror's writes put on the stream since the last call, then
        read what the rule delivered."""
        records = self.stream.drain()
        for start in range(0, len(records), STREAM_BATCH_SIZE):
            report = self.relay.relay(records[start : start + STREAM_BATCH_SIZE])
            assert report.failed_from is None, "EventBridge refused events"
            assert not report.unreadable, report.unreadable
            self.reports.append(report)
        return drain_queue(self.sqs, self.queue_url)


@dataclass
class StreamChanges:
    """What the relay would publish, read off RecordsTable's stream without the bus (for
    tests that count many changes: the bus and a rule's queue cost a call per event)."""

    stream: TableStreamReader

    def drain(self) -> list[TenantChange]:
        found = [change_from_stream_record(record) for record in self.stream.drain()]
        return [change for change in found if change is not None]


@dataclass
class SyncHarness:
    wiring: SyncGraph
    tenants: TenantStore
    simulator: RunningSimulator
    queue_url: str
    records_table: str
    bus: str
    sqs: Any
    dynamodb: Any
    # (message, delay asked for) of every single send; sent without the delay, so a test
    # can receive re-queued work at once.
    delays: list[tuple[dict[str, Any], float]]
    relay: RelayGraph
    onboarding: OnboardingGraph
    cleanups: list[Any] = field(default_factory=list)

    def watch_events(self) -> EventTap:
        """Route the bus's events to a queue the test reads (moto delivers slowly, so
        only tests that look at events pay for it)."""
        import boto3

        events = boto3.client("events")
        suffix = uuid.uuid4().hex[:8]
        tap_url = self.sqs.create_queue(QueueName=f"tap-{suffix}")["QueueUrl"]
        tap_arn = self.sqs.get_queue_attributes(QueueUrl=tap_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        events.put_rule(
            Name=f"tap-{suffix}",
            EventBusName=self.bus,
            EventPattern=json.dumps({"source": ["superoffice-app.sync"]}),
        )
        events.put_targets(
            Rule=f"tap-{suffix}", EventBusName=self.bus, Targets=[{"Id": "tap", "Arn": tap_arn}]
        )
        self.cleanups.append(lambda: _remove_rule(events, f"tap-{suffix}", self.bus))
        return EventTap(self.sqs, tap_url, self._stream_from_now(), self.relay.relay)

    def watch_changes(self) -> StreamChanges:
        """The mirror's changes from now on, as RecordsTable's stream reports them."""
        return StreamChanges(self._stream_from_now())

    def _stream_from_now(self) -> TableStreamReader:
        import boto3

        stream = TableStreamReader(
            self.dynamodb,
            boto3.client("dynamodbstreams"),
            self.records_table,
            start="TRIM_HORIZON",
        )
        stream.drain()  # from now on, as a rule created now would see them
        return stream

    def install(self, ctx: str) -> str:
        """An active tenant with a system token the simulator approved."""
        token = self.simulator.state.approve(ctx, defaults.LOCAL_CLIENT_ID)
        serial = self.simulator.state.tenant(ctx).serial
        self.tenants.begin_install(
            ctx,
            environment="local",
            api_base=self.simulator.base_url,
            installed_by=Installer(associate_id=1),
            serial=serial,
            secrets={"system_token": token},
        )
        self.tenants.transition(ctx, TenantStatus.ACTIVE, allowed_from={TenantStatus.INSTALLING})
        return ctx

    def queued(self) -> list[dict[str, Any]]:
        return drain_queue(self.sqs, self.queue_url)

    def mirrored(self, ctx: str, entity: str) -> dict[int, dict[str, Any]]:
        found: dict[int, dict[str, Any]] = {}
        arguments: dict[str, Any] = {
            "TableName": self.records_table,
            "KeyConditionExpression": "PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": f"{ctx}#{entity}"}},
        }
        while True:
            page = self.dynamodb.query(**arguments)
            for item in page["Items"]:
                found[int(item["SK"]["N"])] = {
                    "updated": item["updated"]["S"],
                    **json.loads(item["fields"]["S"]),
                }
            if not page.get("LastEvaluatedKey"):
                return found
            arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def simulator_records(self, ctx: str, entity: str) -> dict[int, dict[str, Any]]:
        """SuperOffice's records as the mirror should hold them: those deleted in the user
        interface (still in their table, with DeletedDate) left out."""
        with self.simulator.state.lock:
            records = self.simulator.state.tenant(ctx).records.by_entity.get(entity, {})
            return {
                key: {**record.fields, "updated": record.to_json()["updated"]}
                for key, record in records.items()
                if record.deleted_date is None
            }


@pytest.fixture
def harness(
    aws_services: Any,
    dynamodb_client: Any,
    kms_client: Any,
    tenants_table: DynamoTable,
    kms_key_id: str,
    records_table: str,
    simulator: RunningSimulator,
    app_credentials: AppCredentials,
) -> Iterator[SyncHarness]:
    import boto3

    sqs = boto3.client("sqs")
    events = boto3.client("events")
    suffix = uuid.uuid4().hex[:8]
    queue_url = sqs.create_queue(QueueName=f"sync-{suffix}")["QueueUrl"]
    bus = f"bus-{suffix}"
    events.create_event_bus(Name=bus)
    env = {
        "SUPEROFFICE_ENVIRONMENT": "local",
        "SUPEROFFICE_LOCAL_BASE_URL": simulator.base_url,
        "SUPEROFFICE_CLIENT_ID": defaults.LOCAL_CLIENT_ID,
        "APP_BASE_URL": APP_BASE_URL,
        "RECORDS_TABLE": records_table,
        "SYNC_QUEUE_URL": queue_url,
        "SYNC_PAGE_SIZE": "50",
        "TENANTS_TABLE": tenants_table.name,
        "APP_KEY_ID": kms_key_id,
        "CLIENT_SECRET_NAME": SECRET_NAMES.client_secret,
        "PRIVATE_KEY_SECRET_NAME": SECRET_NAMES.private_key,
        "SESSION_KEY_SECRET_NAME": SECRET_NAMES.session_keys,
        "EVENT_BUS_NAME": bus,
    }
    settings = load_sync_settings(env)
    values = {
        SECRET_NAMES.client_secret: app_credentials.client_secret,
        SECRET_NAMES.private_key: app_credentials.private_key_xml,
    }
    access = TenantAccess(
        settings.access,
        dynamodb=dynamodb_client,
        kms=kms_client,
        # A short read timeout, so a "slow SuperOffice" fault times out within a test.
        http=new_http_client(timeout_seconds=2, connect_timeout_seconds=2),
        secrets=AppSecrets(SECRET_NAMES, fetch=values.__getitem__),
    )
    wiring = SyncGraph(settings, access, sqs=sqs)
    # RedirectCallbackFunction's graph on the same tenant access: its uninstall purges
    # the mirror (RECORDS_TABLE) and queues the second sweep.
    onboarding = OnboardingGraph(load_onboarding_settings(env), access, sqs=sqs)
    relay = RelayGraph(load_relay_settings(env), events=events, dynamodb=dynamodb_client)
    delays: list[tuple[dict[str, Any], float]] = []
    send = wiring.queue.send

    def send_now(body: Any, delay_seconds: float = 0) -> None:
        delays.append((dict(body), delay_seconds))
        send(body, 0)

    wiring.queue.send = send_now  # type: ignore[method-assign]
    harness = SyncHarness(
        wiring=wiring,
        tenants=access.tenants,
        simulator=simulator,
        queue_url=queue_url,
        records_table=records_table,
        bus=bus,
        sqs=sqs,
        dynamodb=dynamodb_client,
        delays=delays,
        relay=relay,
        onboarding=onboarding,
    )
    yield harness
    # moto matches every event against every rule it holds: leave none behind.
    for cleanup in harness.cleanups:
        cleanup()


def _remove_rule(events: Any, rule: str, bus: str) -> None:
    events.remove_targets(Rule=rule, EventBusName=bus, Ids=["tap"])
    events.delete_rule(Name=rule, EventBusName=bus)
