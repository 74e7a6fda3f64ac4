"""Web panels (and buttons), found by ProgId."""

from __future__ import annotations

from typing import Any, Final, Literal

from superoffice_app.superoffice.http import SuperOfficeApiError
from superoffice_app.superoffice.rest import TenantApi

from .answers import identifier, is_not_found, live_entries, record, segment
from .items import ProvisionedItem
from .reports import Progress
from .spec import WebPanelSpec

__all__ = ["WebPanelRemover", "provision_web_panels", "web_panel_item"]

PANELS_PATH: Final = "/v1/List/WebPanel/Items"


def web_panel_item(spec: WebPanelSpec, panel_id: str) -> ProvisionedItem:
    return ProvisionedItem(
        kind="web_panel",
        key=spec.prog_id,
        superoffice_id=panel_id,
        name=spec.name,
        details={"visible_in": spec.visible_in, "url": spec.url},
    )


def provision_web_panels(
    specs: tuple[WebPanelSpec, ...], api: TenantApi, progress: Progress
) -> None:
    """Create the web panels that are missing; record every one of them.

    A panel found by ProgId is left as it is: the customer's administrator may have
    adjusted it, and provisioning adds, it does not overwrite.
    """
    if not specs:
        return
    existing = _by_prog_id(api)
    for spec in specs:
        entry = existing.get(spec.prog_id)
        if entry is not None:
            progress.found(web_panel_item(spec, identifier(entry, "WebPanelId", spec.prog_id)))
            continue
        body: dict[str, Any] = {
            **spec.attributes,
            "Name": spec.name,
            "ProgId": spec.prog_id,
            "Url": spec.url,
            "VisibleIn": spec.visible_in,
            "Description": spec.description,
            "Deleted": False,
        }
        answer = record(api.post(PANELS_PATH, json=body), f"POST {PANELS_PATH}")
        panel_id = identifier(answer, "WebPanelId", f"new web panel {spec.prog_id}")
        progress.created(web_panel_item(spec, panel_id))


class WebPanelRemover:
    """Deletes web panels by ProgId, looking the panels up once."""

    def __init__(self, api: TenantApi) -> None:
        self._api = api
        self._ids: dict[str, str] | None = None

    def remove(self, item: ProvisionedItem) -> Literal["removed", "already_gone"]:
        # By ProgId, not by the recorded id, for the same reason as lists (ids can be
        # reused after a restore).
        if self._ids is None:
            self._ids = {
                prog_id: identifier(entry, "WebPanelId", prog_id)
                for prog_id, entry in _by_prog_id(self._api).items()
            }
        panel_id = self._ids.get(item.key)
        if panel_id is None:
            return "already_gone"
        try:
            self._api.delete(f"{PANELS_PATH}/{segment(panel_id)}")
        except SuperOfficeApiError as error:
            if is_not_found(error):
                return "already_gone"
            raise
        return "removed"


def _by_prog_id(api: TenantApi) -> dict[str, dict[str, Any]]:
    panels = live_entries(api.get(PANELS_PATH), f"GET {PANELS_PATH}")
    by_prog_id: dict[str, dict[str, Any]] = {}
    for panel in panels:
        prog_id = panel.get("ProgId")
        if isinstance(prog_id, str) and prog_id and prog_id not in by_prog_id:
            by_prog_id[prog_id] = panel
    return by_prog_id
