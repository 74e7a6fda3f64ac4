"""Web panels and buttons of one tenant (`{Api}/v1/List/WebPanel/Items`)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Final

from local.simulator.routing import BadRequest, NotFound

# A web panel as SuperOffice answers it (its WebPanelEntity); a POST or PUT may leave out
# any of these. Any other property (an app's "Description": a web panel has none) is
# ignored, as SuperOffice ignores it; the contract check reports it on the request.
WEB_PANEL_DEFAULTS: Final[dict[str, Any]] = {
    "WebPanelId": 0,
    "Name": "",
    "Tooltip": "",
    "Deleted": False,
    "Rank": 0,
    "UrlEncoding": "None",
    "VisibleIn": "Invisible",
    "OnCentral": True,
    "OnSatellite": False,
    "OnTravel": False,
    "OnSalesMarketingWeb": False,
    "OnSalesMarketingPocket": False,
    "ShowInMenuBar": False,
    "ShowInToolBar": False,
    "ShowInAddressBar": False,
    "ShowInStatusBar": False,
    "WindowName": "",
    "Url": "",
    "ProgId": "",
    "Icon": 0,
    "AlwaysReloadOnShow": False,
    "NeverReloadOnCurrentChange": False,
}
_TEXT_FIELDS: Final = ("Tooltip", "UrlEncoding", "VisibleIn", "WindowName", "Url", "ProgId")


def web_panel(panel_id: int, body: dict[str, Any]) -> dict[str, Any]:
    name = body.get("Name")
    if not isinstance(name, str) or not name.strip():
        raise BadRequest("Name must be a non-empty string")
    for key in _TEXT_FIELDS:
        if key in body and body[key] is not None and not isinstance(body[key], str):
            raise BadRequest(f"{key} must be a string")
    known = {key: copy.deepcopy(value) for key, value in body.items() if key in WEB_PANEL_DEFAULTS}
    panel = {**WEB_PANEL_DEFAULTS, **known}
    panel.update(WebPanelId=panel_id, Name=name.strip())
    for key in _TEXT_FIELDS:
        panel[key] = panel[key] or ""
    return panel


@dataclass
class WebPanels:
    panels: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_id: int = 1

    def all(self) -> list[dict[str, Any]]:
        return [copy.deepcopy(self.panels[key]) for key in sorted(self.panels)]

    def get(self, panel_id: int) -> dict[str, Any]:
        return copy.deepcopy(self._panel(panel_id))

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        panel = web_panel(self.next_id, body)
        self.next_id += 1
        self.panels[panel["WebPanelId"]] = panel
        return copy.deepcopy(panel)

    def replace(self, panel_id: int, body: dict[str, Any]) -> dict[str, Any]:
        self._panel(panel_id)
        panel = web_panel(panel_id, body)
        self.panels[panel_id] = panel
        return copy.deepcopy(panel)

    def delete(self, panel_id: int) -> None:
        self._panel(panel_id)
        del self.panels[panel_id]

    def _panel(self, panel_id: int) -> dict[str, Any]:
        try:
            return self.panels[panel_id]
        except KeyError:
            raise NotFound(f"there is no web panel with id {panel_id}") from None
