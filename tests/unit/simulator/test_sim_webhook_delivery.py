"""Webhook delivery without a network: signature, retry schedule, queue order, 410, states."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections import deque
from typing import Any

import pytest

from local.simulator import webhook_delivery
from local.simulator.outbound import Answer, OutboundSettings
from local.simulator.routing import BadRequest, NotFound
from local.simulator.state import SimulatorState
from local.simulator.webhook_events import delivery_headers, registration_test_event, signature
from local.simulator.webhooks import MAX_CONSECUTIVE_FAILURES, webhook_fields


class FakeApp:
    """Stands in for `outbound.post`: answers from a script, remembers every call."""

    def __init__(self) -> None:
        self.statuses: deque[int | None] = deque()
        self.default: int | None = 200
        self.calls: list[tuple[str, dict[str, Any], dict[str, str]]] = []

    def post(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
        self.calls.append((url, json.loads(body), dict(headers)))
        status = self.statuses.popleft() if self.statuses else self.default
        return Answer(status, None if status else "ConnectError: refused")


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def state(sleeps: list[float]) -> SimulatorState:
    return SimulatorState(outbound=OutboundSettings(sleep=sleeps.append))


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> FakeApp:
    fake = FakeApp()
    monkeypatch.setattr(webhook_delivery, "post", fake.post)
    # Workers run inline: each publish returns once its queue is worked off.
    monkeypatch.setattr(webhook_delivery, "in_background", lambda _name, work: work())
    return fake


def fields(**overrides: Any) -> dict[str, Any]:
    body = {
        "Name": "sync",
        "Events": ["contact.changed"],
        "TargetUrl": "http://127.0.0.1:9/hook",
        "Secret": "secret",
        **overrides,
    }
    return webhook_fields(body, associate_id=3)


def publish(state: SimulatorState, name: str = "Acme") -> list[int]:
    return webhook_delivery.publish(
        state,
        state.tenant("Cust10001"),
        entity="contact",
        event="contact.changed",
        primary_key=7,
        changes=["name"],
        field_values={"name": name},
        associate_id=1,
    )


def test_signature_is_base64_hmac_sha256_of_the_raw_body() -> None:
    body = b'{"Event": "contact.changed"}'
    expected = base64.b64encode(hmac.new(b"k\xc3\xb8y", body, hashlib.sha256).digest()).decode()
    assert signature("køy", body) == expected
    delivery = registration_test_event("sync")
    headers = delivery_headers(delivery, "køy", test=True)
    assert headers["X-SuperOffice-Signature"] == signature("køy", delivery.body)
    assert headers["X-Hook-Test"] == "true"
    assert headers["X-SuperOffice-Retry"] == "0"
    assert json.loads(delivery.body)["EventId"] == headers["X-SuperOffice-EventId"]


def test_delivered_once_when_the_app_answers(
    state: SimulatorState, app: FakeApp, sleeps: list[float]
) -> None:
    webhook = state.tenant("Cust10001").webhooks.add(fields())
    assert publish(state) == [webhook.id]
    ((url, body, headers),) = app.calls
    assert url == "http://127.0.0.1:9/hook"
    assert (body["Event"], body["PrimaryKey"], body["WebhookName"]) == (
        "contact.changed",
        7,
        "sync",
    )
    assert headers["X-SuperOffice-Event"] == "contact.changed"
    assert sleeps == []
    assert not webhook.worker_running


def test_retry_schedule_and_too_many_errors(
    state: SimulatorState, app: FakeApp, sleeps: list[float]
) -> None:
    app.default = 503
    webhook = state.tenant("Cust10001").webhooks.add(fields())
    publish(state)
    assert len(app.calls) == MAX_CONSECUTIVE_FAILURES == 9
    assert [call[2]["X-SuperOffice-Retry"] for call in app.calls] == [str(n) for n in range(9)]
    # Three cycles of (now, 1 s, 4 s); the next cycle follows at once.
    assert sleeps == [1.0, 4.0] * 3
    assert webhook.state == "TooManyErrors"
    assert not webhook.queue
    assert publish(state) == []


def test_connection_errors_count_and_success_resets(state: SimulatorState, app: FakeApp) -> None:
    webhook = state.tenant("Cust10001").webhooks.add(fields())
    app.statuses.extend([None, 500, 200])
    publish(state)
    assert webhook.consecutive_failures == 0
    assert [a["status"] for a in webhook.attempts] == [None, 500, 200]
    assert webhook.attempts[0]["error"]


def test_failed_cycle_goes_to_the_back_of_the_queue(state: SimulatorState, app: FakeApp) -> None:
    webhook = state.tenant("Cust10001").webhooks.add(fields())
    webhook.worker_running = True  # hold the worker back while both are queued
    publish(state, "First")
    publish(state, "Second")
    webhook.worker_running = False
    app.statuses.extend([500, 500, 500])
    webhook_delivery.enqueue(state, webhook, webhook.queue.pop())
    names = [call[1]["FieldValues"]["name"] for call in app.calls]
    assert names == ["First", "First", "First", "Second", "First"]


def test_gone_answer_stops(state: SimulatorState, app: FakeApp, sleeps: list[float]) -> None:
    webhook = state.tenant("Cust10001").webhooks.add(fields())
    app.statuses.append(410)
    publish(state)
    assert (webhook.state, len(app.calls), sleeps) == ("Stopped", 1, [])


def test_reactivation_and_deletion(state: SimulatorState, app: FakeApp) -> None:
    hooks = state.tenant("Cust10001").webhooks
    webhook = hooks.add(fields())
    webhook.fields["State"] = "TooManyErrors"
    webhook.consecutive_failures = 9
    hooks.replace(webhook.id, fields(State="Active"))
    assert (webhook.state, webhook.consecutive_failures) == ("Active", 0)
    assert webhook.fields["Registered"]
    hooks.delete(webhook.id)
    assert webhook.removed
    assert publish(state) == []
    with pytest.raises(NotFound):
        hooks.get(webhook.id)


def test_reset_and_sandbox_clone_drop_webhooks(state: SimulatorState) -> None:
    old = state.tenant("Cust10001").webhooks.add(fields())
    state.reset()
    assert old.removed
    assert state.tenant("Cust10001").webhooks.all() == []


@pytest.mark.parametrize(
    "bad",
    [
        {"Name": " "},
        {"Events": "contact.created"},
        {"Events": ["contact"]},
        {"TargetUrl": "mailto:x"},
        {"Secret": 5},
        {"State": "Paused"},
        {"Type": "crmscript"},
        {"Headers": []},
    ],
)
def test_webhook_fields_refuse_nonsense(bad: dict[str, Any]) -> None:
    with pytest.raises(BadRequest):
        fields(**bad)


def test_name_filter_is_a_case_insensitive_prefix(state: SimulatorState) -> None:
    hooks = state.tenant("Cust10001").webhooks
    hooks.add(fields(Name="PartnerApp contacts"))
    hooks.add(fields(Name="Other"))
    assert [hook.name for hook in hooks.all("partnerapp")] == ["PartnerApp contacts"]
    assert len(hooks.all()) == 2
