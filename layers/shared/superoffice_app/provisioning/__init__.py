"""Provisioning: the app's items in each tenant, created idempotently and removed exactly.

- ``spec``: ``provisioning.json`` (shipped next to this module, edited by the partner)
  read into a validated ``ProvisioningSpec``;
- ``engine``: ``provision`` and ``unprovision``, with their reports;
- ``items``: ``ProvisionedItem`` and the ``Recorder`` that keeps them per tenant;
- ``udefs``, ``lists``, ``web_panels``, ``preferences``, ``webhooks``: one module per
  kind of item; ``webhooks`` also has ``ensure_webhooks`` for the sync worker, which
  re-registers or re-activates the tenant's CRM webhooks when SuperOffice lost or
  disabled them;
- ``documented``: SuperOffice's published names the spec is checked against;
- ``answers``: reading SuperOffice's answers (``UnexpectedResponse`` when one does not
  fit); ``steps``: the step an operation belongs to, in words for the audit trail.

The names below are loaded on first use (PEP 562): importing this package imports none
of its modules. RedirectCallbackFunction reads the spec at cold start (its pages name the
app) but runs the engine, with SuperOffice's whole client, only for an install or an
uninstall; with the engine imported here, reading the spec would import it all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from superoffice_app.lazy_exports import lazy_exports

if TYPE_CHECKING:  # the same names, for type checkers; at run time __getattr__ loads them
    from .engine import provision, unprovision
    from .items import ITEM_KINDS, MemoryRecorder, ProvisionedItem, Recorder
    from .reports import ItemOutcome, ProvisioningReport, UninstallReport
    from .spec import (
        ListSpec,
        PreferenceSpec,
        ProvisioningSpec,
        SpecError,
        UdefFieldSpec,
        WebhookSpec,
        WebPanelSpec,
        load_spec,
    )
    from .udefs import PublishStillBusy, PublishWait
    from .webhooks import (
        MemoryWebhookSecrets,
        WebhookOutcome,
        WebhookReport,
        WebhookSecrets,
        ensure_webhooks,
    )

# Which module of this package defines each public name.
_MODULES: Final[dict[str, tuple[str, ...]]] = {
    "engine": ("provision", "unprovision"),
    "items": ("ITEM_KINDS", "MemoryRecorder", "ProvisionedItem", "Recorder"),
    "reports": ("ItemOutcome", "ProvisioningReport", "UninstallReport"),
    "spec": (
        "ListSpec",
        "PreferenceSpec",
        "ProvisioningSpec",
        "SpecError",
        "UdefFieldSpec",
        "WebhookSpec",
        "WebPanelSpec",
        "load_spec",
    ),
    "udefs": ("PublishStillBusy", "PublishWait"),
    "webhooks": (
        "MemoryWebhookSecrets",
        "WebhookOutcome",
        "WebhookReport",
        "WebhookSecrets",
        "ensure_webhooks",
    ),
}

__all__ = [
    "ITEM_KINDS",
    "ItemOutcome",
    "ListSpec",
    "MemoryRecorder",
    "MemoryWebhookSecrets",
    "PreferenceSpec",
    "ProvisionedItem",
    "ProvisioningReport",
    "ProvisioningSpec",
    "PublishStillBusy",
    "PublishWait",
    "Recorder",
    "SpecError",
    "UdefFieldSpec",
    "UninstallReport",
    "WebPanelSpec",
    "WebhookOutcome",
    "WebhookReport",
    "WebhookSecrets",
    "WebhookSpec",
    "ensure_webhooks",
    "load_spec",
    "provision",
    "unprovision",
]


__getattr__, __dir__ = lazy_exports(__name__, _MODULES)
