"""SuperID's authorize endpoint: the sign-in and consent page and its form POST.

Order matters for safety, as on any OpenID provider: client_id and redirect_uri are checked
before anything else, and when either is wrong the browser gets an error page, never a
redirect (an attacker must not be able to bounce users to a URI of their choosing). Only
then do other errors go back to the app, as `error=...` on its redirect URI.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final
from urllib.parse import urlencode

from local.simulator.apps import RegisteredApp
from local.simulator.bodies import form_body, query_values
from local.simulator.context import SimulatorContext
from local.simulator.grants import UserGrant
from local.simulator.pages import (
    TenantChoice,
    UserChoice,
    consent_page,
    error_page,
    form_post_page,
)
from local.simulator.pkce import is_valid_challenge
from local.simulator.routing import Request, Response, Router
from local.simulator.superid import AUTHORIZE_PATH
from local.simulator.tenants import Tenant

TENANT_AUTHORIZE_PATH: Final = "/login/{ctx}/oauth/authorize"
RESPONSE_MODES: Final = ("query", "form_post")
# Fields the consent form adds to the original parameters.
_FORM_FIELDS: Final = ("tenant", "user", "decision")
# `/login/common/...` is the tenant picker; any other segment names a tenant.
_COMMON: Final = "common"


@dataclass(frozen=True)
class _Authorization:
    """A validated authorize request: where and how to answer the app."""

    app: RegisteredApp
    parameters: dict[str, str]
    redirect_uri: str
    response_mode: str
    path_tenant: Tenant | None


class _Refused(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def register(router: Router, context: SimulatorContext) -> None:
    def show(request: Request) -> Response:
        try:
            authorization = _validate(context, query_values(request), request)
        except _Refused as refused:
            return refused.response
        return _consent(context, authorization, request)

    def decide(request: Request) -> Response:
        form = form_body(request)
        parameters = {k: v for k, v in form.items() if k not in _FORM_FIELDS}
        try:
            authorization = _validate(context, parameters, request)
            return _decide(context, authorization, form, request)
        except _Refused as refused:
            return refused.response

    # The common path first: `/login/{ctx}/...` would otherwise take "common" for a ctx.
    for path in (AUTHORIZE_PATH, TENANT_AUTHORIZE_PATH):
        router.add("GET", path, show)
        router.add("POST", path, decide)


def _validate(
    context: SimulatorContext, parameters: dict[str, str], request: Request
) -> _Authorization:
    client_id = parameters.get("client_id", "")
    app = context.state.app(client_id) if client_id else None
    if app is None:
        raise _Refused(_error_page("The application is unknown: check client_id."))
    redirect_uri = parameters.get("redirect_uri", "")
    if not redirect_uri or not app.allows_redirect_uri(redirect_uri):
        raise _Refused(
            _error_page(
                "Authorization error: InvalidRedirectUrl (2). The redirect URI is not "
                "registered for this application."
            )
        )
    mode = parameters.get("response_mode") or "query"
    authorization = _Authorization(
        app=app,
        parameters=parameters,
        redirect_uri=redirect_uri,
        response_mode=mode if mode in RESPONSE_MODES else "query",
        path_tenant=None,
    )
    if mode not in RESPONSE_MODES:
        raise _Refused(_error(authorization, "invalid_request", "unsupported response_mode"))
    if parameters.get("response_type") != "code":
        raise _Refused(
            _error(authorization, "unsupported_response_type", "response_type must be code")
        )
    if "openid" not in parameters.get("scope", "").split():
        raise _Refused(_error(authorization, "invalid_scope", "scope must include openid"))
    if parameters.get("code_challenge_method") != "S256" or not is_valid_challenge(
        parameters.get("code_challenge", "")
    ):
        raise _Refused(
            _error(
                authorization, "invalid_request", "PKCE with code_challenge_method=S256 is required"
            )
        )
    path_ctx = request.path_parameters.get("ctx")
    if path_ctx is None or path_ctx.lower() == _COMMON:
        return authorization
    tenant = context.state.find_tenant(path_ctx)
    if tenant is None or tenant.is_gone:
        raise _Refused(_error_page(f"There is no tenant {path_ctx}."))
    return _Authorization(app, parameters, redirect_uri, authorization.response_mode, tenant)


def _consent(
    context: SimulatorContext, authorization: _Authorization, request: Request
) -> Response:
    state = context.state
    if authorization.path_tenant is not None:
        tenants = [authorization.path_tenant]
        selected: Tenant | None = authorization.path_tenant
    else:
        tenants = [tenant for tenant in state.tenants() if not tenant.is_gone]
        selected = _acr_tenant(context, authorization.parameters.get("acr_values", ""))
    page = consent_page(
        app_name=authorization.app.name,
        client_id=authorization.app.client_id,
        action=request.path,
        hidden=sorted(authorization.parameters.items()),
        tenants=[TenantChoice(t.ctx, t.company_name, t.sandbox_of is not None) for t in tenants],
        selected_ctx=selected.ctx if selected else None,
        users=[
            UserChoice(u.associate_id, u.name, u.is_administrator)
            for u in (selected or tenants[0]).users
        ]
        if tenants
        else [],
    )
    response = Response.html(page)
    if selected is not None:
        state.counters.record(selected.ctx, "superId", "GET", request.path, response.status)
    return response


def _acr_tenant(context: SimulatorContext, acr_values: str) -> Tenant | None:
    """The tenant `acr_values=tenant:<ctx>` asks for, when it exists."""
    for value in acr_values.split():
        prefix, _, ctx = value.partition(":")
        if prefix == "tenant" and ctx:
            tenant = context.state.find_tenant(ctx)
            if tenant is not None and not tenant.is_gone:
                return tenant
    return None


def _decide(
    context: SimulatorContext,
    authorization: _Authorization,
    form: dict[str, str],
    request: Request,
) -> Response:
    decision = form.get("decision")
    if decision == "deny":
        return _error(authorization, "access_denied", "The user denied the request")
    if decision != "allow":
        return _error_page("Choose Allow or Deny.")
    tenant = authorization.path_tenant
    chosen = form.get("tenant", "")
    if tenant is None:
        tenant = context.state.find_tenant(chosen) if chosen else None
    elif chosen and chosen.lower() != tenant.ctx.lower():
        return _error_page(f"This sign-in is for {tenant.ctx} only.")
    if tenant is None or tenant.is_gone:
        return _error_page("Choose one of the tenants.")
    chosen_user = form.get("user", "")
    user = (
        tenant.user(int(chosen_user)) if chosen_user.isascii() and chosen_user.isdigit() else None
    )
    if user is None:
        return _error_page(f"Choose one of the users of {tenant.ctx}.")

    state = context.state
    client_id = authorization.app.client_id
    if user.is_administrator:
        # An administrator's consent approves the app for the whole tenant.
        state.approve(tenant.ctx, client_id)
    code = state.grants.issue_code(
        UserGrant(tenant.ctx, user.associate_id, client_id),
        redirect_uri=authorization.redirect_uri,
        code_challenge=authorization.parameters["code_challenge"],
        nonce=authorization.parameters.get("nonce"),
    )
    response = _deliver(authorization, [("code", code)])
    state.counters.record(tenant.ctx, "superId", "POST", request.path, response.status)
    return response


def _error(authorization: _Authorization, error: str, description: str) -> Response:
    return _deliver(authorization, [("error", error), ("error_description", description)])


def _deliver(authorization: _Authorization, fields: list[tuple[str, str]]) -> Response:
    """Send the answer to the app's redirect URI: a 302, or a self-submitting form."""
    state = authorization.parameters.get("state")
    if state is not None:
        fields = [*fields, ("state", state)]
    uri = authorization.redirect_uri
    if authorization.response_mode == "form_post":
        return Response.html(form_post_page(uri, fields))
    separator = "" if uri.endswith(("?", "&")) else ("&" if "?" in uri else "?")
    return Response.redirect(uri + separator + urlencode(fields))


def _error_page(message: str) -> Response:
    return Response.html(error_page("Sign-in failed", message), status=400)
