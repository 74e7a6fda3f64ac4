"""CRM webhooks of one tenant (`{Api}/v1/Webhook`): what is registered, and its health.

A webhook keeps its pending deliveries and its recent attempts next to its definition, so
the delivery worker (`webhook_delivery`) and the control API see one consistent picture
under the state lock. Deleting a webhook, or clearing the whole store (a sandbox clone,
a reset), stops its worker before its next attempt.
"""

from __future__ import annotations

import copy
import datetime
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Final

from local.simulator.routing import BadRequest, NotFound

WEBHOOK_STATES: Final = ("Active", "Stopped", "TooManyErrors")
# After this many failed attempts in a row the webhook is TooManyErrors (protocol 6).
MAX_CONSECUTIVE_FAILURES: Final = 9
# Recent attempts kept per webhook for the control API.
ATTEMPTS_KEPT: Final = 100


@dataclass
class Delivery:
    event_id: str
    event: str
    body: bytes
    # Attempts made so far; the next one's X-SuperOffice-Retry.
    attempts: int = 0


@dataclass
class Webhook:
    id: int
    fields: dict[str, Any]
    consecutive_failures: int = 0
    removed: bool = False
    worker_running: bool = False
    queue: deque[Delivery] = field(default_factory=deque)
    attempts: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=ATTEMPTS_KEPT))

    @property
    def state(self) -> str:
        return str(self.fields["State"])

    @property
    def target_url(self) -> str:
        return str(self.fields["TargetUrl"])

    @property
    def secret(self) -> str:
        return str(self.fields["Secret"])

    @property
    def name(self) -> str:
        return str(self.fields["Name"])

    @property
    def delivering(self) -> bool:
        return self.state == "Active" and not self.removed

    def wants(self, event: str) -> bool:
        return self.delivering and event.lower() in (e.lower() for e in self.fields["Events"])

    def to_json(self) -> dict[str, Any]:
        return {"WebhookId": self.id, **copy.deepcopy(self.fields)}

    def health(self) -> dict[str, Any]:
        return {
            **self.to_json(),
            "consecutiveFailures": self.consecutive_failures,
            "queued": [delivery.event_id for delivery in self.queue],
            "attempts": list(self.attempts),
        }

    def record(self, delivery: Delivery, status: int | None, error: str | None) -> str:
        """Count one attempt's answer; what became of the webhook: ok, failed, stopped, ..."""
        self.attempts.append(
            {
                "eventId": delivery.event_id,
                "event": delivery.event,
                "retry": delivery.attempts,
                "status": status,
                "error": error,
            }
        )
        delivery.attempts += 1
        if status is not None and 200 <= status < 300:
            self.consecutive_failures = 0
            return "ok"
        if status == 410:
            self.fields["State"] = "Stopped"
            self.queue.clear()
            return "Stopped"
        self.consecutive_failures += 1
        if self.consecutive_failures >= MAX_CONSECUTIVE_FAILURES:
            self.fields["State"] = "TooManyErrors"
            self.queue.clear()
            return "TooManyErrors"
        return "failed"


def _now_text() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S")


def webhook_fields(body: dict[str, Any], *, associate_id: int) -> dict[str, Any]:
    """A webhook's fields from a POST or PUT body, checked (BadRequest otherwise)."""
    name, url = body.get("Name"), body.get("TargetUrl")
    events, secret = body.get("Events"), body.get("Secret", "")
    state, kind = body.get("State", "Active"), body.get("Type", "webhook")
    if not isinstance(name, str) or not name.strip():
        raise BadRequest("Name must be a non-empty string")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise BadRequest("TargetUrl must be an http(s) URL")
    if (
        not isinstance(events, list)
        or not events
        or not all(isinstance(e, str) and "." in e.strip(".") for e in events)
    ):
        raise BadRequest('Events must be a non-empty list such as ["contact.created"]')
    if not isinstance(secret, str):
        raise BadRequest("Secret must be a string")
    if state not in WEBHOOK_STATES:
        raise BadRequest(f"State must be one of {', '.join(WEBHOOK_STATES)}")
    if kind != "webhook":
        raise BadRequest('Type must be "webhook" (other types are not simulated)')
    for key in ("Headers", "Properties"):
        if body.get(key) is not None and not isinstance(body[key], dict):
            raise BadRequest(f"{key} must be an object")
    now = _now_text()
    return {
        "Name": name.strip(),
        "Events": [e.strip() for e in events],
        "TargetUrl": url,
        "Secret": secret,
        "State": state,
        "Type": kind,
        "Headers": copy.deepcopy(body.get("Headers") or {}),
        "Properties": copy.deepcopy(body.get("Properties") or {}),
        "Registered": now,
        # SuperOffice's Webhook carries the associates as (partial) Associate objects.
        "RegisteredAssociate": {"AssociateId": associate_id},
        "Updated": now,
        "UpdatedAssociate": {"AssociateId": associate_id},
    }


@dataclass
class Webhooks:
    hooks: dict[int, Webhook] = field(default_factory=dict)
    next_id: int = 1

    def all(self, name_filter: str | None = None) -> list[Webhook]:
        prefix = (name_filter or "").lower()
        return [
            self.hooks[key]
            for key in sorted(self.hooks)
            if self.hooks[key].name.lower().startswith(prefix)
        ]

    def get(self, webhook_id: int) -> Webhook:
        try:
            return self.hooks[webhook_id]
        except KeyError:
            raise NotFound(f"there is no webhook with id {webhook_id}") from None

    def add(self, fields: dict[str, Any]) -> Webhook:
        webhook = Webhook(self.next_id, fields)
        self.next_id += 1
        self.hooks[webhook.id] = webhook
        return webhook

    def replace(self, webhook_id: int, fields: dict[str, Any]) -> Webhook:
        webhook = self.get(webhook_id)
        kept = {key: webhook.fields[key] for key in ("Registered", "RegisteredAssociate")}
        webhook.fields = {**fields, **kept}
        if webhook.state == "Active":
            # Re-activation starts with a clean slate, as after a fresh registration.
            webhook.consecutive_failures = 0
        else:
            webhook.queue.clear()
        return webhook

    def delete(self, webhook_id: int) -> None:
        webhook = self.get(webhook_id)
        webhook.removed = True
        webhook.queue.clear()
        del self.hooks[webhook_id]

    def clear(self) -> None:
        """All webhooks gone (a sandbox clone has none, a reset neither); workers stop."""
        for webhook_id in list(self.hooks):
            self.delete(webhook_id)

    def subscribers(self, event: str) -> list[Webhook]:
        return [webhook for webhook in self.all() if webhook.wants(event)]
