"""Provisioning: the app's items in each tenant, created idempotently and removed exactly.

- ``spec``: ``provisioning.json`` (shipped next to this module, edited by the partner)
  read into a validated ``ProvisioningSpec``;
- ``engine``: ``provision`` and ``unprovision``, with their reports;
- ``items``: ``ProvisionedItem`` and the ``Recorder`` that keeps them per tenant;
- ``udefs``, ``lists``, ``web_panels``, ``preferences``: one module per kind of item.
"""

from .engine import provision, unprovision
from .items import ITEM_KINDS, MemoryRecorder, ProvisionedItem, Recorder
from .reports import ItemOutcome, ProvisioningReport, UninstallReport
from .spec import (
    ListSpec,
    PreferenceSpec,
    ProvisioningSpec,
    SpecError,
    UdefFieldSpec,
    WebPanelSpec,
    load_spec,
)
from .udefs import PublishStillBusy, PublishWait

__all__ = [
    "ITEM_KINDS",
    "ItemOutcome",
    "ListSpec",
    "MemoryRecorder",
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
    "load_spec",
    "provision",
    "unprovision",
]
