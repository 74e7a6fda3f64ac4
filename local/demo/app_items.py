"""Which of the app's items a simulated tenant holds, judged by the app's own provisioning.json.

The app finds its items by ProgId (fields, web panels), name (lists) and section/key
(preferences); the demo looks for them the same way in the simulator's control API, so
"nothing left" means nothing the app could ever recognise as its own.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from local import defaults

if TYPE_CHECKING:
    from superoffice_app.provisioning.spec import ProvisioningSpec

# The app's shared code is a Lambda layer, not an installed package: put it on the path
# the way Lambda does, so the demo reads the very spec the deployed functions read.
LAYER_PATH = defaults.REPO_ROOT / "layers" / "shared"


def load_app_spec(app_base_url: str) -> ProvisioningSpec:
    if str(LAYER_PATH) not in sys.path:
        sys.path.append(str(LAYER_PATH))
    from superoffice_app.provisioning.spec import load_spec

    return load_spec(app_base_url=app_base_url)


@dataclass(frozen=True)
class AppItem:
    """One item the spec declares: its kind and the identity the app finds it by."""

    kind: str
    identity: str


def declared_items(spec: ProvisioningSpec) -> list[AppItem]:
    return [
        *(AppItem("udef", udef.prog_id) for udef in spec.udefs),
        *(AppItem("list", entry.name) for entry in spec.lists),
        *(AppItem("web_panel", panel.prog_id) for panel in spec.web_panels),
        *(AppItem("preference", f"{p.section}/{p.key}") for p in spec.preferences),
    ]


def tenant_snapshot(simulator_url: str, ctx: str) -> dict[str, Any]:
    response = httpx.get(f"{simulator_url}/_control/tenants/{ctx}", timeout=10)
    response.raise_for_status()
    snapshot: dict[str, Any] = response.json()
    return snapshot


def present_in_tenant(spec: ProvisioningSpec, items: dict[str, Any]) -> list[AppItem]:
    """The spec's items that exist in `items` (the control API's `items` of a tenant)."""
    prog_ids = set(_udef_prog_ids(items.get("udefs", {})))
    prog_ids |= {p["ProgId"] for p in _alive(items.get("webPanels", []))}
    list_names = {entry["Name"] for entry in _alive(items.get("lists", []))}
    preferences = {f"{p['Section']}/{p['Key']}" for p in items.get("preferences", [])}
    found = {"udef": prog_ids, "web_panel": prog_ids, "list": list_names}
    found["preference"] = preferences
    return [item for item in declared_items(spec) if item.identity in found[item.kind]]


def _udef_prog_ids(udefs: dict[str, Any]) -> Iterable[str]:
    # Both the layout being edited and the published one: a field only in the published
    # layout is still what SuperOffice users see.
    for layouts in udefs.values():
        for layout in ("fields", "published"):
            yield from (field["ProgId"] for field in layouts.get(layout, []))


def _alive(entries: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    return (entry for entry in entries if not entry.get("Deleted", False))
