"""SuperID's token endpoint: authorization codes (with PKCE) and refresh tokens.

Answers as SuperID does: an opaque access token (`8A:<ctx>.<opaque>`), a refresh token
(only for the code grant: a refresh answer leaves it out, so apps keep the old one), and
an id_token signed with the simulator's key (RS256, `x5t`, no `kid`, `iat` a string).
"""

from __future__ import annotations

from typing import Any, Final

from local.id_tokens import claim, id_token_claims, sign_id_token
from local.simulator.apps import RegisteredApp
from local.simulator.bodies import form_body
from local.simulator.context import SimulatorContext
from local.simulator.grants import ACCESS_TOKEN_LIFETIME_SECONDS, GrantError, UserGrant
from local.simulator.routing import BadRequest, Request, Response, Router
from local.simulator.superid import TOKEN_PATH
from local.simulator.tenants import Tenant

# RFC 6749 section 5.1: token answers must not be cached.
_NO_STORE: Final = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def register(router: Router, context: SimulatorContext) -> None:
    def tokens(request: Request) -> Response:
        try:
            form = form_body(request)
            app = _client(context, form)
            grant_type = form.get("grant_type")
            if grant_type == "authorization_code":
                return _code_grant(context, app, form)
            if grant_type == "refresh_token":
                return _refresh_grant(context, app, form)
            raise GrantError(
                "unsupported_grant_type", f"grant_type {grant_type!r} is not supported"
            )
        except BadRequest as error:
            return _oauth_error(GrantError("invalid_request", str(error)))
        except GrantError as error:
            return _oauth_error(error)

    router.add("POST", TOKEN_PATH, tokens)


def _client(context: SimulatorContext, form: dict[str, str]) -> RegisteredApp:
    app = context.state.app(form.get("client_id", ""))
    if app is None or not app.has_secret(form.get("client_secret", "")):
        raise GrantError("invalid_client", "unknown client_id or wrong client_secret")
    return app


def _required(form: dict[str, str], *names: str) -> list[str]:
    missing = [name for name in names if not form.get(name)]
    if missing:
        raise GrantError("invalid_request", f"missing {', '.join(missing)}")
    return [form[name] for name in names]


def _code_grant(context: SimulatorContext, app: RegisteredApp, form: dict[str, str]) -> Response:
    code, redirect_uri, verifier = _required(form, "code", "redirect_uri", "code_verifier")
    issued = context.state.grants.redeem_code(
        code, client_id=app.client_id, redirect_uri=redirect_uri, code_verifier=verifier
    )
    tenant = _tenant_of(context, issued.grant)
    answer = _token_answer(context, tenant, issued.grant, nonce=issued.nonce)
    answer["refresh_token"] = context.state.grants.issue_refresh_token(issued.grant)
    response = Response.json(answer, headers=_NO_STORE)
    context.state.counters.record(tenant.ctx, "superId", "POST", TOKEN_PATH, response.status)
    return response


def _refresh_grant(context: SimulatorContext, app: RegisteredApp, form: dict[str, str]) -> Response:
    (refresh_token,) = _required(form, "refresh_token")
    grant = context.state.grants.refresh(refresh_token, client_id=app.client_id)
    tenant = _tenant_of(context, grant)
    response = Response.json(_token_answer(context, tenant, grant, nonce=None), headers=_NO_STORE)
    context.state.counters.record(tenant.ctx, "superId", "POST", TOKEN_PATH, response.status)
    return response


def _tenant_of(context: SimulatorContext, grant: UserGrant) -> Tenant:
    tenant = context.state.find_tenant(grant.ctx)
    if tenant is None or tenant.is_gone or tenant.user(grant.associate_id) is None:
        raise GrantError("invalid_grant", f"the tenant {grant.ctx} no longer exists")
    return tenant


def _token_answer(
    context: SimulatorContext, tenant: Tenant, grant: UserGrant, *, nonce: str | None
) -> dict[str, Any]:
    return {
        "token_type": "Bearer",
        "access_token": context.state.grants.issue_access_token(grant),
        "expires_in": ACCESS_TOKEN_LIFETIME_SECONDS,
        "id_token": issue_tenant_id_token(context, tenant, grant, nonce=nonce),
    }


def issue_tenant_id_token(
    context: SimulatorContext, tenant: Tenant, grant: UserGrant, *, nonce: str | None
) -> str:
    """The id_token of a sign-in; with `system_token` once the app is approved there."""
    user = tenant.user(grant.associate_id)
    if user is None:
        raise GrantError("invalid_grant", f"associate {grant.associate_id} left {tenant.ctx}")
    claims = id_token_claims(
        issuer=context.base_url,
        audience=grant.client_id,
        user=user.local_user(tenant.ctx),
        nonce=nonce,
        system_token=tenant.active_system_token(grant.client_id),
        now=int(context.state.now()),
    )
    # The tenant's own identity (a sandbox has its own name and serial).
    claims[claim("company_name")] = tenant.company_name
    claims[claim("serial")] = tenant.serial
    return sign_id_token(claims, context.signing_key)


def _oauth_error(error: GrantError) -> Response:
    return Response.json(
        {"error": error.error, "error_description": error.description},
        status=400,
        headers=_NO_STORE,
    )
