"""Preferences, identified by section, key and level."""

from __future__ import annotations

from typing import Literal

from superoffice_app.superoffice.http import SuperOfficeApiError
from superoffice_app.superoffice.rest import TenantApi

from .answers import is_not_found, segment
from .items import ProvisionedItem
from .reports import Progress
from .spec import PreferenceSpec

__all__ = ["preference_item", "provision_preferences", "remove_preference"]


def preference_path(section: str, key: str, level: str) -> str:
    return f"/v1/Preference/{segment(section)}/{segment(key)}/{segment(level)}"


def preference_item(spec: PreferenceSpec, value: str) -> ProvisionedItem:
    return ProvisionedItem(
        kind="preference",
        key=f"{spec.section}/{spec.key}/{spec.level}",
        superoffice_id=None,
        name=f"{spec.section}/{spec.key}",
        details={"section": spec.section, "key": spec.key, "level": spec.level, "value": value},
    )


def provision_preferences(
    specs: tuple[PreferenceSpec, ...], api: TenantApi, progress: Progress
) -> None:
    """Set the preferences that are not set; one already set keeps its value."""
    for spec in specs:
        path = preference_path(spec.section, spec.key, spec.level)
        current = _current_value(api, path)
        if current is not None:
            progress.found(preference_item(spec, current))
            continue
        api.put(path, params={"value": spec.value})
        progress.created(preference_item(spec, spec.value))


def remove_preference(api: TenantApi, item: ProvisionedItem) -> Literal["removed", "already_gone"]:
    details = item.details
    section, key, level = (str(details.get(name, "")) for name in ("section", "key", "level"))
    if not (section and key and level):
        section, key, level = _split_key(item.key)
    try:
        api.delete(preference_path(section, key, level))
    except SuperOfficeApiError as error:
        if is_not_found(error):
            return "already_gone"
        raise
    return "removed"


def _current_value(api: TenantApi, path: str) -> str | None:
    try:
        answer = api.get(path)
    except SuperOfficeApiError as error:
        if is_not_found(error):
            return None
        raise
    if isinstance(answer, dict):
        value = answer.get("Value")
        if value is not None:
            return str(value)
    return None


def _split_key(key: str) -> tuple[str, str, str]:
    section, _, rest = key.partition("/")
    name, _, level = rest.rpartition("/")
    return section, name, level
