"""CRM webhooks (protocol 6): registered at install, kept active, removed at uninstall.

SuperOffice signs every delivery with the secret given at registration; the app keeps
that secret sealed per tenant and NotificationWebhookFunction verifies each delivery with
it. Saving an active webhook (POST, or PUT back to ``Active``) makes SuperOffice send a
signed test event to the ``TargetUrl`` first and refuse the save unless the app answers
200, and the app answers only after verifying the signature: so the secret is stored
*before* the webhook is saved. It is generated once per tenant and reused by every later
run, so a rerun never rotates it.

A webhook is found by name and target before one is created (a rerun of a half-done
install finds the one it registered). Sandbox clones delete every webhook, and
SuperOffice stops delivering to a webhook after nine failures in a row
(``TooManyErrors``) or a 410 answer (``Stopped``): ``ensure_webhooks`` repairs all three.
"""

from __future__ import annotations

import secrets as token_source
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Literal, Protocol

from superoffice_app.superoffice.http import SuperOfficeApiError
from superoffice_app.superoffice.rest import TenantApi
from superoffice_app.tokens import Secret

from .answers import entries, identifier, is_not_found, record, segment
from .items import ProvisionedItem, Recorder
from .reports import Progress
from .spec import ProvisioningSpec, WebhookSpec

__all__ = [
    "ACTIVE",
    "WEBHOOKS_PATH",
    "MemoryWebhookSecrets",
    "WebhookOutcome",
    "WebhookRemover",
    "WebhookReport",
    "WebhookSecrets",
    "ensure_webhooks",
    "new_webhook_secret",
    "provision_webhooks",
    "webhook_item",
]

WEBHOOKS_PATH: Final = "/v1/Webhook"
ACTIVE: Final = "Active"
WEBHOOK_TYPE: Final = "webhook"
# secrets.token_urlsafe(32): 256 random bits, 43 URL-safe characters.
SECRET_BYTES: Final = 32

WebhookOutcome = Literal["ok", "reactivated", "registered", "updated"]


class WebhookSecrets(Protocol):
    """Where one tenant's webhook secret is kept (sealed in the tenant store in production).

    ``get`` answers None while there is none; ``put`` stores one, replacing any other.
    """

    def get(self) -> Secret | None: ...

    def put(self, secret: Secret) -> None: ...


class MemoryWebhookSecrets:
    """``WebhookSecrets`` in memory (tests, dry runs); ``puts`` counts the writes."""

    def __init__(self, secret: Secret | None = None) -> None:
        self.secret = secret
        self.puts = 0

    def get(self) -> Secret | None:
        return self.secret

    def put(self, secret: Secret) -> None:
        self.secret = secret
        self.puts += 1


def new_webhook_secret() -> Secret:
    return Secret(token_source.token_urlsafe(SECRET_BYTES))


class _SecretSource:
    """The stored secret, or a new one stored first; read at most once per run."""

    def __init__(self, store: WebhookSecrets) -> None:
        self._store = store
        self._secret: Secret | None = None

    def __call__(self) -> Secret:
        if self._secret is None:
            secret = self._store.get()
            if secret is None:
                secret = new_webhook_secret()
                self._store.put(secret)  # before SuperOffice's test event can ask for it
            self._secret = secret
        return self._secret


@dataclass(frozen=True)
class WebhookReport:
    """What ``ensure_webhooks`` found and did for one webhook of the spec.

    ``outcome``: ``ok`` (active and as the spec says; nothing sent but the read),
    ``reactivated`` (it was ``TooManyErrors`` or ``Stopped``; put back to ``Active``),
    ``updated`` (active, but its target or events differed from the spec; corrected),
    ``registered`` (gone, e.g. after a sandbox clone, or never recorded; registered
    again and recorded under its new id).
    """

    name: str
    outcome: WebhookOutcome
    webhook_id: str
    requests: int
    """REST requests made for this webhook."""
    found_state: str | None = None
    """The ``State`` SuperOffice reported before any repair; None when it was missing."""

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "outcome": self.outcome,
            "webhook_id": self.webhook_id,
            "requests": self.requests,
            "found_state": self.found_state,
        }


