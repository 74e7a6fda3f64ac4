"""`{Api}/v1/{Entity}/UdefLayout...`: user-defined fields, their publishing and deletion.

`GET .../UdefLayout/Publish` answers true for `publish_busy_seconds` after each publish
(0 unless set through the control API), and a publish meanwhile is refused with 409, so
apps can be seen waiting for "false" before they publish.
"""

from __future__ import annotations

from local.simulator.rest import RestCall, RestHandler
from local.simulator.routing import BadRequest, Conflict, PathRouter, Response
from local.simulator.udefs import canonical_entity, canonical_field_type, field_template

LAYOUT: str = "/v1/{entity}/UdefLayout"


def register(api: PathRouter[RestHandler]) -> None:
    api.add("POST", LAYOUT, new_field_template)
    api.add("GET", LAYOUT, get_layout)
    api.add("PUT", LAYOUT, put_layout)
    api.add("GET", LAYOUT + "/Publish", is_publishing)
    api.add("POST", LAYOUT + "/Publish", publish)
    # After the Publish routes, so that only DELETE reaches a field named "Publish".
    api.add("DELETE", LAYOUT + "/{field}", delete_field)


def _entity(call: RestCall) -> str:
    return canonical_entity(call.param("entity"))


def new_field_template(call: RestCall) -> Response:
    entity = _entity(call)
    field_type = call.request.query_value("udefFieldType")
    if not field_type:
        raise BadRequest("udefFieldType is required (Text, Number, ...)")
    return Response.json(field_template(entity, canonical_field_type(field_type)))


def get_layout(call: RestCall) -> Response:
    return Response.json(call.tenant.items.udefs.fields(_entity(call)))


def put_layout(call: RestCall) -> Response:
    entity = _entity(call)
    return Response.json(call.tenant.items.udefs.replace(entity, call.json()))


def is_publishing(call: RestCall) -> Response:
    _entity(call)
    return Response.json(call.state.now() < call.tenant.publish_busy_until)


def publish(call: RestCall) -> Response:
    entity = _entity(call)
    tenant = call.tenant
    now = call.state.now()
    if now < tenant.publish_busy_until:
        raise Conflict("another publish is in progress; wait until GET .../Publish is false")
    tenant.items.udefs.publish(entity)
    tenant.publish_busy_until = now + tenant.publish_busy_seconds
    # Documented: 200 with an integer, its meaning not documented; the simulator answers
    # how many fields the published layout has.
    return Response.json(len(tenant.items.udefs.fields(entity)))


def delete_field(call: RestCall) -> Response:
    call.tenant.items.udefs.delete(_entity(call), call.param("field"))
    return Response.no_content()
