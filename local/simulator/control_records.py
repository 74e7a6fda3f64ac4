"""The control API's records, webhook health and outbound settings.

Saving or deleting a record emits `{entity}.created/changed/deleted` to the tenant's
webhooks, as a user's edit in SuperOffice would (unless `"notify": false`). A contact or
person deleted in the user interface is soft-deleted (`softdelete`: `DeletedDate` set,
`{entity}.softdeleted`), removed for good later (DELETE: `{entity}.deleted`) or restored
(`restore`: `DeletedDate` cleared, `{entity}.changed`, the only documented event a row
change makes). Bulk creation is quiet: it makes data for archive queries, not events.
Conventions as in `control`; every endpoint is listed in `local/simulator/README.md`.
"""

from __future__ import annotations

import math
from typing import Any, Final

from local.simulator.bodies import json_object
from local.simulator.context import SimulatorContext
from local.simulator.records import RecordChange, canonical_entity
from local.simulator.routing import BadRequest, NotFound, Request, Response, Router
from local.simulator.tenants import Tenant
from local.simulator.timestamps import format_timestamp, whole_seconds
from local.simulator.webhook_delivery import publish

PREFIX: Final = "/_control"
TENANT: Final = PREFIX + "/tenants/{ctx}"
# Who changed the record, unless the body says: the seeded administrator.
DEFAULT_ASSOCIATE_ID: Final = 1
MAX_TIMEOUT_SECONDS: Final = 60.0
MAX_BULK: Final = 100_000


def _whole(value: object, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise BadRequest(f"{name} must be a whole number of at least 1")
    return value


def _flag(body: dict[str, Any], name: str, default: bool) -> bool:
    value = body.get(name, default)
    if not isinstance(value, bool):
        raise BadRequest(f"{name} must be true or false")
    return value


def _moment(body: dict[str, Any], name: str) -> int | None:
    """A datetime of the body as whole seconds, or None when left out."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be a datetime such as '2026-11-01T10:00:05'")
    try:
        return whole_seconds(value)
    except ValueError as error:
        raise BadRequest(f"{name}: {error}") from None


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

    def emitted(
        tenant: Tenant, change: RecordChange, associate_id: int, *, notify: bool = True
    ) -> dict[str, Any]:
        webhooks = []
        if notify:
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
            "updated": format_timestamp(change.updated),
            "webhooks": webhooks,
        }

    def save_record(request: Request) -> Response:
        body = json_object(request)
        values = body.get("fields", {})
        if not isinstance(values, dict):
            raise BadRequest('fields must be an object: {"fields": {"name": "Acme"}}')
        primary_key = _whole(body["id"], "id") if body.get("id") is not None else None
        associate_id = _whole(body.get("associateId", DEFAULT_ASSOCIATE_ID), "associateId")
        updated, registered = _moment(body, "updated"), _moment(body, "registered")
        notify = _flag(body, "notify", default=True)
        with state.lock:
            tenant = tenant_of(request)
            change = tenant.records.save(
                request.path_parameters["entity"],
                values,
                primary_key,
                now=state.now(),
                updated=updated,
                registered=registered,
            )
            answer = emitted(tenant, change, associate_id, notify=notify)
        return Response.json(answer, status=201 if change.action == "created" else 200)

    def bulk_create(request: Request) -> Response:
        body = json_object(request)
        count = _whole(body.get("count"), "count")
        if count > MAX_BULK:
            raise BadRequest(f"count must be at most {MAX_BULK}")
        per_second = _whole(body.get("perSecond", 1), "perSecond")
        fields = body.get("fields", {})
        if not isinstance(fields, dict):
            raise BadRequest('fields must be an object: {"fields": {"name": "Bulk {n}"}}')
        start = _moment(body, "startAt")
        entity = canonical_entity(request.path_parameters["entity"])
        with state.lock:
            tenant = tenant_of(request)
            if start is None:
                # Ends the second before the clock's current one.
                start = int(state.now() // 1) - math.ceil(count / per_second)
            result = tenant.records.bulk(
                entity, count, per_second=per_second, start=start, fields=fields
            )
        answer = {
            "ctx": tenant.ctx,
            "entity": result.entity,
            "created": result.created,
            "firstPrimaryKey": result.first_primary_key,
            "lastPrimaryKey": result.last_primary_key,
            "firstUpdated": format_timestamp(start),
            "lastUpdated": format_timestamp(start + (count - 1) // per_second),
        }
        return Response.json(answer, status=201)

    def record_id(request: Request) -> int:
        value = request.path_parameters["id"]
        if not (value.isascii() and value.isdigit()):
            raise NotFound(f"{value!r} is not an id")
        return int(value)

    def delete_record(request: Request) -> Response:
        key = record_id(request)
        notify = (request.query_value("notify") or "true").strip().lower() != "false"
        with state.lock:
            tenant = tenant_of(request)
            change = tenant.records.delete(request.path_parameters["entity"], key)
            return Response.json(emitted(tenant, change, DEFAULT_ASSOCIATE_ID, notify=notify))

    def soft_delete_record(request: Request) -> Response:
        key = record_id(request)
        body = json_object(request, required=False)
        associate_id = _whole(body.get("associateId", DEFAULT_ASSOCIATE_ID), "associateId")
        updated, notify = _moment(body, "updated"), _flag(body, "notify", default=True)
        with state.lock:
            tenant = tenant_of(request)
            change = tenant.records.soft_delete(
                request.path_parameters["entity"], key, now=state.now(), updated=updated
            )
            return Response.json(emitted(tenant, change, associate_id, notify=notify))

    def restore_record(request: Request) -> Response:
        key = record_id(request)
        body = json_object(request, required=False)
        associate_id = _whole(body.get("associateId", DEFAULT_ASSOCIATE_ID), "associateId")
        updated, notify = _moment(body, "updated"), _flag(body, "notify", default=True)
        with state.lock:
            tenant = tenant_of(request)
            change = tenant.records.restore(request.path_parameters["entity"], key, updated=updated)
            return Response.json(emitted(tenant, change, associate_id, notify=notify))

    def list_records(request: Request) -> Response:
        entity = request.query_value("entity")
        with state.lock:
            tenant = tenant_of(request)
            counts = tenant.records.counts()
            if entity is not None:
                counts = {canonical_entity(entity): counts[canonical_entity(entity)]}
            snapshot = tenant.records.snapshot(entity)
            return Response.json({"ctx": tenant.ctx, "counts": counts, "records": snapshot})

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
    router.add("POST", TENANT + "/records/{entity}/bulk", bulk_create)
    router.add("DELETE", TENANT + "/records/{entity}/{id}", delete_record)
    router.add("POST", TENANT + "/records/{entity}/{id}/softdelete", soft_delete_record)
    router.add("POST", TENANT + "/records/{entity}/{id}/restore", restore_record)
    router.add("GET", TENANT + "/webhooks", list_webhooks)
    router.add("GET", PREFIX + "/outbound", get_outbound)
    router.add("PUT", PREFIX + "/outbound", set_outbound)
