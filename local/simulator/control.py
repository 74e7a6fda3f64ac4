"""The control API (`/_control/...`): look into the simulated SuperOffice and steer it.

For tests and demos only; SuperOffice has nothing like it. JSON in, JSON out; lowerCamelCase
keys (the items inside keep SuperOffice's casing). Secrets stay inside: the tenant view
says whether a system token exists, not what it is. The one exception is `approve`, which
answers with the system token, as an administrator's sign-in would hand it to the app.
Faults, injected errors and counters are in `control_faults`.
"""

from __future__ import annotations

from typing import Any, Final

from cryptography.exceptions import UnsupportedAlgorithm

from local.simulator.apps import RegisteredApp
from local.simulator.bodies import json_object
from local.simulator.context import SimulatorContext
from local.simulator.records import ENTITIES, canonical_entity
from local.simulator.routing import BadRequest, Request, Response, Router
from local.simulator.tenants import Tenant

PREFIX: Final = "/_control"
TENANT: Final = PREFIX + "/tenants/{ctx}"
# Seeded-style records a new tenant may ask for, per entity (bulk creation makes more).
MAX_NEW_TENANT_RECORDS: Final = 10_000


def register(router: Router, context: SimulatorContext) -> None:
    state = context.state

    def tenant_of(request: Request) -> Tenant:
        return state.tenant(request.path_parameters["ctx"])

    def client_id_of(body: dict[str, Any]) -> str:
        client_id = body.get("clientId")
        if client_id is None:
            return state.default_client_id()
        if not isinstance(client_id, str) or not client_id:
            raise BadRequest("clientId must be a non-empty string")
        return client_id

    def list_tenants(_request: Request) -> Response:
        with state.lock:
            return Response.json([tenant_summary(tenant) for tenant in state.tenants()])

    def add_tenant(request: Request) -> Response:
        body = json_object(request)
        ctx = body.get("ctx")
        if not isinstance(ctx, str):
            raise BadRequest('give the new tenant as {"ctx": "Cust20001"}')
        company_name = body.get("companyName", f"Company {ctx}")
        if not isinstance(company_name, str) or not company_name.strip():
            raise BadRequest("companyName must be a non-empty string")
        tenant = state.add_tenant(
            ctx, company_name.strip(), body.get("host", "sod2"), record_counts(body)
        )
        with state.lock:
            answer = {
                **tenant_summary(tenant),
                "endpoint": context.tenant_endpoint(tenant.host, tenant.ctx),
                "api": context.tenant_api(tenant.host, tenant.ctx),
                "records": tenant.records.counts(),
            }
        return Response.json(answer, status=201)

    def get_tenant(request: Request) -> Response:
        with state.lock:
            return Response.json(describe_tenant(context, tenant_of(request)))

    def set_state(request: Request) -> Response:
        body = json_object(request)
        with state.lock:
            tenant = state.set_tenant_state(request.path_parameters["ctx"], body.get("state"))
            return Response.json(tenant_summary(tenant))

    def move(request: Request) -> Response:
        body = json_object(request)
        with state.lock:
            tenant = state.move_tenant(request.path_parameters["ctx"], body.get("host"))
            api = context.tenant_api(tenant.host, tenant.ctx)
            return Response.json({**tenant_summary(tenant), "api": api})

    def revoke(request: Request) -> Response:
        client_id = client_id_of(json_object(request, required=False))
        tenant = tenant_of(request)
        state.revoke(tenant.ctx, client_id)
        return Response.json({"ctx": tenant.ctx, "clientId": client_id, "revoked": True})

    def approve(request: Request) -> Response:
        body = json_object(request, required=False)
        client_id = client_id_of(body)
        rotate = body.get("rotate", False)
        if not isinstance(rotate, bool):
            raise BadRequest("rotate must be true or false")
        tenant = tenant_of(request)
        token = state.approve(tenant.ctx, client_id, rotate=rotate)
        return Response.json({"ctx": tenant.ctx, "clientId": client_id, "systemToken": token})

    def expire_tickets(request: Request) -> Response:
        body = json_object(request, required=False)
        client_id = client_id_of(body) if "clientId" in body else None
        tenant = tenant_of(request)
        expired = state.tickets.revoke(tenant.ctx, client_id)
        return Response.json({"ctx": tenant.ctx, "expired": expired})

    def copy_items(request: Request) -> Response:
        source = json_object(request).get("from")
        if not isinstance(source, str) or not source:
            raise BadRequest('give the tenant to copy from as {"from": "Cust10001"}')
        tenant = state.copy_items(request.path_parameters["ctx"], source)
        with state.lock:
            return Response.json(describe_tenant(context, tenant))

    def reset(_request: Request) -> Response:
        state.reset()
        return Response.json({"reset": True, "tenants": [t.ctx for t in state.tenants()]})

    def list_apps(_request: Request) -> Response:
        return Response.json([app_summary(app) for app in state.apps()])

    def register_app(request: Request) -> Response:
        app = app_from_json(json_object(request))
        state.register_app(app)
        return Response.json(app_summary(app), status=201)

    router.add("GET", PREFIX + "/tenants", list_tenants)
    router.add("POST", PREFIX + "/tenants", add_tenant)
    router.add("GET", TENANT, get_tenant)
    router.add("PUT", TENANT + "/state", set_state)
    router.add("PUT", TENANT + "/host", move)
    router.add("POST", TENANT + "/revoke", revoke)
    router.add("POST", TENANT + "/approve", approve)
    router.add("DELETE", TENANT + "/tickets", expire_tickets)
    router.add("POST", TENANT + "/copy-items", copy_items)
    router.add("POST", PREFIX + "/reset", reset)
    router.add("GET", PREFIX + "/apps", list_apps)
    router.add("POST", PREFIX + "/apps", register_app)


