"""Preferences, identified by section, key and level.

Set and read through the REST API: ``v1Preference_SetPrefValueAtLevel`` and
``v1Preference_GetPrefValueAtLevel``, which answers the value itself as a JSON string.
REST documents no way to remove a preference, so uninstall uses the Preference agent:
``v1PreferenceAgent_GetPreferenceByName`` finds the stored preference at exactly that
level (its ``UserPreferenceId``), ``v1PreferenceAgent_DeletePreference`` removes it.
"""

from __future__ import annotations

from functools import partial
from typing import Any, Final, Literal

from superoffice_app.superoffice.http import SuperOfficeApiError, UnexpectedResponse
from superoffice_app.superoffice.rest import TenantApi

from .answers import is_not_found, record, segment
from .documented import canonical_preference_level
from .items import ProvisionedItem
from .reports import Progress
from .spec import PreferenceSpec

__all__ = [
    "DELETE_PREFERENCE",
    "FIND_PREFERENCE",
    "GET_PREFERENCE",
    "SET_PREFERENCE",
    "preference_item",
    "provision_preferences",
    "remove_preference",
]

GET_PREFERENCE: Final = "v1Preference_GetPrefValueAtLevel"
SET_PREFERENCE: Final = "v1Preference_SetPrefValueAtLevel"
FIND_PREFERENCE: Final = "v1PreferenceAgent_GetPreferenceByName"
DELETE_PREFERENCE: Final = "v1PreferenceAgent_DeletePreference"
AGENT_PATH: Final = "/v1/Agents/Preference"
# The agent's Level for "no value at the level asked for".
_NOT_SET: Final = "Undefined"


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
    """Set the preferences that are not set; one already set keeps its value.

    A value found is the customer's (an administrator's, or an earlier install's that
    an administrator may have changed since): it is recorded, never overwritten.
    """
    for spec in specs:
        path = preference_path(spec.section, spec.key, spec.level)
        current = _current_value(api, path)
        if current is not None:
            progress.found(preference_item(spec, current))
            continue
        api.put(path, params={"value": spec.value})
        progress.created(preference_item(spec, spec.value))


def remove_preference(api: TenantApi, item: ProvisionedItem) -> Literal["removed", "already_gone"]:
    """Remove the preference at exactly the recorded level; gone already counts as removed.

    Only the stored preference of that section, key and level is deleted: a value
    SuperOffice reports from another level (a system-wide default, another user's) is not
    the app's and stays.
    """
    section, key, level = _address(item)
    preference_id = _stored_id(api, section, key, level)
    if preference_id is None:
        return "already_gone"
    try:
        api.post(f"{AGENT_PATH}/DeletePreference", json={"Id": preference_id})
    except SuperOfficeApiError as error:
        if is_not_found(error):
            return "already_gone"
        raise
    return "removed"


def _current_value(api: TenantApi, path: str) -> str | None:
    try:
        return api.fetch("GET", path, _value, operation=GET_PREFERENCE)
    except SuperOfficeApiError as error:
        if is_not_found(error):
            return None
        raise


def _value(answer: Any) -> str | None:
    """The documented answer is the value as a JSON string. Not set: SuperOffice's
    documentation does not say; an empty string, an empty body and ``null`` all read as
    "not set" (as does 404, above), since a preference that holds nothing does nothing."""
    if answer is None or answer == "":
        return None
    if isinstance(answer, str):
        return answer
    raise UnexpectedResponse("the preference's value: expected a JSON string")


def _stored_id(api: TenantApi, section: str, key: str, level: str) -> int | None:
    """The ``UserPreferenceId`` of the preference stored at ``level``; None if there is none."""
    try:
        return api.fetch(
            "POST",
            f"{AGENT_PATH}/GetPreferenceByName",
            partial(_preference_id, section=section, key=key, level=level),
            operation=FIND_PREFERENCE,
            json={"PrefSection": section, "PrefKey": key, "PrefLevel": level},
        )
    except SuperOfficeApiError as error:
        if is_not_found(error):
            return None
        raise


def _preference_id(answer: Any, *, section: str, key: str, level: str) -> int | None:
    if answer is None:
        return None
    preference = record(answer, "the preference")
    found_level = preference.get("Level")
    if found_level is None or found_level == _NOT_SET:
        return None
    if not isinstance(found_level, str):
        raise UnexpectedResponse("the preference: Level is not a string")
    if found_level.lower() != level.lower():
        # "The level at which this value was found": another level's value, not ours.
        return None
    specification = preference.get("Specification")
    if isinstance(specification, dict) and (
        str(specification.get("Section", "")).lower(),
        str(specification.get("Key", "")).lower(),
    ) != (section.lower(), key.lower()):
        raise UnexpectedResponse("the preference found is not the one asked for")
    preference_id = preference.get("UserPreferenceId")
    if isinstance(preference_id, bool) or not isinstance(preference_id, int) or preference_id < 1:
        raise UnexpectedResponse("the preference: UserPreferenceId is missing")
    return preference_id


def _address(item: ProvisionedItem) -> tuple[str, str, str]:
    """Section, key and level of a record, the level in SuperOffice's documented name
    (a record written before the project used them may say ``PCSpecific``)."""
    details = item.details
    section, key, level = (str(details.get(name, "")) for name in ("section", "key", "level"))
    if not (section and key and level):
        section, key, level = _split_key(item.key)
    return section, key, canonical_preference_level(level) or level


def _split_key(key: str) -> tuple[str, str, str]:
    section, _, rest = key.partition("/")
    name, _, level = rest.rpartition("/")
    return section, name, level
