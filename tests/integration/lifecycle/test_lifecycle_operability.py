"""Notifications: the request id in the log lines, and the metrics by change type.

NotificationWebhookFunction's lines carry API Gateway's request id as `correlation_id`
(as the HTTP API's access log's `requestId`); it counts `NotificationsReceived` once per
verified notification, and NotificationConfirmFunction `NotificationsApplied`, both by
`ChangeType` (the dashboard's notifications widget).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from local.simulator import RunningSimulator
from tests.integration.emf_lines import emitted
from tests.integration.lifecycle.conftest import (
    CTX,
    TokenFactory,
    call,
    confirm_queued,
    http_event,
    notification,
)
from tests.log_capture import captured_log

pytestmark = pytest.mark.integration
NAMESPACE = "SuperOfficeApp"
TENANT_STATE = "/notifications/tenant-state"
SUSPEND = 2


@pytest.fixture(autouse=True)
def _metrics_namespace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", NAMESPACE)


@pytest.fixture
def log_lines(handler: ModuleType) -> Iterator[io.StringIO]:
    """What the notification function's Logger writes, into a buffer of this test's own."""
    with captured_log(handler.logger) as buffer:
        yield buffer


def counted(output: str, name: str) -> list[dict[str, Any]]:
    return [metric for metric in emitted(output) if metric["name"] == name]


def test_the_notification_lines_carry_the_api_request_id(
    handler: ModuleType, active_tenant: str, state_token: TokenFactory, log_lines: io.StringIO
) -> None:
    event = http_event(TENANT_STATE, notification(SUSPEND, state_token()))
    event["requestContext"]["requestId"] = "Jq3xKhLZFiAEMbw="
    code, _ = call(handler, event)
    assert code == 202
    logged = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    (received,) = [line for line in logged if line["message"] == "notification"]
    assert received["correlation_id"] == "Jq3xKhLZFiAEMbw="


def test_a_notification_is_counted_by_type_once_and_a_forged_one_not_at_all(
    handler: ModuleType,
    active_tenant: str,
    state_token: TokenFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:
    capsys.readouterr()
    body = notification(SUSPEND, state_token())
    assert call(handler, http_event(TENANT_STATE, body))[0] == 202
    assert call(handler, http_event(TENANT_STATE, body))[0] == 202  # delivered again
    assert call(handler, http_event(TENANT_STATE, notification(SUSPEND, "not.a.jwt")))[0] == 401
    (received,) = counted(capsys.readouterr().out, "NotificationsReceived")
    assert received == {
        "namespace": NAMESPACE,
        "name": "NotificationsReceived",
        "value": [1.0],
        "dimensions": {"service": "notification-webhook", "ChangeType": "suspend"},
    }


def test_an_applied_notification_is_counted_by_type(
    handler: ModuleType,
    confirm: ModuleType,
    superoffice: RunningSimulator,
    active_tenant: str,
    state_token: TokenFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:
    superoffice.state.set_tenant_state(CTX, "Suspended")
    assert call(handler, http_event(TENANT_STATE, notification(SUSPEND, state_token())))[0] == 202
    capsys.readouterr()
    assert confirm_queued(confirm) == []
    (applied,) = counted(capsys.readouterr().out, "NotificationsApplied")
    assert applied["dimensions"] == {"service": "notification-confirm", "ChangeType": "suspend"}
