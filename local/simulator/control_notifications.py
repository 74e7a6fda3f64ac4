"""The control API's customer state changes and notifications.

`POST .../changes` changes a tenant as SuperOffice would and notifies the apps; the log
(`/_control/notifications`) shows what was sent and what each app answered, and sends a
stored notification again (a duplicate) or for the first time (held: a late arrival).
Conventions as in `control`; every endpoint is listed in `local/simulator/README.md`.
"""

from __future__ import annotations

from typing import Any, Final

from local.simulator.bodies import json_object
from local.simulator.context import SimulatorContext
from local.simulator.control import tenant_summary
from local.simulator.notification_tokens import TOKEN_KINDS, VALID
from local.simulator.notifier import notify, send
from local.simulator.routing import BadRequest, NotFound, Request, Response, Router
from local.simulator.tenant_changes import TenantChange, apply_change

PREFIX: Final = "/_control"
TENANT: Final = PREFIX + "/tenants/{ctx}"


def _flag(body: dict[str, Any], name: str, default: bool) -> bool:
    value = body.get(name, default)
    if not isinstance(value, bool):
        raise BadRequest(f"{name} must be true or false")
    return value


def _token_kind(body: dict[str, Any]) -> str:
    kind = body.get("token", VALID)
    if kind not in TOKEN_KINDS:
        raise BadRequest(f"token must be one of {', '.join(TOKEN_KINDS)}")
    return str(kind)


def _issued_ago(body: dict[str, Any]) -> float:
    value = body.get("tokenIssuedSecondsAgo", 0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 86400:
        raise BadRequest("tokenIssuedSecondsAgo must be a number from 0 to 86400")
    return float(value)


def _client_id(body: dict[str, Any]) -> str | None:
    client_id = body.get("clientId")
    if client_id is not None and (not isinstance(client_id, str) or not client_id):
        raise BadRequest("clientId must be a non-empty string")
    return client_id


def register(router: Router, context: SimulatorContext) -> None:
    state = context.state
    log = state.notifications

    def change(request: Request) -> Response:
        body = json_object(request)
        tenant_change = TenantChange.from_json(body)
        notify_apps = _flag(body, "notify", True)
        hold, kind, client_id = _flag(body, "hold", False), _token_kind(body), _client_id(body)
        with state.lock:
            tenant = apply_change(state, request.path_parameters["ctx"], tenant_change)
            made = []
            if notify_apps and tenant_change.change_type is not None:
                made = notify(
                    context,
                    tenant,
                    tenant_change.change_type,
                    client_id=client_id,
                    token_kind=kind,
                    hold=hold,
                    issued_seconds_ago=_issued_ago(body),
                )
            return Response.json(
                {
                    **tenant_summary(tenant),
                    "api": context.tenant_api(tenant.host, tenant.ctx),
                    "notifications": [entry.to_json() for entry in made],
                }
            )

    def notify_only(request: Request) -> Response:
        body = json_object(request)
        change_type = body.get("changeType")
        if not isinstance(change_type, int) or isinstance(change_type, bool) or change_type < 0:
            raise BadRequest("changeType must be a whole number (0-5 known, others allowed)")
        hold, kind, client_id = _flag(body, "hold", False), _token_kind(body), _client_id(body)
        with state.lock:
            tenant = state.tenant(request.path_parameters["ctx"])
            made = notify(
                context,
                tenant,
                change_type,
                client_id=client_id,
                token_kind=kind,
                hold=hold,
                issued_seconds_ago=_issued_ago(body),
            )
            return Response.json([entry.to_json() for entry in made], status=201)

    def list_notifications(request: Request) -> Response:
        return Response.json(log.snapshot(request.query_value("ctx")))

    def entry_of(request: Request) -> int:
        value = request.path_parameters["id"]
        if not (value.isascii() and value.isdigit()):
            raise NotFound(f"there is no notification {value!r}")
        return int(value)

    def get_notification(request: Request) -> Response:
        with state.lock:
            return Response.json(log.get(entry_of(request)).to_json())

    def send_again(request: Request) -> Response:
        with state.lock:
            entry = log.get(entry_of(request))
            send(context, entry)
            return Response.json(entry.to_json(), status=202)

    def set_url(request: Request) -> Response:
        body = json_object(request)
        if "url" not in body:
            raise BadRequest('give {"url": "http://127.0.0.1:3000/..."} or {"url": null}')
        client_id = _client_id(body) or state.default_client_id()
        if state.app(client_id) is None:
            raise NotFound(f"there is no app with client id {client_id!r}")
        log.set_url(client_id, body["url"])
        return Response.json({"clientId": client_id, "url": log.url(client_id)})

    def list_urls(_request: Request) -> Response:
        return Response.json(
            [{"clientId": app.client_id, "url": log.url(app.client_id)} for app in state.apps()]
        )

    router.add("POST", TENANT + "/changes", change)
    router.add("POST", TENANT + "/notifications", notify_only)
    router.add("GET", PREFIX + "/notifications", list_notifications)
    router.add("GET", PREFIX + "/notifications/{id}", get_notification)
    router.add("POST", PREFIX + "/notifications/{id}/send", send_again)
    router.add("GET", PREFIX + "/notification-urls", list_urls)
    router.add("PUT", PREFIX + "/notification-urls", set_url)
