"""`{Api}/v1/List...`: list definitions and their items."""

from __future__ import annotations

from local.simulator.rest import RestCall, RestHandler
from local.simulator.routing import PathRouter, Response


def register(api: PathRouter[RestHandler]) -> None:
    api.add("GET", "/v1/List", all_lists)
    api.add("POST", "/v1/List", create_list)
    api.add("GET", "/v1/List/{id}", get_list)
    api.add("DELETE", "/v1/List/{id}", delete_list)
    api.add("GET", "/v1/List/{id}/Items", list_items)
    api.add("POST", "/v1/List/{id}/Items", add_item)


def all_lists(call: RestCall) -> Response:
    return Response.json(call.tenant.items.lists.all())


def create_list(call: RestCall) -> Response:
    return Response.json(call.tenant.items.lists.create(call.json_object()))


def get_list(call: RestCall) -> Response:
    return Response.json(call.tenant.items.lists.get(call.id_param("id")))


def delete_list(call: RestCall) -> Response:
    call.tenant.items.lists.delete(call.id_param("id"))
    return Response.no_content()


def list_items(call: RestCall) -> Response:
    return Response.json(call.tenant.items.lists.items_of(call.id_param("id")))


def add_item(call: RestCall) -> Response:
    return Response.json(call.tenant.items.lists.add_item(call.id_param("id"), call.json_object()))
