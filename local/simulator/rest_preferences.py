"""Preferences: `{Api}/v1/Preference/{section}/{key}/{level}` (read: the value as a JSON
string; set: `PUT ...?value=`, 204) and the Preference agent's
`{Api}/v1/Agents/Preference/GetPreferenceByName`, `DeletePreference` and
`DeletePreferences`, the documented way to remove one (REST has no DELETE).
"""

from __future__ import annotations

from typing import Any

from local.simulator.rest import RestCall, RestHandler
from local.simulator.routing import BadRequest, PathRouter, Response

PREFERENCE: str = "/v1/Preference/{section}/{key}/{level}"
AGENT: str = "/v1/Agents/Preference"


def register(api: PathRouter[RestHandler]) -> None:
    api.add("GET", PREFERENCE, get_preference)
    api.add("PUT", PREFERENCE, put_preference)
    api.add("POST", AGENT + "/GetPreferenceByName", preference_by_name)
    api.add("POST", AGENT + "/DeletePreference", delete_preference)
    api.add("POST", AGENT + "/DeletePreferences", delete_preferences)


def _address(call: RestCall) -> tuple[str, str, str]:
    return call.param("section"), call.param("key"), call.param("level")


def get_preference(call: RestCall) -> Response:
    return Response.json(call.tenant.items.preferences.value(*_address(call)))


def put_preference(call: RestCall) -> Response:
    value = call.request.query_value("value")
    if value is None:
        raise BadRequest("give the preference's value as ?value=...")
    call.tenant.items.preferences.put(*_address(call), value)
    return Response.no_content()


def preference_by_name(call: RestCall) -> Response:
    body = call.json_object()
    section, key, level = (_text(body, name) for name in ("PrefSection", "PrefKey", "PrefLevel"))
    return Response.json(call.tenant.items.preferences.by_name(section, key, level))


def delete_preference(call: RestCall) -> Response:
    call.tenant.items.preferences.delete_id(_whole_number(call.json_object().get("Id"), "Id"))
    return Response.no_content()


def delete_preferences(call: RestCall) -> Response:
    ids = call.json_object().get("Ids")
    if not isinstance(ids, list):
        raise BadRequest("Ids must be a list of preference ids")
    call.tenant.items.preferences.delete_ids([_whole_number(i, "Ids") for i in ids])
    return Response.no_content()


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise BadRequest(f"{name} must be a non-empty string")
    return value


def _whole_number(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise BadRequest(f"{name} must hold preference ids (whole numbers above 0)")
    return value
