"""`{Api}/v1/List/WebPanel/Items...`: web panels and buttons.

Registered before `rest_lists`, whose `/v1/List/{id}/Items` would take "WebPanel" for an id.
"""

from __future__ import annotations

from local.simulator.rest import RestCall, RestHandler
from local.simulator.routing import PathRouter, Response

ITEMS: str = "/v1/List/WebPanel/Items"


def register(api: PathRouter[RestHandler]) -> None:
    api.add("GET", ITEMS, all_panels)
    api.add("POST", ITEMS, create_panel)
    api.add("GET", ITEMS + "/{id}", get_panel)
    api.add("PUT", ITEMS + "/{id}", replace_panel)
    api.add("DELETE", ITEMS + "/{id}", delete_panel)


def all_panels(call: RestCall) -> Response:
    return Response.json(call.tenant.items.web_panels.all())


def create_panel(call: RestCall) -> Response:
    return Response.json(call.tenant.items.web_panels.create(call.json_object()))


def get_panel(call: RestCall) -> Response:
    return Response.json(call.tenant.items.web_panels.get(call.id_param("id")))


def replace_panel(call: RestCall) -> Response:
    panels = call.tenant.items.web_panels
    return Response.json(panels.replace(call.id_param("id"), call.json_object()))


def delete_panel(call: RestCall) -> Response:
    call.tenant.items.web_panels.delete(call.id_param("id"))
    return Response.no_content()