def record_counts(body: dict[str, Any]) -> dict[str, int]:
    """`{"contact": 5}`: how many seeded-style records of each entity a new tenant gets."""
    counts = body.get("records", {})
    if not isinstance(counts, dict):
        raise BadRequest('records must be an object such as {"contact": 5}')
    checked = {}
    for entity, count in counts.items():
        if (
            not isinstance(count, int)
            or isinstance(count, bool)
            or not 0 <= count <= MAX_NEW_TENANT_RECORDS
        ):
            raise BadRequest(f"records.{entity} must be a whole number from 0 to 10000")
        if entity.strip().lower() not in ENTITIES:
            raise BadRequest(f"records: unknown entity {entity!r} (one of {', '.join(ENTITIES)})")
        checked[canonical_entity(entity)] = count
    return checked


def tenant_summary(tenant: Tenant) -> dict[str, Any]:
    """The tenant in a few fields; call with the state lock held."""
    return {
        "ctx": tenant.ctx,
        "companyName": tenant.company_name,
        "serial": tenant.serial,
        "host": tenant.host,
        "state": tenant.state,
        "isRunning": tenant.is_running,
        "sandboxOf": tenant.sandbox_of,
        "approvedApps": sorted(
            client_id for client_id in tenant.approvals if tenant.active_system_token(client_id)
        ),
    }


def describe_tenant(context: SimulatorContext, tenant: Tenant) -> dict[str, Any]:
    """Everything about a tenant except secrets; call with the state lock held."""
    state = context.state
    apps = []
    for app in state.apps():
        approval = tenant.approvals.get(app.client_id)
        apps.append(
            {
                "clientId": app.client_id,
                "approved": approval is not None and not approval.revoked,
                "revoked": approval is not None and approval.revoked,
                "systemTokenPresent": approval is not None,
                "activeTickets": state.tickets.count(tenant.ctx, app.client_id),
            }
        )
    default = next(iter(apps), None)
    return {
        **tenant_summary(tenant),
        "version": tenant.version,
        "endpoint": context.tenant_endpoint(tenant.host, tenant.ctx),
        "api": context.tenant_api(tenant.host, tenant.ctx),
        "users": [user.to_json(tenant.ctx) for user in tenant.users],
        # The first registered app (the local app) at top level; every app under "apps".
        "approved": bool(default and default["approved"]),
        "systemTokenPresent": bool(default and default["systemTokenPresent"]),
        "apps": apps,
        "items": tenant.items.snapshot(),
        "records": tenant.records.counts(),
        "faults": tenant.faults.pending(state.now()),
        "systemUserErrors": list(tenant.system_user_errors),
        "publishBusySeconds": tenant.publish_busy_seconds,
        "counters": state.counters.snapshot(tenant.ctx),
    }


def app_summary(app: RegisteredApp) -> dict[str, Any]:
    return {"clientId": app.client_id, "name": app.name, "redirectUris": list(app.redirect_uris)}


def app_from_json(body: dict[str, Any]) -> RegisteredApp:
    texts = {name: body.get(name) for name in ("clientId", "clientSecret", "publicKeyPem")}
    for name, value in texts.items():
        if not isinstance(value, str) or not value:
            raise BadRequest(f"{name} must be a non-empty string")
    name = body.get("name", "PartnerApp")
    redirect_uris = body.get("redirectUris", [])
    if not isinstance(name, str) or not name.isalnum():
        raise BadRequest("name must be letters and digits (it prefixes system tokens)")
    if not isinstance(redirect_uris, list) or not all(isinstance(u, str) for u in redirect_uris):
        raise BadRequest("redirectUris must be a list of strings")
    app = RegisteredApp(
        client_id=str(texts["clientId"]),
        client_secret=str(texts["clientSecret"]),
        public_key_pem=str(texts["publicKeyPem"]),
        name=name,
        redirect_uris=tuple(redirect_uris),
    )
    try:
        _ = app.public_key
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise BadRequest(f"publicKeyPem is not an RSA public key: {error}") from None
    return app
