"""The sample events of events/scheduled_sync/ and events/record_events/ fed to the handlers."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest

from superoffice_app.sync.budget import Budget
from superoffice_app.sync.worker import Outcome, OutcomeStatus
from tests.conftest import REPO, LambdaContext, load_function_module
from tests.integration.sync.conftest import APP_BASE_URL, SECRET_NAMES, SyncHarness

pytestmark = pytest.mark.integration
EVENTS = REPO / "events" / "scheduled_sync"
STREAM_EVENTS = REPO / "events" / "record_events"


class WorkerContext(LambdaContext):
    """The worker's template timeout (120 s) still ahead, as at the start of a run."""

    def get_remaining_time_in_millis(self) -> int:
        return 120_000


@pytest.fixture
def function(
    harness: SyncHarness, monkeypatch: pytest.MonkeyPatch, app_credentials: Any, kms_key_id: str
) -> SimpleNamespace:
    import boto3

    secrets = boto3.client("secretsmanager")
    for name, value in (
        (SECRET_NAMES.client_secret, app_credentials.client_secret),
        (SECRET_NAMES.private_key, app_credentials.private_key_xml),
        (SECRET_NAMES.session_keys, "{}"),
    ):
        try:
            secrets.create_secret(Name=name, SecretString=value)
        except secrets.exceptions.ResourceExistsException:
            secrets.put_secret_value(SecretId=name, SecretString=value)
    settings = {
        "SUPEROFFICE_ENVIRONMENT": "local",
        "SUPEROFFICE_LOCAL_BASE_URL": harness.simulator.base_url,
        "SUPEROFFICE_CLIENT_ID": "local-dev-client",
        "APP_BASE_URL": APP_BASE_URL,
        "TENANTS_TABLE": harness.wiring.access.table.name,
        "APP_KEY_ID": kms_key_id,
        "CLIENT_SECRET_NAME": SECRET_NAMES.client_secret,
        "PRIVATE_KEY_SECRET_NAME": SECRET_NAMES.private_key,
        "SESSION_KEY_SECRET_NAME": SECRET_NAMES.session_keys,
        "RECORDS_TABLE": harness.records_table,
        "SYNC_QUEUE_URL": harness.queue_url,
        "EVENT_BUS_NAME": harness.bus,
        "SYNC_JITTER_SECONDS": "0",
        "POWERTOOLS_SERVICE_NAME": "sync-worker",
        "POWERTOOLS_METRICS_NAMESPACE": "SuperOfficeApp",
    }
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    # ScheduledSyncDispatcherFunction and SyncWorkerFunction share the folder.
    return SimpleNamespace(
        dispatch=load_function_module("scheduled_sync", "dispatch"),
        worker=load_function_module("scheduled_sync", "worker"),
    )


@pytest.fixture
def relay_function(function: SimpleNamespace) -> ModuleType:
    """RecordEventsFunction, with the settings the sync functions got (it reads two)."""
    return load_function_module("record_events")


def load(name: str, folder: Path = EVENTS) -> dict[str, Any]:
    return dict(json.loads((folder / name).read_text()))


def test_the_schedule_event_dispatches_the_active_tenants(
    function: SimpleNamespace, harness: SyncHarness
) -> None:
    harness.install("Cust10001")
    summary = function.dispatch.lambda_handler(load("schedule.json"), WorkerContext())
    if summary["maintenance_window"] is None:  # the local environment has no windows
        assert summary["queued"] == 1
        assert [m["ctx"] for m in harness.queued()] == ["Cust10001"]


@pytest.mark.parametrize(
    "name",
    [
        "worker-scheduled-sync.json",
        "worker-webhook-record.json",
        "worker-lifecycle-followups.json",
    ],
)
def test_worker_samples_are_handled_without_failures(
    function: SimpleNamespace, harness: SyncHarness, name: str
) -> None:
    harness.install("Cust10001")
    result = function.worker.lambda_handler(load(name), WorkerContext())
    assert result == {"batchItemFailures": []}


def test_a_poison_message_is_reported_as_a_batch_item_failure(function: SimpleNamespace) -> None:
    event = load("worker-poison-message.json")
    result = function.worker.lambda_handler(event, WorkerContext())
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}


class Countdown(LambdaContext):
    """An invocation whose time left is read once per message, shrinking each time."""

    def __init__(self, *remaining_millis: int) -> None:
        super().__init__()
        self.remaining = list(remaining_millis)

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining.pop(0)


class BudgetRecorder:
    """Stands in for the layer's SyncWorker: notes each message's budget, does nothing."""

    def __init__(self) -> None:
        self.budgets: list[float] = []

    def handle(self, message: Any, budget: Budget) -> Outcome:
        self.budgets.append(budget.seconds)
        return Outcome(kind="sync", ctx=message.ctx, status=OutcomeStatus.DONE)


def test_each_message_gets_the_time_the_invocation_has_left(
    function: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 10 s are kept back for the checkpoint; never more than SYNC_RUN_SECONDS (90), never
    # less than a second.
    recorder = BudgetRecorder()
    monkeypatch.setattr(function.worker.GRAPH, "worker", recorder)
    (record,) = load("worker-scheduled-sync.json")["Records"]
    event = {"Records": [{**record, "messageId": f"m{i}"} for i in range(4)]}
    result = function.worker.lambda_handler(event, Countdown(300_000, 40_000, 25_000, 5_000))
    assert result == {"batchItemFailures": []}
    assert recorder.budgets == [90.0, 30.0, 15.0, 1.0]


def test_an_event_that_is_not_an_sqs_batch_is_refused_by_name(function: SimpleNamespace) -> None:
    with pytest.raises(ValueError, match="expected an SQS event"):
        function.worker.lambda_handler({"Records": "nope"}, WorkerContext())


def test_the_scheduled_sample_mirrors_the_tenant(
    function: SimpleNamespace, harness: SyncHarness
) -> None:
    harness.install("Cust10001")
    function.worker.lambda_handler(load("worker-scheduled-sync.json"), WorkerContext())
    assert len(harness.mirrored("Cust10001", "contact")) == len(
        harness.simulator_records("Cust10001", "contact")
    )


def test_the_stream_sample_is_published_as_three_events(
    relay_function: ModuleType, harness: SyncHarness
) -> None:
    events = harness.watch_events()
    harness.install("Cust10001")
    result = relay_function.lambda_handler(
        load("stream-insert-modify-remove.json", STREAM_EVENTS), WorkerContext()
    )
    assert result == {"batchItemFailures": []}
    published = sorted((e["detail"]["primaryKey"], e["detail-type"]) for e in events.drain())
    assert published == [
        (10007, "CRM record deleted"),
        (10042, "CRM record changed"),
        (10042, "CRM record created"),
    ]


def test_the_stream_sample_of_an_unknown_tenant_publishes_nothing(
    relay_function: ModuleType, harness: SyncHarness
) -> None:
    events = harness.watch_events()
    result = relay_function.lambda_handler(
        load("stream-insert-modify-remove.json", STREAM_EVENTS), WorkerContext()
    )
    assert result == {"batchItemFailures": []}
    assert events.drain() == []


def test_an_event_that_is_not_a_stream_batch_is_refused_by_name(
    relay_function: ModuleType,
) -> None:
    with pytest.raises(ValueError, match="expected a DynamoDB stream event"):
        relay_function.lambda_handler({"Records": "nope"}, WorkerContext())