def webhook_item(spec: WebhookSpec, webhook_id: str, target_url: str) -> ProvisionedItem:
    return ProvisionedItem(
        kind="webhook",
        key=spec.name,
        superoffice_id=webhook_id,
        name=spec.name,
        details={"target_url": target_url, "events": list(spec.events)},
    )


def provision_webhooks(
    specs: tuple[WebhookSpec, ...],
    api: TenantApi,
    progress: Progress,
    secrets: WebhookSecrets,
) -> None:
    """Register the webhooks (or adopt and refresh ours); record every one of them."""
    if not specs:
        return
    secret = _SecretSource(secrets)
    secret()  # stored before anything is saved: the test event is verified with it
    for spec in specs:
        _register(spec, api, progress, secret)


def ensure_webhooks(
    spec: ProvisioningSpec,
    api: TenantApi,
    recorder: Recorder,
    secrets: WebhookSecrets,
) -> tuple[WebhookReport, ...]:
    """Check every webhook of ``spec`` in ``api``'s tenant and repair what is wrong.

    For the sync worker: after a ``BackupRestored`` notification (a sandbox clone has no
    webhooks) and periodically (SuperOffice disables a webhook that keeps failing). Per
    webhook one ``GET {Api}/v1/Webhook/{id}`` of the recorded id; a missing one is
    registered again (new record, the stored secret), a disabled one is put back to
    ``Active``, a wrong target or event list is corrected. Errors (``SuperOfficeError``)
    propagate, as in ``provision``: what was repaired so far is recorded already::

        from superoffice_app.provisioning.recorder import StoreRecorder, StoreWebhookSecrets
        from superoffice_app.provisioning import ensure_webhooks, load_spec

        spec = load_spec(app_base_url=config.app_base_url)
        api = TenantApi(http, ctx=ctx, state_api=state_api, tickets=tickets,
                        app_token=client_secret)
        for report in ensure_webhooks(
            spec, api, StoreRecorder(tenants, ctx), StoreWebhookSecrets(tenants, ctx)
        ):
            logger.info("webhook", extra=report.as_json())  # outcome: ok, reactivated, ...

    (``OnboardingGraph.ensure_webhooks(ctx)`` in ``superoffice_app.wiring.onboarding`` does
    exactly this with the function's own clients.)
    """
    progress = Progress(recorder)
    secret = _SecretSource(secrets)
    recorded = {item.key: item for item in recorder.recorded() if item.kind == "webhook"}
    reports: list[WebhookReport] = []
    for hook in spec.webhooks:
        start = api.request_count
        target = hook.target_url(api.ctx)
        item = recorded.get(hook.name)
        current = _recorded_webhook(api, item, hook.name)
        if item is None or item.superoffice_id is None or current is None:
            webhook_id = _register(hook, api, progress, secret)
            reports.append(
                WebhookReport(hook.name, "registered", webhook_id, api.request_count - start)
            )
            continue
        webhook_id = item.superoffice_id
        found_state = current.get("State")
        outcome = _needed_repair(current, hook, target)
        if outcome != "ok":
            _save(api, webhook_id, _definition(hook, target, secret()), current)
        wanted = webhook_item(hook, webhook_id, target)
        if outcome != "ok" or item != wanted:
            progress.found(wanted)
        reports.append(
            WebhookReport(
                hook.name,
                outcome,
                webhook_id,
                api.request_count - start,
                found_state if isinstance(found_state, str) else None,
            )
        )
    return tuple(reports)


class WebhookRemover:
    """Deletes the app's webhooks, found again by name and target before deleting."""

    def __init__(self, api: TenantApi) -> None:
        self._api = api

    def remove(self, item: ProvisionedItem) -> Literal["removed", "already_gone"]:
        # By name and target, not by the recorded id alone: after a restore the id may
        # belong to another webhook (another app's, the customer's), and deleting that
        # one would break it. Every webhook of ours under this name goes.
        ours = [
            identifier(entry, "WebhookId", f"webhook {item.key}")
            for entry in _named(self._api, item.key)
            if _is_recorded(entry, item)
        ]
        removed = False
        for webhook_id in ours:
            try:
                self._api.delete(f"{WEBHOOKS_PATH}/{segment(webhook_id)}")
            except SuperOfficeApiError as error:
                if is_not_found(error):
                    continue  # gone between the lookup and the delete
                raise
            removed = True
        return "removed" if removed else "already_gone"


