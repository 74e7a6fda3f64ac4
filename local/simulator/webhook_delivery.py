"""Delivering record events to webhooks, with SuperOffice's retry schedule (protocol 6).

Each webhook with pending deliveries has one worker thread, so its events arrive in order
and one slow app never holds up another tenant's. A cycle makes three attempts (at once,
after 1 s, after 4 s); a delivery that failed all three goes to the back of the queue for
a later cycle. Every failed attempt counts towards `MAX_CONSECUTIVE_FAILURES`, which turns
the webhook `TooManyErrors`; a 410 turns it `Stopped`; either drops what is queued.
Sending happens outside the state lock; the webhook's bookkeeping under it.
"""

from __future__ import annotations

from typing import Any, Final

from local.simulator.outbound import Answer, in_background, post
from local.simulator.state import SimulatorState
from local.simulator.tenants import Tenant
from local.simulator.webhook_events import delivery_headers, record_event, registration_test_event
from local.simulator.webhooks import Delivery, Webhook

# Pauses before the second and third attempt of a cycle, in seconds.
RETRY_DELAYS: Final = (1.0, 4.0)


def send_test_event(state: SimulatorState, fields: dict[str, Any]) -> Answer:
    """The registration test; the caller waits for it (so must not hold the state lock)."""
    delivery = registration_test_event(str(fields["Name"]))
    headers = delivery_headers(delivery, str(fields["Secret"]), test=True)
    return post(str(fields["TargetUrl"]), delivery.body, headers, state.outbound.timeout_seconds)


def publish(
    state: SimulatorState,
    tenant: Tenant,
    *,
    entity: str,
    event: str,
    primary_key: int,
    changes: list[str],
    field_values: dict[str, Any],
    associate_id: int,
) -> list[int]:
    """Queue the event for every active webhook that wants it; the webhooks' ids."""
    with state.lock:
        queued = []
        for webhook in tenant.webhooks.subscribers(event):
            delivery = record_event(
                ctx=tenant.ctx,
                webhook_name=webhook.name,
                event=event,
                entity=entity,
                primary_key=primary_key,
                changes=changes,
                field_values=field_values,
                associate_id=associate_id,
            )
            enqueue(state, webhook, delivery)
            queued.append(webhook.id)
        return queued


def enqueue(state: SimulatorState, webhook: Webhook, delivery: Delivery) -> None:
    with state.lock:
        webhook.queue.append(delivery)
        if not webhook.worker_running:
            webhook.worker_running = True
            in_background(f"webhook-{webhook.id}", lambda: _work(state, webhook))


def _work(state: SimulatorState, webhook: Webhook) -> None:
    while True:
        with state.lock:
            if not webhook.delivering or not webhook.queue:
                webhook.worker_running = False
                return
            delivery = webhook.queue.popleft()
        if not _cycle(state, webhook, delivery):
            with state.lock:
                if webhook.delivering:
                    webhook.queue.append(delivery)


def _cycle(state: SimulatorState, webhook: Webhook, delivery: Delivery) -> bool:
    """Up to three attempts; True once the delivery is done with (delivered or given up)."""
    for attempt in range(1 + len(RETRY_DELAYS)):
        if attempt:
            state.outbound.pause(RETRY_DELAYS[attempt - 1])
        with state.lock:
            if not webhook.delivering:
                return True
            url = webhook.target_url
            headers = delivery_headers(delivery, webhook.secret)
        answer = post(url, delivery.body, headers, state.outbound.timeout_seconds)
        with state.lock:
            outcome = webhook.record(delivery, answer.status, answer.error)
        if outcome != "failed":
            return True
    return False
