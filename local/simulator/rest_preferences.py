"""`{Api}/v1/Preference/{section}/{key}/{level}`: read, set (`PUT ...?value=`: 204), delete.

SuperOffice documents no DELETE here (the contract check refuses it in `enforce` mode):
the route stays until the app removes its preference the documented way.
"""

from __future__ import annotations

from local.simulator.rest import RestCall, RestHandler
from local.simulator.routing import BadRequest, PathRouter, Response

PREFERENCE: str = "/v1/Preference/{section}/{key}/{level}"


def register(api: PathRouter[RestHandler]) -> None:
    api.add("GET", PREFERENCE, get_preference)
    api.add("PUT", PREFERENCE, put_preference)
    api.add("DELETE", PREFERENCE, delete_preference)


def _address(call: RestCall) -> tuple[str, str, str]:
    return call.param("section"), call.param("key"), call.param("level")


def get_preference(call: RestCall) -> Response:
    return Response.json(call.tenant.items.preferences.get(*_address(call)))


def put_preference(call: RestCall) -> Response:
    value = call.request.query_value("value")
    if value is None:
        raise BadRequest("give the preference's value as ?value=...")
    call.tenant.items.preferences.put(*_address(call), value)
    return Response.no_content()


def delete_preference(call: RestCall) -> Response:
    call.tenant.items.preferences.delete(*_address(call))
    return Response.no_content()
