"""Provision a tenant from the spec, and remove exactly what was provisioned.

``provision`` is idempotent: it looks for every item by its stable identity first (a
sandbox cloned from production already has them), creates only what is missing, and
records each item the moment it is found or created. A run that crashes half-way leaves
a complete record of what exists, and a rerun neither loses nor duplicates anything.

``unprovision`` removes the recorded items and reports, per item, what happened. It
never retries in a loop: when access is lost (revoked, refused) or SuperOffice is
unavailable it stops and reports what is left, for a later run or for the customer's
administrator.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Final

from superoffice_app.superoffice.http import (
    AccessRevoked,
    SuperOfficeApiError,
    SuperOfficeError,
    SuperOfficeUnavailable,
    UnexpectedResponse,
)
from superoffice_app.superoffice.rest import TenantApi
from superoffice_app.superoffice.state_api import TenantNotFound
from superoffice_app.superoffice.system_user import SystemUserRefused

from .items import ItemKind, MemoryRecorder, ProvisionedItem, Recorder
from .lists import ListRemover, provision_lists
from .preferences import provision_preferences, remove_preference
from .reports import ItemOutcome, OutcomeResult, Progress, ProvisioningReport, UninstallReport
from .spec import ProvisioningSpec
from .udefs import PublishWait, delete_field, provision_fields, publish_layout
from .web_panels import WebPanelRemover, provision_web_panels
from .webhooks import WebhookRemover, WebhookSecrets, provision_webhooks

__all__ = [
    "ItemOutcome",
    "MemoryRecorder",
    "ProvisionedItem",
    "ProvisioningReport",
    "PublishWait",
    "Recorder",
    "UninstallReport",
    "WebhookSecrets",
    "provision",
    "unprovision",
]

# Answers that mean "this app may not act in this tenant now": every further call would
# fail the same way, and each retry would cost a ticket exchange.
_ACCESS_REFUSED_STATUSES: Final = frozenset({401, 403})


def provision(
    spec: ProvisioningSpec,
    api: TenantApi,
    recorder: Recorder,
    *,
    publish_wait: PublishWait | None = None,
    webhook_secrets: WebhookSecrets | None = None,
) -> ProvisioningReport:
    """Make everything in ``spec`` exist in ``api``'s tenant, recording every item.

    Webhooks come last, once everything they report on exists; ``webhook_secrets`` keeps
    the tenant's webhook secret (required when the spec has webhooks): it is generated
    and stored before the first webhook is saved, and reused by later runs.

    Errors (``SuperOfficeError``) propagate: what was done so far is recorded already,
    so the caller simply runs it again later.
    """
    if spec.webhooks and webhook_secrets is None:
        raise ValueError("the spec has webhooks: provision needs webhook_secrets to keep theirs")
    wait = publish_wait if publish_wait is not None else PublishWait()
    start = api.request_count
    progress = Progress(recorder)
    published: list[str] = []
    entities = list(dict.fromkeys(udef.entity for udef in spec.udefs))
    for entity in entities:
        fields = [udef for udef in spec.udefs if udef.entity == entity]
        if provision_fields(entity, fields, api, progress, wait):
            published.append(entity)
    provision_lists(spec.lists, api, progress)
    provision_web_panels(spec.web_panels, api, progress)
    provision_preferences(spec.preferences, api, progress)
    if webhook_secrets is not None:
        provision_webhooks(spec.webhooks, api, progress, webhook_secrets)
    return progress.report(
        ctx=api.ctx, published_entities=tuple(published), requests=api.request_count - start
    )


def unprovision(
    items: Iterable[ProvisionedItem],
    api: TenantApi,
    *,
    publish_wait: PublishWait | None = None,
) -> UninstallReport:
    """Remove exactly ``items`` from ``api``'s tenant; an item already gone counts as removed.

    Order: webhooks (so nothing is delivered for a tenant being removed), preferences,
    web panels, lists (their items go with them), then user-defined fields per entity,
    each entity's deletions published once. The tenant's webhook secret is not touched
    here: it goes with the tenant's other secrets when the store purges the tenant.
    """
    run = _Uninstall(api, publish_wait if publish_wait is not None else PublishWait())
    return run.remove(items)


class _Uninstall:
    def __init__(self, api: TenantApi, wait: PublishWait) -> None:
        self._api = api
        self._wait = wait
        self._outcomes: dict[tuple[str, str], ItemOutcome] = {}
        self._stopped: str | None = None
        self._revoked = False
        self._unexpected: list[UnexpectedResponse] = []

    def remove(self, items: Iterable[ProvisionedItem]) -> UninstallReport:
        start = self._api.request_count
        unique = {item.identity: item for item in items}  # a later record of an item wins
        ordered = list(unique.values())
        webhooks = WebhookRemover(self._api)
        for item in _of_kind(ordered, "webhook"):
            self._one(item, partial(webhooks.remove, item))
        for item in _of_kind(ordered, "preference"):
            self._one(item, partial(remove_preference, self._api, item))
        panels = WebPanelRemover(self._api)
        for item in _of_kind(ordered, "web_panel"):
            self._one(item, partial(panels.remove, item))
        lists = ListRemover(self._api)
        for item in _of_kind(ordered, "list"):
            self._one(item, partial(lists.remove, item))
        for item in _of_kind(ordered, "list_item"):
            self._outcomes[item.identity] = self._list_entry_outcome(item)
        fields = _of_kind(ordered, "udef")
        for entity in dict.fromkeys(map(_entity, fields)):
            self._fields(entity, [item for item in fields if _entity(item) == entity])
        return UninstallReport(
            ctx=self._api.ctx,
            outcomes=tuple(self._outcomes[item.identity] for item in ordered),
            access_revoked=self._revoked,
            stopped=self._stopped,
            requests=self._api.request_count - start,
            unexpected=tuple(self._unexpected),
        )

    def _one(self, item: ProvisionedItem, action: Callable[[], OutcomeResult]) -> None:
        if self._stopped is not None:
            self._outcomes[item.identity] = ItemOutcome(item, "not_attempted", self._stopped)
            return
        try:
            result = action()
        except SuperOfficeError as error:
            self._outcomes[item.identity] = ItemOutcome(item, "failed", self._failure(error))
            return
        self._outcomes[item.identity] = ItemOutcome(item, result)

    def _fields(self, entity: str, items: list[ProvisionedItem]) -> None:
        deleted: list[ProvisionedItem] = []
        gone_before: list[ProvisionedItem] = []
        for item in items:
            if not entity:
                self._outcomes[item.identity] = ItemOutcome(
                    item, "failed", "the record does not say which entity the field is on"
                )
                continue
            self._one(item, partial(self._delete_field, entity, item))
            outcome = self._outcomes[item.identity]
            if outcome.result == "removed":
                deleted.append(item)
            elif outcome.result == "already_gone":
                gone_before.append(item)
        handled = deleted + gone_before
        if not handled:
            return
        # Deletions take effect on publish. Publish also when every field was gone
        # already: an earlier run may have deleted them and then failed to publish.
        problem = self._stopped
        if problem is None:
            try:
                publish_layout(self._api, entity, self._wait)
            except SuperOfficeError as error:
                problem = self._failure(error)
        if problem is not None:
            message = f"deleted from the {entity} layout, which is not published yet ({problem})"
            for item in handled:
                self._outcomes[item.identity] = ItemOutcome(item, "failed", message)

    def _delete_field(self, entity: str, item: ProvisionedItem) -> OutcomeResult:
        try:
            delete_field(self._api, entity, item.key)
        except SuperOfficeApiError as error:
            if error.status == 404:
                return "already_gone"
            raise
        return "removed"

    def _list_entry_outcome(self, item: ProvisionedItem) -> ItemOutcome:
        # No call removes a single list item: items go with their list.
        parent = self._outcomes.get(("list", str(item.details.get("list", ""))))
        if parent is None:
            return ItemOutcome(
                item, "failed", "its list is not being removed; remove the item in SuperOffice"
            )
        if parent.result == "removed":
            return ItemOutcome(item, "removed")
        if parent.result == "already_gone":
            return ItemOutcome(item, "already_gone")
        if parent.result == "not_attempted":
            return ItemOutcome(item, "not_attempted", parent.message)
        return ItemOutcome(item, "failed", "its list could not be removed")

    def _failure(self, error: SuperOfficeError) -> str:
        """The safe message for ``error``; stops the run when no further call can work.

        An answer that does not fit stops nothing: it is about one item (the other items'
        calls may well work), and it is kept for the caller to say and log.
        """
        message = str(error)  # SuperOfficeError messages never carry credentials
        if isinstance(error, UnexpectedResponse):
            self._unexpected.append(error)
            return f"SuperOffice answered something the app did not expect ({message})"
        if isinstance(error, AccessRevoked):
            self._revoked = True
            self._stop("the tenant revoked the app's access; remove what is left by hand")
        elif isinstance(error, SystemUserRefused | TenantNotFound):
            self._stop(f"the app has no access to the tenant ({message})")
        elif isinstance(error, SuperOfficeApiError) and error.status in _ACCESS_REFUSED_STATUSES:
            self._stop(f"SuperOffice refused the app's credentials ({message})")
        elif isinstance(error, SuperOfficeUnavailable):
            self._stop(f"SuperOffice is unavailable; run the uninstall again later ({message})")
        return message

    def _stop(self, reason: str) -> None:
        if self._stopped is None:
            self._stopped = reason


def _entity(item: ProvisionedItem) -> str:
    entity = item.details.get("entity")
    return entity if isinstance(entity, str) else ""


def _of_kind(items: list[ProvisionedItem], kind: ItemKind) -> list[ProvisionedItem]:
    return [item for item in items if item.kind == kind]