def _register(
    spec: WebhookSpec, api: TenantApi, progress: Progress, secret: Callable[[], Secret]
) -> str:
    """Adopt our webhook of this name (saved again, active) or create it; its id."""
    target = spec.target_url(api.ctx)
    existing = _find(api, spec.name, target)
    if existing is not None:
        webhook_id = identifier(existing, "WebhookId", f"webhook {spec.name}")
        _save(api, webhook_id, _definition(spec, target, secret()), existing)
        progress.found(webhook_item(spec, webhook_id, target))
        return webhook_id
    webhook_id = api.fetch(
        "POST",
        WEBHOOKS_PATH,
        lambda answer: identifier(
            record(answer, "the new webhook"), "WebhookId", f"the new webhook {spec.name}"
        ),
        operation="v1Webhook_PostWebhook",
        json=_definition(spec, target, secret()),
    )
    progress.created(webhook_item(spec, webhook_id, target))
    return webhook_id


def _definition(spec: WebhookSpec, target: str, secret: Secret) -> dict[str, Any]:
    return {
        "Name": spec.name,
        "Events": list(spec.events),
        "TargetUrl": target,
        "Secret": secret.reveal(),
        "State": ACTIVE,
        "Type": WEBHOOK_TYPE,
    }


def _save(
    api: TenantApi, webhook_id: str, definition: dict[str, Any], existing: dict[str, Any]
) -> None:
    """PUT the whole definition: our secret, target and events, ``Active`` (which also
    clears SuperOffice's failure count). Headers and properties found are kept."""
    body = dict(definition)
    for key in ("Headers", "Properties"):
        if isinstance(existing.get(key), dict):
            body[key] = existing[key]
    api.put(f"{WEBHOOKS_PATH}/{segment(webhook_id)}", json=body)


def _find(api: TenantApi, name: str, target: str) -> dict[str, Any] | None:
    """Our webhook of this name: same name and our target (another app may share names)."""
    for entry in _named(api, name):
        if entry.get("Name") == name and entry.get("TargetUrl") == target:
            return entry
    return None


def _named(api: TenantApi, name: str) -> list[dict[str, Any]]:
    return api.fetch(
        "GET",
        WEBHOOKS_PATH,
        lambda answer: entries(answer, "the webhooks of that name"),
        operation="v1Webhook_GetAllWebhooks",
        params={"nameFilter": name},
    )


def _recorded_webhook(
    api: TenantApi, item: ProvisionedItem | None, name: str
) -> dict[str, Any] | None:
    """The webhook under the recorded id, if it is still ours (same name); else None."""
    if item is None or item.superoffice_id is None:
        return None
    path = f"{WEBHOOKS_PATH}/{segment(item.superoffice_id)}"
    try:
        current = api.fetch(
            "GET",
            path,
            lambda answer: None if answer is None else record(answer, "the webhook"),
            operation="v1Webhook_GetWebhook",
        )
    except SuperOfficeApiError as error:
        if is_not_found(error):
            return None
        raise
    return current if current is not None and current.get("Name") == name else None


def _needed_repair(current: dict[str, Any], spec: WebhookSpec, target: str) -> WebhookOutcome:
    if current.get("State") != ACTIVE:
        return "reactivated"
    events = current.get("Events")
    same_events = isinstance(events, list) and {str(e).lower() for e in events} == set(spec.events)
    if current.get("TargetUrl") != target or not same_events:
        return "updated"
    return "ok"


def _is_recorded(entry: dict[str, Any], item: ProvisionedItem) -> bool:
    if entry.get("Name") != item.key:
        return False
    target = item.details.get("target_url")
    if isinstance(target, str) and target:
        return bool(entry.get("TargetUrl") == target)
    # A record without its target: only the recorded id itself counts.
    return item.superoffice_id is not None and str(entry.get("WebhookId")) == item.superoffice_id
