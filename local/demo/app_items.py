"""Which of the app's items a simulated tenant holds, judged by the app's own provisioning.json.

The app finds its items by ProgId (fields, web panels), name (lists, CRM webhooks) and
section/key (preferences); the demo looks for them the same way in the simulator's control
API (`items` of the tenant, and its webhooks, which SuperOffice keeps apart from the
items), so "nothing left" means nothing the app could ever recognise as its own.
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


@dataclass(frozen=True, order=True)
class ItemKey:
    """An item as the app's records name it: kind and key (ProgId, list name, ...)."""

    kind: str
    key: str

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"


def declared_items(spec: ProvisioningSpec) -> list[ItemKey]:
    """Everything provisioning.json makes the app create, keyed as the app records it."""
    return [
        *(ItemKey("udef", udef.prog_id) for udef in spec.udefs),
        *(ItemKey("list", entry.name) for entry in spec.lists),
        *(ItemKey("list_item", f"{e.name}/{item}") for e in spec.lists for item in e.items),
        *(ItemKey("web_panel", panel.prog_id) for panel in spec.web_panels),
        *(ItemKey("preference", f"{p.section}/{p.key}/{p.level}") for p in spec.preferences),
        *(ItemKey("webhook", hook.name) for hook in spec.webhooks),
    ]


def tenant_items(simulator_url: str, ctx: str) -> set[ItemKey]:
    """Every item the simulated tenant holds, keyed as the app would record it."""
    response = httpx.get(f"{simulator_url}/_control/tenants/{ctx}", timeout=10)
    response.raise_for_status()
    hooks = httpx.get(f"{simulator_url}/_control/tenants/{ctx}/webhooks", timeout=10)
    hooks.raise_for_status()
    return keys_of(response.json()["items"]) | webhook_keys(hooks.json()["webhooks"])


def keys_of(items: dict[str, Any]) -> set[ItemKey]:
    """The keys of the control API's `items` of a tenant (deleted entries left out)."""
    keys = {ItemKey("udef", prog_id) for prog_id in _udef_prog_ids(items.get("udefs", {}))}
    keys |= {ItemKey("web_panel", p["ProgId"]) for p in _alive(items.get("webPanels", []))}
    for entry in _alive(items.get("lists", [])):
        keys.add(ItemKey("list", entry["Name"]))
        keys |= {
            ItemKey("list_item", f"{entry['Name']}/{item['Name']}")
            for item in _alive(entry.get("Items", []))
        }
    keys |= {
        ItemKey("preference", f"{p['Section']}/{p['Key']}/{p['Level']}")
        for p in items.get("preferences", [])
    }
    return keys


def webhook_keys(webhooks: Iterable[dict[str, Any]]) -> set[ItemKey]:
    """The control API's webhooks of a tenant, by name as the app records them."""
    return {ItemKey("webhook", hook["Name"]) for hook in webhooks}


def _udef_prog_ids(udefs: dict[str, Any]) -> Iterable[str]:
    # Both the layout being edited and the published one: a field only in the published
    # layout is still what SuperOffice users see.
    for layouts in udefs.values():
        for layout in ("fields", "published"):
            yield from (field["ProgId"] for field in layouts.get(layout, []))


def _alive(entries: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    return (entry for entry in entries if not entry.get("Deleted", False))
