"""The tenants' REST API, `{base}/{host}/{ctx}/api/...`: the gate every call passes.

In this order, as a request meets SuperOffice's front door and then the tenant's server:
1. unknown tenant: 404;
2. wrong or missing host segment (the un-numbered `{base}/{ctx}/api/...` included): 421;
3. injected faults (control API): delay, dropped connection, error status;
4. tenant not running: 503 (404 once deleted);
5. credentials: `SOTicket` + `SO-AppToken` (system user) or `Bearer` (signed-in user):
   401 without a valid ticket or token for this tenant, 403 with a wrong app token;
6. SuperOffice's published contract (`contract_check`): an undocumented operation, query
   parameter, enum value, body property, archive column or operator is recorded, and in
   `enforce` mode refused as SuperOffice would (see `contract_refusals`);
7. the resource, under the state lock (webhook saves take it themselves: they call the app);
   its answer is checked against the operation's documented responses (a 500 in `enforce`
   mode when it does not fit: the simulator is wrong, not the app).
Every request for a known tenant is counted (area `rest`), whatever its answer.
"""

from __future__ import annotations

import dataclasses
import hmac
import time
from typing import Final

from local.simulator import (
    rest_lists,
    rest_preferences,
    rest_principal,
    rest_queries,
    rest_udefs,
    rest_web_panels,
    rest_webhooks,
)
from local.simulator.context import SimulatorContext
from local.simulator.contract_gate import serve_checked
from local.simulator.rest import Principal, RestCall, RestHandler, runs_unlocked
from local.simulator.routing import (
    HTTPError,
    MethodNotAllowed,
    PathRouter,
    Request,
    Response,
    RouteNotFound,
    Router,
)
from local.simulator.so_errors import so_error
from local.simulator.tenants import Tenant

# Web panels before lists: see rest_web_panels.
RESOURCES: Final = (
    rest_principal,
    rest_web_panels,
    rest_lists,
    rest_udefs,
    rest_preferences,
    rest_webhooks,
    rest_queries,
)
METHODS: Final = ("GET", "POST", "PUT", "PATCH", "DELETE")
NUMBERED_PATH: Final = "/{host}/{ctx}/api/{rest*}"
UNNUMBERED_PATH: Final = "/{ctx}/api/{rest*}"


def register(router: Router, context: SimulatorContext) -> None:
    api: PathRouter[RestHandler] = PathRouter()
    for resource in RESOURCES:
        resource.register(api)
    gate = _Gate(context, api)
    for method in METHODS:
        router.add(method, NUMBERED_PATH, gate.numbered)
        router.add(method, UNNUMBERED_PATH, gate.unnumbered)


class _Gate:
    def __init__(self, context: SimulatorContext, api: PathRouter[RestHandler]) -> None:
        self._context = context
        self._api = api

    def numbered(self, request: Request) -> Response:
        return self._serve(request, request.path_parameters["host"])

    def unnumbered(self, request: Request) -> Response:
        return self._serve(request, None)

    def _serve(self, request: Request, host: str | None) -> Response:
        ctx = request.path_parameters["ctx"]
        tenant = self._context.state.find_tenant(ctx)
        if tenant is None:
            return so_error(404, f"Tenant {ctx} not found", source=request.path)
        api_path = "/api/" + request.path_parameters["rest"]
        response = self._serve_tenant(request, tenant, host, api_path)
        self._context.state.counters.record(
            tenant.ctx, "rest", request.method, api_path, response.status
        )
        return response

    def _serve_tenant(
        self, request: Request, tenant: Tenant, host: str | None, api_path: str
    ) -> Response:
        state = self._context.state
        source = request.path
        if host is None or host.lower() != tenant.host:
            return so_error(421, "Wrong subdomain used to access tenant", source=source)
        with state.lock:
            fault = tenant.faults.take(request.method, api_path, state.now())
        if fault is not None:
            if fault.delay_seconds:
                # Outside the lock: a slow tenant must not slow down the others.
                time.sleep(fault.delay_seconds)
            if fault.drop:
                return Response.dropped()
            if fault.status is not None:
                headers = {"Retry-After": fault.retry_after} if fault.retry_after else None
                return so_error(fault.status, "Injected fault", source=source, headers=headers)
        if tenant.is_gone:
            return so_error(404, f"Tenant {tenant.ctx} is deleted", source=source)
        if not tenant.is_running:
            return so_error(503, f"Tenant {tenant.ctx} is {tenant.state}", source=source)
        principal = self._principal(request, tenant)
        if isinstance(principal, Response):
            return principal
        return self._dispatch(request, tenant, principal, api_path)

    def _principal(self, request: Request, tenant: Tenant) -> Principal | Response:
        state = self._context.state
        scheme, _, credential = (request.header("Authorization") or "").strip().partition(" ")
        credential = credential.strip()
        unauthorized = so_error(
            401,
            "Missing, expired or unknown ticket",
            source=request.path,
            headers={"WWW-Authenticate": 'SOTicket realm="SuperOffice"'},
        )
        if scheme.lower() == "soticket" and credential:
            ticket = state.tickets.use(credential)
            if ticket is None or ticket.ctx != tenant.ctx:
                return unauthorized
            app = state.app(ticket.client_id)
            app_token = request.header("SO-AppToken") or ""
            if app is None or not hmac.compare_digest(
                app_token.encode("utf-8"), app.client_secret.encode("utf-8")
            ):
                return so_error(403, "Wrong or missing SO-AppToken", source=request.path)
            return Principal(client_id=ticket.client_id, associate_id=None)
        if scheme.lower() == "bearer" and credential:
            grant = state.grants.access(credential)
            if grant is None or grant.ctx != tenant.ctx:
                return unauthorized
            return Principal(client_id=grant.client_id, associate_id=grant.associate_id)
        return unauthorized

    def _dispatch(
        self, request: Request, tenant: Tenant, principal: Principal, api_path: str
    ) -> Response:
        return serve_checked(
            self._context.state.contract,
            request,
            tenant,
            api_path,
            lambda: self._serve_resource(request, tenant, principal, api_path),
        )

    def _serve_resource(
        self, request: Request, tenant: Tenant, principal: Principal, api_path: str
    ) -> Response:
        state = self._context.state
        method = "GET" if request.method == "HEAD" else request.method
        try:
            handler, parameters = self._api.match(method, api_path.removeprefix("/api"))
        except RouteNotFound:
            return so_error(404, f"No resource at {api_path}", source=request.path)
        except MethodNotAllowed as error:
            response = so_error(405, f"{method} is not allowed here", source=request.path)
            return response.with_headers({"Allow": str(error)})
        call = RestCall(
            request=dataclasses.replace(request, path_parameters=parameters),
            tenant=tenant,
            principal=principal,
            state=state,
        )
        try:
            if runs_unlocked(handler):
                return handler(call)
            with state.lock:
                return handler(call)
        except HTTPError as error:
            return so_error(error.status, str(error), source=request.path)
