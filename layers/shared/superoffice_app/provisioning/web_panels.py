"""Web panels (and buttons), found by ProgId.

Only properties of SuperOffice's ``WebPanelEntity`` are sent (it ignores others
silently): the app's name goes into ``Tooltip``, as a web panel has no description.
"""

from __future__ import annotations

from functools import partial
from typing import Any, Final, Literal

from superoffice_app.superoffice.http import SuperOfficeApiError
from superoffice_app.superoffice.rest import TenantApi

from .answers import identifier, is_not_found, live_entries, record, segment
from .items import ProvisionedItem
from .reports import Progress
from .spec import WebPanelSpec

__all__ = ["WebPanelRemover", "provision_web_panels", "web_panel_item"]

PANELS_PATH: Final = "/v1/List/WebPanel/Items"
LIST_PANELS: Final = "v1WebPanelEntityList_GetAllWebPanelEntity"
CREATE_PANEL: Final = "v1WebPanelEntityList_PostWebPanelEntity"


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
    existing = _panel_ids(api)
    for spec in specs:
        found = existing.get(spec.prog_id)
        if found is not None:
            progress.found(web_panel_item(spec, found))
            continue
        body: dict[str, Any] = {
            **spec.attributes,
            "Name": spec.name,
            "ProgId": spec.prog_id,
            "Url": spec.url,
            "VisibleIn": spec.visible_in,
            "Tooltip": spec.tooltip,
            "Deleted": False,
        }
        panel_id = api.fetch(
            "POST",
            PANELS_PATH,
            partial(_new_panel_id, what=f"the new web panel {spec.prog_id}"),
            operation=CREATE_PANEL,
            json=body,
        )
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
            self._ids = _panel_ids(self._api)
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


def _new_panel_id(answer: Any, *, what: str) -> str:
    return identifier(record(answer, what), "WebPanelId", what)


def _panel_ids(api: TenantApi) -> dict[str, str]:
    """The live web panels' ids by ProgId (the first of equal ProgIds wins)."""
    return api.fetch("GET", PANELS_PATH, _ids_by_prog_id, operation=LIST_PANELS)


def _ids_by_prog_id(answer: Any) -> dict[str, str]:
    ids: dict[str, str] = {}
    for panel in live_entries(answer, "the web panels"):
        prog_id = panel.get("ProgId")
        if isinstance(prog_id, str) and prog_id and prog_id not in ids:
            ids[prog_id] = identifier(panel, "WebPanelId", f"web panel {prog_id}")
    return ids
