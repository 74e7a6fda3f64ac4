"""`POST {login}/Login/api/PartnerSystemUser/Authenticate`: a signed system token for a ticket.

Failures are answered as SuperOffice does: HTTP 200 with `IsSuccessful: false` and
`ErrorMessage: "<code>: <text>"`. Only a request that is not the documented JSON gets 400.
"""

from __future__ import annotations

from typing import Any, Final

import jwt

from local.id_tokens import claim
from local.simulator.bodies import json_object
from local.simulator.context import SimulatorContext
from local.simulator.routing import BadRequest, Request, Response, Router
from local.simulator.system_user_auth import (
    DENIED,
    REVOKED,
    SystemUserError,
    verify_signed_system_token,
)
from local.simulator.tenants import Tenant
from local.simulator.tickets import TICKET_LIFETIME_SECONDS, Ticket

SYSTEM_USER_PATH: Final = "/Login/api/PartnerSystemUser/Authenticate"
SYSTEM_USER_ISSUER: Final = "SuperOffice AS"
_FIELDS: Final = ("SignedSystemToken", "ApplicationToken", "ContextIdentifier")


def register(router: Router, context: SimulatorContext) -> None:
    def authenticate(request: Request) -> Response:
        body = json_object(request)
        for name in _FIELDS:
            if not isinstance(body.get(name), str) or not body[name]:
                raise BadRequest(f"{name} must be a non-empty string")
        if str(body.get("ReturnTokenType", "JWT")).upper() != "JWT":
            raise BadRequest("ReturnTokenType must be JWT (the only kind the simulator issues)")

        state = context.state
        tenant = state.find_tenant(body["ContextIdentifier"])
        if tenant is None or tenant.is_gone:
            return _failure(SystemUserError(DENIED, "unknown tenant"))
        try:
            ticket = _check(context, tenant, body)
            response = _success(context, tenant, ticket)
        except SystemUserError as error:
            response = _failure(error)
        state.counters.record(tenant.ctx, "systemUser", "POST", SYSTEM_USER_PATH, response.status)
        return response

    router.add("POST", SYSTEM_USER_PATH, authenticate)


def _check(context: SimulatorContext, tenant: Tenant, body: dict[str, Any]) -> Ticket:
    state = context.state
    with state.lock:
        # Errors ordered through the control API come first, whatever the request says.
        if tenant.system_user_errors:
            raise SystemUserError(tenant.system_user_errors.popleft())
        app = state.app_by_secret(body["ApplicationToken"])
        if app is None:
            raise SystemUserError(DENIED, "unknown ApplicationToken")
        approval = tenant.approvals.get(app.client_id)
        if approval is None:
            raise SystemUserError(DENIED, f"the app is not approved in {tenant.ctx}")
        if approval.revoked:
            raise SystemUserError(REVOKED, f"the app's access to {tenant.ctx} was revoked")
        system_token = approval.system_token
    verify_signed_system_token(
        body["SignedSystemToken"],
        system_token=system_token,
        public_key=app.public_key,
        now=state.now(),
    )
    return state.tickets.issue(tenant.ctx, app.client_id)


def _success(context: SimulatorContext, tenant: Tenant, ticket: Ticket) -> Response:
    now = int(context.state.now())
    claims = {
        "iss": SYSTEM_USER_ISSUER,
        "aud": f"spn:{tenant.serial}",
        "nbf": now,
        "iat": now,
        "exp": now + TICKET_LIFETIME_SECONDS,
        claim("ctx"): tenant.ctx,
        claim("ticket"): ticket.value,
    }
    token = jwt.encode(
        claims,
        context.signing_key.private_key,
        algorithm="RS256",
        headers={"x5t": context.signing_key.x5t},
    )
    return Response.json({"IsSuccessful": True, "Token": token, "ErrorMessage": ""})


def _failure(error: SystemUserError) -> Response:
    return Response.json({"IsSuccessful": False, "Token": None, "ErrorMessage": error.message})
