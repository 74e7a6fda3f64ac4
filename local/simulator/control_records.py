"""The control API's records, webhook health and outbound settings.

Saving or deleting a record emits `{entity}.created/changed/deleted` to the tenant's
webhooks, as a user's edit in SuperOffice would. Conventions as in `control`; every
endpoint is listed in `local/simulator/README.md`.
"""

from __future__ import annotations

from typing import Any, Final

from local.simulator.bodies import json_object
from local.simulator.context import SimulatorContext
from local.simulator.records import RecordChange
from local.simulator.routing import BadRequest, NotFound, Request, Response, Router
from local.simulator.tenants import Tenant
from local.simulator.webhook_delivery import publish

PREFIX: Final = "/_control"
TENANT: Final = PREFIX + "/tenants/{ctx}"
# Who changed the record, unless the body says: the seeded administrator.
DEFAULT_ASSOCIATE_ID: Final = 1
MAX_TIMEOUT_SECONDS: Final = 60.0


def _whole(value: object, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise BadRequest(f"{name} must be a whole number of at least 1")
    return value


def _number(body: dict[str, Any], name: str, low: float, high: float) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise BadRequest(f"{name} must be a number from {low:g} to {high:g}")
    return float(value)


def register(router: Router, context: SimulatorContext) -> None:
    state = context.state

    def tenant_of(request: Request) -> Tenant:
        return state.tenant(request.path_parameters["ctx"])

    def emitted(tenant: Tenant, change: RecordChange, associate_id: int) -> dict[str, Any]:
        webhooks = publish(
            state,
            tenant,
            entity=change.entity,
            event=change.event,
            primary_key=change.primary_key,
            changes=change.changes,
            field_values=change.field_values,
            associate_id=associate_id,
        )
        return {
            "ctx": tenant.ctx,
            "entity": change.entity,
            "primaryKey": change.primary_key,
            "event": change.event,
            "changes": change.changes,
            "fieldValues": change.field_values,
            "webhooks": webhooks,
        }

    def save_record(request: Request) -> Response:
        body = json_object(request)
        values = body.get("fields", {})
        if not isinstance(values, dict):
            raise BadRequest('fields must be an object: {"fields": {"name": "Acme"}}')
        primary_key = _whole(body["id"], "id") if body.get("id") is not None else None
        associate_id = _whole(body.get("associateId", DEFAULT_ASSOCIATE_ID), "associateId")
        with state.lock:
            tenant = tenant_of(request)
            change = tenant.records.save(request.path_parameters["entity"], values, primary_key)
            answer = emitted(tenant, change, associate_id)
        return Response.json(answer, status=201 if change.action == "created" else 200)

    def delete_record(request: Request) -> Response:
        value = request.path_parameters["id"]
        if not (value.isascii() and value.isdigit()):
            raise NotFound(f"{value!r} is not an id")
        with state.lock:
            tenant = tenant_of(request)
            change = tenant.records.delete(request.path_parameters["entity"], int(value))
            return Response.json(emitted(tenant, change, DEFAULT_ASSOCIATE_ID))

    def list_records(request: Request) -> Response:
        with state.lock:
            tenant = tenant_of(request)
            return Response.json({"ctx": tenant.ctx, "records": tenant.records.snapshot()})

    def list_webhooks(request: Request) -> Response:
        with state.lock:
            tenant = tenant_of(request)
            hooks = [webhook.health() for webhook in tenant.webhooks.all()]
            return Response.json({"ctx": tenant.ctx, "webhooks": hooks})

    def outbound_answer() -> Response:
        settings = state.outbound
        return Response.json(
            {"delayScale": settings.delay_scale, "timeoutSeconds": settings.timeout_seconds}
        )

    def get_outbound(_request: Request) -> Response:
        return outbound_answer()

    def set_outbound(request: Request) -> Response:
        body = json_object(request)
        scale = _number(body, "delayScale", 0, 10)
        timeout = _number(body, "timeoutSeconds", 0.1, MAX_TIMEOUT_SECONDS)
        with state.lock:
            if scale is not None:
                state.outbound.delay_scale = scale
            if timeout is not None:
                state.outbound.timeout_seconds = timeout
        return outbound_answer()

    router.add("GET", TENANT + "/records", list_records)
    router.add("POST", TENANT + "/records/{entity}", save_record)
    router.add("DELETE", TENANT + "/records/{entity}/{id}", delete_record)
    router.add("GET", TENANT + "/webhooks", list_webhooks)
    router.add("GET", PREFIX + "/outbound", get_outbound)
    router.add("PUT", PREFIX + "/outbound", set_outbound)
