"""`{Api}/v1/Webhook...`: registering CRM webhooks (protocol 6).

Saving a webhook that is (or becomes) `Active` first sends the test event to its
`TargetUrl` and refuses the save unless the answer is 200. That call is made without the
state lock (see `rest.unlocked`), so a slow app never stalls the simulator.
"""

from __future__ import annotations

from typing import Any

from local.simulator.rest import RestCall, RestHandler, unlocked
from local.simulator.rest_principal import SYSTEM_USER_ASSOCIATE_ID
from local.simulator.routing import BadRequest, PathRouter, Response
from local.simulator.webhook_delivery import send_test_event
from local.simulator.webhooks import webhook_fields

WEBHOOKS: str = "/v1/Webhook"


def register(api: PathRouter[RestHandler]) -> None:
    api.add("GET", WEBHOOKS, all_webhooks)
    api.add("POST", WEBHOOKS, create_webhook)
    api.add("GET", WEBHOOKS + "/{id}", get_webhook)
    api.add("PUT", WEBHOOKS + "/{id}", replace_webhook)
    api.add("DELETE", WEBHOOKS + "/{id}", delete_webhook)


def all_webhooks(call: RestCall) -> Response:
    hooks = call.tenant.webhooks.all(call.request.query_value("nameFilter"))
    return Response.json([webhook.to_json() for webhook in hooks])


def get_webhook(call: RestCall) -> Response:
    return Response.json(call.tenant.webhooks.get(call.id_param("id")).to_json())


def delete_webhook(call: RestCall) -> Response:
    call.tenant.webhooks.delete(call.id_param("id"))
    return Response.no_content()


@unlocked
def create_webhook(call: RestCall) -> Response:
    fields = _checked_fields(call)
    with call.state.lock:
        return Response.json(call.tenant.webhooks.add(fields).to_json())


@unlocked
def replace_webhook(call: RestCall) -> Response:
    webhook_id = call.id_param("id")
    with call.state.lock:
        call.tenant.webhooks.get(webhook_id)  # 404 before calling the app
    fields = _checked_fields(call)
    with call.state.lock:
        return Response.json(call.tenant.webhooks.replace(webhook_id, fields).to_json())


def _checked_fields(call: RestCall) -> dict[str, Any]:
    """The body's fields, tested against the target when they make an active webhook."""
    associate_id = call.principal.associate_id or SYSTEM_USER_ASSOCIATE_ID
    fields = webhook_fields(call.json_object(), associate_id=associate_id)
    if fields["State"] == "Active":
        answer = send_test_event(call.state, fields)
        if answer.status != 200:
            outcome = answer.error or f"HTTP {answer.status}"
            raise BadRequest(f"Webhook test to {fields['TargetUrl']} failed: {outcome}")
    return fields
