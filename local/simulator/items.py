"""Everything an app provisions in a tenant: user-defined fields, lists, web panels, preferences.

Kept together because a production sandbox starts as a copy of exactly this set.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from local.simulator.lists import Lists
from local.simulator.preferences import Preferences
from local.simulator.udefs import Udefs
from local.simulator.web_panels import WebPanels


@dataclass
class TenantItems:
    udefs: Udefs = field(default_factory=Udefs)
    lists: Lists = field(default_factory=Lists)
    web_panels: WebPanels = field(default_factory=WebPanels)
    preferences: Preferences = field(default_factory=Preferences)

    def copy(self) -> TenantItems:
        """An independent copy with the same ids (as a sandbox clone keeps them)."""
        return copy.deepcopy(self)

    def snapshot(self) -> dict[str, Any]:
        return {
            "udefs": self.udefs.snapshot(),
            "lists": self.lists.snapshot(),
            "webPanels": self.web_panels.all(),
            "preferences": self.preferences.all(),
        }
