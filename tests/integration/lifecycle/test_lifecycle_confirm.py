"""NotificationConfirmFunction: a notification applies only what the state API confirms.

Each test delivers a real notification to NotificationWebhookFunction, then runs the
confirm function over NotificationQueue (as Lambda's SQS event source would) against
the simulator's state API over HTTP, with the tenant in the state the test needs.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from types import ModuleType
from typing import Any

import boto3
import pytest

from local.simulator import RunningSimulator
from local.superid_keys import SigningKey
from superoffice_app.config import load_config
from superoffice_app.environments import Environment
from superoffice_app.lifecycle.confirmer import (
    MAX_WAIT_SECONDS,
    RECHECK_DELAYS,
    NotificationConfirmer,
)
from superoffice_app.lifecycle.messages import NotificationMessage, parse_notification_message
from superoffice_app.store import DynamoTable, TenantStatus, TenantStore
from superoffice_app.superoffice.http import new_http_client, utc_now
from superoffice_app.superoffice.state_api import StateApiClient
from tests.conftest import LambdaContext
from tests.integration.conftest import drain_queue
from tests.integration.lifecycle.conftest import (
    CTX,
    UNREACHABLE,
    TokenFactory,
    call,
    confirm_module,
    confirm_queued,
    http_event,
    notification,
    queue_url,
    queued,
    sqs_event,
)
from tests.log_capture import captured_log

pytestmark = pytest.mark.integration


def local_environment(base_url: str) -> Environment:
    return load_config(
        {
            "SUPEROFFICE_ENVIRONMENT": "local",
            "SUPEROFFICE_LOCAL_BASE_URL": base_url,
            "SUPEROFFICE_CLIENT_ID": "local-dev-client",
            "APP_BASE_URL": "http://127.0.0.1:3000",
        }
    ).environment


def deliver(handler: ModuleType, change: int, token: str, **extra: Any) -> None:
    code, answer = call(
        handler, http_event("/notifications/tenant-state", notification(change, token, **extra))
    )
    assert code == 202, answer


def follow_ups(handler: ModuleType) -> list[str]:
    return [message["follow_up"] for message in queued(handler)]


def kinds(tenants: TenantStore) -> list[str]:
    return [event.kind for event in tenants.recent_events(CTX)]


def delayed(handler: ModuleType) -> int:
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=queue_url(handler, "NOTIFICATION_QUEUE_URL"),
        AttributeNames=["ApproximateNumberOfMessagesDelayed"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessagesDelayed"])


@pytest.mark.parametrize(
    ("change", "superoffice_state", "start", "status", "follow_up"),
    [
        (2, "Suspended", TenantStatus.ACTIVE, TenantStatus.SUSPENDED, None),
        (3, "Running", TenantStatus.SUSPENDED, TenantStatus.ACTIVE, "sync_soon"),
        (0, "OfflineMaintenance", TenantStatus.ACTIVE, TenantStatus.UPGRADING, "wait_for_running"),
        (1, "Running", TenantStatus.ACTIVE, TenantStatus.ACTIVE, "full_resync"),
        (4, "Deleted", TenantStatus.ACTIVE, TenantStatus.ACTIVE, "purge"),  # the worker purges
    ],
)
def test_what_the_state_api_confirms_is_applied(
    handler: ModuleType,
    confirm: ModuleType,
    superoffice: RunningSimulator,
    tenants: TenantStore,
    active_tenant: str,
    state_token: TokenFactory,
    change: int,
    superoffice_state: str,
    start: TenantStatus,
    status: TenantStatus,
    follow_up: str | None,
) -> None:
    if start is not TenantStatus.ACTIVE:
        tenants.transition(CTX, start, allowed_from={TenantStatus.ACTIVE})
    superoffice.state.set_tenant_state(CTX, superoffice_state)
    deliver(handler, change, state_token())
    assert confirm_queued(confirm) == []
    profile = tenants.get(CTX)
    assert profile.status is status
    assert profile.last_notification.change_type == change
    assert follow_ups(handler) == ([follow_up] if follow_up else [])
    applied = tenants.recent_events(CTX)[0]
    assert applied.kind == "notification_applied"
    assert applied.details["state"] == superoffice_state


def test_a_move_takes_the_address_from_the_state_api_never_from_the_body(
    handler: ModuleType,
    confirm: ModuleType,
    superoffice: RunningSimulator,
    tenants: TenantStore,
    active_tenant: str,
    state_token: TokenFactory,
) -> None:
    superoffice.state.move_tenant(CTX, "sod7")
    try:
        deliver(handler, 5, state_token(), PublicEndpoint="evil.example.com")
        assert confirm_queued(confirm) == []
        profile = tenants.get(CTX)
        assert profile.api_base == f"{superoffice.base_url}/sod7/{CTX}/api"
        assert "evil" not in json.dumps(dict(profile.state_answer or {}))
        assert kinds(tenants)[:2] == ["endpoint_refreshed", "notification_applied"]
    finally:
        superoffice.state.move_tenant(CTX, "sod2")


def test_a_suspend_that_superoffice_does_not_confirm_changes_nothing(
    handler: ModuleType,
    confirm: ModuleType,
    superoffice: RunningSimulator,
    tenants: TenantStore,
    active_tenant: str,
    state_token: TokenFactory,
) -> None:
    """Finding of issue 11: a SuperID-signed token suspended a running tenant."""
    before = tenants.get(CTX)
    deliver(handler, 2, state_token())  # the state API says Running
    assert confirm_queued(confirm) == []
    after = tenants.get(CTX)
    assert (after.status, after.last_notification) == (
        TenantStatus.ACTIVE,
        before.last_notification,
    )
    assert follow_ups(handler) == []
    assert delayed(handler) == 1  # asked again in a minute: SuperOffice may be ahead
    assert kinds(tenants)[0] == "notification_received"


def test_after_the_last_check_an_unconfirmed_notification_is_recorded(
    handler: ModuleType,
    confirm: ModuleType,
    tenants: TenantStore,
    active_tenant: str,
) -> None:
    message = {
        "kind": "notification",
        "ctx": CTX,
        "change_type": 4,
        "issued_at": time.time(),
        "received_at": time.time(),
        "token_id": "0123456789abcdef",
        "checks": len(RECHECK_DELAYS),
        "retries": 0,
    }
    sqs = boto3.client("sqs")
    sqs.send_message(
        QueueUrl=queue_url(confirm, "NOTIFICATION_QUEUE_URL"), MessageBody=json.dumps(message)
    )
    assert confirm_queued(confirm) == []
    assert tenants.get(CTX).status is TenantStatus.ACTIVE
    assert follow_ups(handler) == []
    assert delayed(handler) == 0
    event = tenants.recent_events(CTX)[0]
    assert event.kind == "notification_not_confirmed"
    assert "still exists" in event.details["reason"]


def test_while_the_state_api_cannot_be_reached_the_notification_waits(
    monkeypatch: pytest.MonkeyPatch,
    handler: ModuleType,
    superoffice: RunningSimulator,
    superoffice_key: SigningKey,
    tenants_table: DynamoTable,
    kms_key_id: str,
    queues: dict[str, str],
    tenants: TenantStore,
    active_tenant: str,
    state_token: TokenFactory,
) -> None:
    superoffice.state.set_tenant_state(CTX, "Suspended")
    deliver(handler, 2, state_token())
    cut_off = confirm_module(
        monkeypatch, UNREACHABLE, superoffice_key, tenants_table, kms_key_id, queues
    )
    assert confirm_queued(cut_off) == []
    assert tenants.get(CTX).status is TenantStatus.ACTIVE  # not applied blindly
    assert delayed(handler) == 1  # not lost either: back on the queue, delayed
    assert follow_ups(handler) == []


class RecordingQueue:
    def __init__(self) -> None:
        self.sent: list[tuple[dict[str, Any], float]] = []

    def send(self, message: Mapping[str, Any], delay_seconds: float = 0) -> None:
        self.sent.append((dict(message), delay_seconds))


def confirmer_against(base_url: str, tenants: TenantStore) -> tuple[Any, RecordingQueue]:
    environment = local_environment(base_url)
    state_api = StateApiClient(new_http_client(), environment, utc_now)
    follow_ups, waiting = RecordingQueue(), RecordingQueue()
    confirmer = NotificationConfirmer(tenants, state_api, follow_ups, waiting)
    return confirmer, waiting


def test_the_state_api_is_asked_again_later_and_then_applies(
    superoffice: RunningSimulator, tenants: TenantStore, active_tenant: str
) -> None:
    superoffice.state.set_tenant_state(CTX, "Suspended")
    message = NotificationMessage(CTX, 2, time.time(), time.time(), "0123456789abcdef")
    cut_off, waiting = confirmer_against(UNREACHABLE, tenants)
    for retries, delay in enumerate((30, 60, 120, 240, 480, 900, 900)):
        assert cut_off.handle(message).status == "waiting"
        (sent, seconds), *_ = waiting.sent[-1:]
        assert (sent["retries"], seconds) == (retries + 1, delay)
        message = parse_notification_message(json.dumps(sent))
    assert tenants.get(CTX).status is TenantStatus.ACTIVE
    reachable, _ = confirmer_against(superoffice.base_url, tenants)
    assert reachable.handle(message).status == "applied"
    assert tenants.get(CTX).status is TenantStatus.SUSPENDED


def test_a_week_without_the_state_api_is_recorded_not_applied(
    tenants: TenantStore, active_tenant: str
) -> None:
    long_ago = time.time() - MAX_WAIT_SECONDS - 60
    message = NotificationMessage(CTX, 4, long_ago, long_ago, "0123456789abcdef", retries=40)
    cut_off, waiting = confirmer_against(UNREACHABLE, tenants)
    assert cut_off.handle(message).status == "unconfirmed"
    assert waiting.sent == []
    assert tenants.get(CTX).status is TenantStatus.ACTIVE
    assert tenants.recent_events(CTX)[0].kind == "notification_not_confirmed"


def test_rechecks_follow_the_schedule_then_stop(
    superoffice: RunningSimulator, tenants: TenantStore, active_tenant: str
) -> None:
    message = NotificationMessage(CTX, 2, time.time(), time.time(), "0123456789abcdef")
    confirmer, waiting = confirmer_against(superoffice.base_url, tenants)  # Running: no
    for delay in RECHECK_DELAYS:
        assert confirmer.handle(message).status == "rechecking"
        sent, seconds = waiting.sent[-1]
        assert seconds == delay
        message = parse_notification_message(json.dumps(sent))
    assert confirmer.handle(message).status == "unconfirmed"
    assert len(waiting.sent) == len(RECHECK_DELAYS)
    assert tenants.get(CTX).status is TenantStatus.ACTIVE


def test_a_late_older_notification_never_moves_a_tenant_backwards(
    handler: ModuleType,
    confirm: ModuleType,
    superoffice: RunningSimulator,
    tenants: TenantStore,
    active_tenant: str,
    state_token: TokenFactory,
) -> None:
    now = time.time()
    superoffice.state.set_tenant_state(CTX, "Suspended")
    deliver(handler, 2, state_token(iat=now - 5))
    assert confirm_queued(confirm) == []
    assert tenants.get(CTX).status is TenantStatus.SUSPENDED
    superoffice.state.set_tenant_state(CTX, "Running")
    deliver(handler, 3, state_token(iat=now - 30))  # a Resume issued before the Suspend
    assert confirm_queued(confirm) == []
    assert tenants.get(CTX).status is TenantStatus.SUSPENDED
    ignored = tenants.recent_events(CTX)[0]
    assert (ignored.kind, ignored.details["reason"]) == (
        "notification_ignored",
        "not newer than the last notification applied",
    )


def test_a_redelivered_message_only_queues_its_follow_up_again(
    handler: ModuleType,
    confirm: ModuleType,
    tenants: TenantStore,
    active_tenant: str,
    state_token: TokenFactory,
) -> None:
    deliver(handler, 1, state_token())
    (body,) = drain_queue(boto3.client("sqs"), queue_url(handler, "NOTIFICATION_QUEUE_URL"))
    sqs = boto3.client("sqs")
    for _ in range(2):  # SQS delivers at least once
        sqs.send_message(
            QueueUrl=queue_url(handler, "NOTIFICATION_QUEUE_URL"), MessageBody=json.dumps(body)
        )
        assert confirm_queued(confirm) == []
    assert follow_ups(handler) == ["full_resync", "full_resync"]
    assert [k for k in kinds(tenants) if k == "notification_applied"] == ["notification_applied"]


def test_poison_messages_are_reported_as_failures(confirm: ModuleType) -> None:
    sqs = boto3.client("sqs")
    for body in ("not json", '{"kind": "notification", "ctx": "Cust1", "ctx": "Cust2"}'):
        sqs.send_message(QueueUrl=queue_url(confirm, "NOTIFICATION_QUEUE_URL"), MessageBody=body)
    assert len(confirm_queued(confirm)) == 2


def test_a_failed_message_is_logged_by_id_and_error_type_never_its_body(
    confirm: ModuleType,
) -> None:
    body = json.dumps({"kind": "notification", "ctx": CTX, "token_id": "tenant-data"})
    received = {"MessageId": "m1", "ReceiptHandle": "r1", "Body": body, "MD5OfBody": "-"}
    with captured_log(confirm.logger) as buffer:
        answer = confirm.lambda_handler(sqs_event([received]), LambdaContext())
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    (failed,) = [json.loads(line) for line in buffer.getvalue().splitlines()]
    assert (failed["level"], failed["message_id"], failed["error_type"]) == (
        "WARNING",
        "m1",
        "BadNotificationMessage",
    )
    assert "tenant-data" not in buffer.getvalue()


def test_an_event_that_is_not_an_sqs_batch_is_refused_by_name(confirm: ModuleType) -> None:
    with pytest.raises(ValueError, match="expected an SQS event"):
        confirm.lambda_handler({"Records": [{"body": "{}"}]}, LambdaContext())
