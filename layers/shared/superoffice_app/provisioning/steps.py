"""The provisioning step a SuperOffice operation belongs to, in words for people.

The audit trail and the pages name the step where SuperOffice answered something the app
did not expect; the log line beside it names the operation itself.
"""

from __future__ import annotations

from typing import Final

__all__ = ["step_of"]

# By the operationId's verb (after the `v1<Area>_` prefix): the UdefLayout operations
# exist once per entity.
_STEPS: Final = {
    "GetUdefLayout": "reading the user-defined fields",
    "AddUdefField": "adding a user-defined field",
    "IsPublishUdefLayoutActive": "publishing the user-defined fields",
    "GetListDefinitions": "reading the lists",
    "PostListEntity": "creating a list",
    "GetAllFromListDefinition": "reading a list's items",
    "AddFromListDefinition": "adding a list item",
    "GetAllWebPanelEntity": "reading the web panels",
    "PostWebPanelEntity": "creating a web panel",
    "GetPrefValueAtLevel": "reading the app's preference",
    "GetPreferenceByName": "finding the app's preference",
    "GetAllWebhooks": "reading the webhooks",
    "GetWebhook": "reading the webhook",
    "PostWebhook": "registering the webhook",
}


def step_of(operation: str | None, *, default: str = "setting the app up in SuperOffice") -> str:
    """``"reading the web panels"`` for ``v1WebPanelEntityList_GetAllWebPanelEntity``."""
    if not operation:
        return default
    verb = operation.rpartition("_")[2]
    return _STEPS.get(verb, f"calling {operation}")
