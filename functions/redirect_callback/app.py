"""RedirectCallbackFunction: onboarding and management routes of the HTTP API.

Thin: each route parses its request, calls the layer's onboarding services and shapes
the page. Every failure is a `Problem` rendered with what happened, what to do and a
correlation id; an unexpected error is logged (without secrets) and shown the same way.
Malformed input is a 4xx (forms are read by `web.forms`, the tenant in the path is checked
by one middleware), an outage of DynamoDB, KMS or Secrets Manager a 503 with Retry-After.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths

from superoffice_app.context_ids import BadContextIdentifier, is_ctx, parse_ctx
from superoffice_app.cookies import SESSION_COOKIE_NAME, CookieError, find_cookie
from superoffice_app.counters import count
from superoffice_app.http_api import HttpApiResolver, NextMiddleware, Response
from superoffice_app.onboarding.errors import OnboardingError
from superoffice_app.onboarding.management import item_row, tenant_view
from superoffice_app.onboarding.session import SESSION_SECONDS, csrf_token
from superoffice_app.onboarding.signin import (
    LOGIN_COOKIE_NAME,
    LOGIN_COOKIE_SECONDS,
    LoginPurpose,
)
from superoffice_app.outages import outage_cause
from superoffice_app.set_cookies import SameSite, set_cookie
from superoffice_app.store import (
    ConflictError,
    StoreError,
    TenantNotFoundError,
    TenantStatusError,
)
from superoffice_app.web import pages, problems
from superoffice_app.web.errors import problem_for
from superoffice_app.web.forms import BadForm, parse_form
from superoffice_app.web.problems import Problem
from superoffice_app.wiring.onboarding import cold_start

if TYPE_CHECKING:
    from superoffice_app.superoffice.http import UnexpectedResponse

# On every answer: HTTPS only for a year (browsers ignore it over plain http, as locally),
# no content sniffing, and no page address sent to other sites (a callback's URL carries
# SuperID's code and state).
SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
# Routes whose answers are JSON whatever the request accepts, their errors included.
JSON_PATH_PREFIXES = ("/api/", "/.well-known/")

logger = Logger()
app = HttpApiResolver()
ONBOARDING = cold_start()
SYNC_ACTIONS = {"pause": True, "resume": False}  # the form's action -> sync_paused


# -- helpers ---------------------------------------------------------------------------


def _tenant_in_address(resolver: HttpApiResolver, next_middleware: NextMiddleware) -> Response[Any]:
    """Every `<ctx>` route: the tenant in the path is a context identifier, or 400.

    Checked here, once, before any route code (and the authorizer's context check) sees
    it. The value is the one the route function is handed (from the raw path, so still
    percent-encoded: `Cust1000%31` is not a tenant).
    """
    ctx = resolver.route_arguments.get("ctx")
    if ctx is not None:
        try:
            parse_ctx(ctx, "the tenant in the address")
        except BadContextIdentifier as error:
            raise problems.bad_tenant_in_address() from error
    return next_middleware(resolver)


app.use(middlewares=[_tenant_in_address])


def _correlation_id() -> str:
    """The id a page shows: API Gateway's request id, the logger's `correlation_id` too
    (``inject_lambda_context`` reads the same field), so it finds this request's lines."""
    return app.current_event.request_id or app.lambda_context.aws_request_id


def _wants_json() -> bool:
    event = app.current_event
    if event.path.startswith(JSON_PATH_PREFIXES):
        return True
    if event.query_string_parameters.get("format") == "json":
        return True
    return "application/json" in event.headers.get("accept", "")


def _html(body: str, status: int = 200, cookies: list[str] | None = None) -> Response[str]:
    return Response(
        status_code=status,
        content_type="text/html; charset=utf-8",
        body=body,
        headers={**SECURITY_HEADERS, "Cache-Control": "no-store", "X-Frame-Options": "DENY"},
        cookies=cookies,
    )


def _json(data: Any, status: int = 200) -> Response[str]:
    return Response(
        status_code=status,
        content_type="application/json",
        body=json.dumps(data),
        headers={**SECURITY_HEADERS, "Cache-Control": "no-store"},
    )


def _redirect(location: str, cookies: list[str] | None = None) -> Response[str]:
    return Response(
        status_code=303,
        body="",
        headers={**SECURITY_HEADERS, "Location": location, "Cache-Control": "no-store"},
        cookies=cookies,
    )


def _cookie(name: str, value: str, max_age: int, same_site: SameSite) -> str:
    """A `Set-Cookie` value: Path=/, Secure and HttpOnly, as the `__Host-` names require."""
    return set_cookie(name, value, max_age=max_age, same_site=same_site)


def _request_cookie(name: str) -> str | None:
    try:
        return find_cookie(app.current_event.cookies, name)
    except CookieError as error:
        raise problems.bad_request("The browser sent conflicting cookies.") from error


def _form() -> dict[str, str]:
    event = app.current_event
    try:
        return parse_form(event.body, is_base64=event.is_base64_encoded)
    except BadForm as error:
        raise problems.bad_request(str(error)) from error


def _authorized_ctx(ctx: str) -> Mapping[str, Any]:
    """The authorizer's context, checked again here: the path's tenant must be the token's."""
    lambda_context = app.current_event.authorizer_context
    if lambda_context.get("ctx") != ctx:
        raise Problem(
            403,
            "Not your tenant",
            "You are signed in for another tenant.",
            "Sign in again for this tenant.",
            retry_href=f"/signin?ctx={ctx}",
            retry_label="Sign in",
        )
    return lambda_context


def _check_csrf(form: dict[str, str]) -> str:
    """The session of this browser, if the form's csrf_token is the one derived from it."""
    return ONBOARDING.sessions.check_form(
        form.get("csrf_token", ""), _request_cookie(SESSION_COOKIE_NAME)
    )


# -- sign-in ---------------------------------------------------------------------------


def _start(purpose: LoginPurpose) -> Response[str]:
    ctx = app.current_event.get_query_string_value("ctx") or None
    start = ONBOARDING.sign_in.start(purpose, ctx)
    cookie = _cookie(LOGIN_COOKIE_NAME, start.login_cookie, LOGIN_COOKIE_SECONDS, "None")
    return _redirect(start.location, [cookie])


@app.get("/install")
def install() -> Response[str]:
    return _start(LoginPurpose.INSTALL)


@app.get("/signin")
def sign_in() -> Response[str]:
    return _start(LoginPurpose.SIGNIN)


@app.get("/uninstall")
def uninstall_entry() -> Response[str]:
    return _start(LoginPurpose.UNINSTALL)


def _callback(params: dict[str, str]) -> Response[str]:
    signed_in = ONBOARDING.sign_in.complete(params, _request_cookie(LOGIN_COOKIE_NAME))
    session = ONBOARDING.sessions.issue(signed_in)
    logger.info("signed in", extra={"ctx": signed_in.ctx, "purpose": signed_in.purpose.value})
    if signed_in.purpose is LoginPurpose.INSTALL:
        # complete() has installed (or re-installed) the app for this tenant.
        count(logger, "Installs")
    return _redirect(
        signed_in.location,
        [
            _cookie(SESSION_COOKIE_NAME, session, SESSION_SECONDS, "Lax"),
            _cookie(LOGIN_COOKIE_NAME, "", 0, "None"),
        ],
    )


@app.get("/callback")
def callback_query() -> Response[str]:
    return _callback(dict(app.current_event.query_string_parameters))


@app.post("/callback")
def callback_form_post() -> Response[str]:
    return _callback(_form())


@app.get("/.well-known/jwks.json")
def session_keys() -> Response[str]:
    response = _json(ONBOARDING.secrets.session_keys().public_jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


# -- the web panel SuperOffice shows -----------------------------------------------------


@app.get("/panels/contact")
def contact_panel() -> Response[str]:
    """The sample web panel of provisioning.json, shown inside SuperOffice's contact card.

    SuperOffice fills in `<uctx>` and `<cuid>`; `usid` is SuperOffice's session id, which
    the panel does not trust for anything. So the panel shows only whether the app is
    connected to the tenant: the place where a partner puts their own content.
    """
    ctx = app.current_event.get_query_string_value("ctx") or ""
    contact = app.current_event.get_query_string_value("contact_id") or ""
    view = tenant_view(ONBOARDING.tenants, ctx, events=0) if is_ctx(ctx) else None
    response = _html(pages.contact_panel_page(view, contact_id=contact[:12]))
    # Shown in SuperOffice's frame: allow exactly the environment's SuperOffice hosts.
    response.headers.pop("X-Frame-Options", None)
    response.headers["Content-Security-Policy"] = f"frame-ancestors {_superoffice_origins()}"
    return response


def _superoffice_origins() -> str:
    base = urlsplit(ONBOARDING.config.environment.login_base)
    if base.hostname and base.hostname.endswith(".superoffice.com"):
        return f"{base.scheme}://*.superoffice.com"
    return f"{base.scheme}://{base.netloc}"


# -- management ------------------------------------------------------------------------


def _view(ctx: str) -> dict[str, Any]:
    config = ONBOARDING.config
    view = tenant_view(
        ONBOARDING.tenants,
        ctx,
        sync_section=ONBOARDING.sync_section,
        unreachable_at=None if config.superoffice_can_call_back else config.app_base_url,
    )
    if view is None:
        raise problems.unknown_tenant(ctx)
    return view


@app.get("/tenants/<ctx>")
def management(ctx: str) -> Response[str]:
    who = _authorized_ctx(ctx)
    view = _view(ctx)
    if _wants_json():
        return _json(view)
    session = _request_cookie(SESSION_COOKIE_NAME)
    return _html(
        pages.management_page(
            view,
            is_administrator=bool(who.get("administrator")),
            correlation_id=_correlation_id(),
            csrf_token=csrf_token(session) if session else None,
        )
    )


@app.get("/api/tenants/<ctx>")
def management_api(ctx: str) -> Response[str]:
    _authorized_ctx(ctx)
    return _json(_view(ctx))


@app.get("/tenants/<ctx>/uninstall")
def uninstall_confirm(ctx: str) -> Response[str]:
    _authorized_ctx(ctx)
    session = _request_cookie(SESSION_COOKIE_NAME)
    if session is None:
        raise problems.csrf_failed()
    return _html(
        pages.uninstall_confirm_page(
            _view(ctx), csrf_token=csrf_token(session), correlation_id=_correlation_id()
        )
    )


@app.post("/tenants/<ctx>/sync")
def sync_switch(ctx: str) -> Response[str]:
    """Pause or resume syncing (form field ``action``); back to the page with a 303."""
    who = _authorized_ctx(ctx)
    if not who.get("administrator"):
        raise problems.sync_needs_administrator(ctx)
    form = _form()
    session = _check_csrf(form)
    paused = SYNC_ACTIONS.get(form.get("action", ""))
    if paused is None:
        raise problems.bad_sync_action(ctx)
    person = ONBOARDING.sessions.person(who.get("ctx"), who.get("associate_id"), session)
    outcome = ONBOARDING.sync_switch.set_paused(ctx, paused, by=person.name, actor=person.actor)
    logger.info(
        "sync switched",
        extra={
            "ctx": ctx,
            "paused": outcome.paused,
            "changed": outcome.changed,
            "sync_queued": outcome.sync_queued,
        },
    )
    if _wants_json():
        return _json(
            {
                "ctx": ctx,
                "paused": outcome.paused,
                "changed": outcome.changed,
                "sync_queued": outcome.sync_queued,
            }
        )
    return _redirect(f"/tenants/{ctx}#sync")


@app.post("/tenants/<ctx>/uninstall")
def uninstall(ctx: str) -> Response[str]:
    who = _authorized_ctx(ctx)
    if not who.get("administrator"):
        raise problems.not_administrator()
    _check_csrf(_form())
    outcome = ONBOARDING.uninstaller.uninstall(ctx, actor=f"associate {who.get('associate_id')}")
    count(logger, "Uninstalls")

    def rows(items: Any) -> list[dict[str, Any]]:
        # Only an uninstall reads the provisioning records: not imported at init.
        from superoffice_app.provisioning.recorder import to_stored  # noqa: PLC0415

        return [item_row(to_stored(item)) for item in items]

    removed, left = rows(outcome.removed), rows(outcome.left_for_administrator)
    clear = [_cookie(SESSION_COOKIE_NAME, "", 0, "Lax")]
    if _wants_json():
        return _json(
            {
                "ctx": ctx,
                "removed": removed,
                "left_for_administrator": left,
                "access_revoked": outcome.access_revoked,
            }
        )
    return _html(
        pages.uninstall_result_page(
            ctx,
            removed,
            left,
            access_revoked=outcome.access_revoked,
            correlation_id=_correlation_id(),
        ),
        cookies=clear,
    )


# -- errors ----------------------------------------------------------------------------


def _unexpected_answer(error: BaseException) -> UnexpectedResponse | None:
    """The answer of SuperOffice's behind ``error`` that did not fit, if that was the cause.

    SuperOffice's client module is imported here, by the first error page, not at init
    (about a third of the floor, for `email.utils`); a route that called SuperOffice has
    imported it already."""
    from superoffice_app.superoffice.http import UnexpectedResponse  # noqa: PLC0415

    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, UnexpectedResponse):
            return cause
        seen.add(id(cause))
        cause = cause.__cause__
    return None


def onboarding_refused(error: OnboardingError) -> Response[str]:
    """What onboarding could not do, as the page ``web/errors.py`` gives it."""
    return problem(problem_for(error), cause=error)


def problem(error: Problem, cause: BaseException | None = None) -> Response[str]:
    correlation_id = _correlation_id()
    answer = _unexpected_answer(cause or error)
    if answer is not None:
        # What SuperOffice sent, for whoever looks this correlation id up: the operation,
        # the status and an excerpt with every credential masked (never in the page).
        logger.warning("unexpected SuperOffice answer", extra=answer.log_fields())
    logger.warning("request refused", extra={"problem": error.title, "status": error.status})
    if _wants_json():
        response = _json(error.as_json(correlation_id), error.status)
    else:
        response = _html(error.render(correlation_id), error.status)
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def store_refused(error: StoreError) -> Response[str]:
    """A refusal of the tenant store that no route expected: a race, not a server fault."""
    if isinstance(error, TenantNotFoundError):
        return problem(problems.unknown_tenant(error.ctx))
    if isinstance(error, ConflictError | TenantStatusError):
        return problem(problems.tenant_changed_meanwhile())
    return unexpected(error)


@app.not_found
def not_found(_: Exception) -> Response[str]:
    return problem(
        Problem(
            404,
            "Page not found",
            "There is no page at this address.",
            "Check the link you followed.",
            retry_href=None,
        )
    )


def unexpected(error: Exception) -> Response[str]:
    outage = outage_cause(error)
    if outage is not None:
        # DynamoDB, KMS or Secrets Manager unreachable, slow or throttling: temporary,
        # and said so (503, Retry-After), never a 500 or an answer built on a failed read.
        logger.warning(
            "dependency unavailable",
            extra={
                "error_type": type(outage).__name__,
                "service": getattr(outage, "service", None),
                "operation": getattr(outage, "operation_name", None),
            },
        )
        return problem(problems.temporarily_unavailable())
    # Type and code location only: an exception's message could carry request data.
    frames = traceback.extract_tb(error.__traceback__)[-3:]
    logger.error(
        "unexpected error",
        extra={
            "error_type": type(error).__name__,
            "where": [f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in frames],
        },
    )
    return problem(
        Problem(
            500,
            "Something went wrong on our side",
            "The app could not finish your request. Nothing was changed "
            "that cannot be completed by trying again.",
            "Try again in a moment; if it keeps happening, contact support "
            "with the correlation id.",
            retry_href=None,
        )
    )


# Registered by call, not as decorators: a decorator would give these functions the
# handler type, hiding `problem`'s `cause`. The most specific handler wins, whatever the order.
app.exception_handler(OnboardingError)(onboarding_refused)
app.exception_handler(Problem)(problem)
app.exception_handler(StoreError)(store_refused)
app.exception_handler(Exception)(unexpected)


# The correlation id of every log line is API Gateway's request id, the id error pages show.
@logger.inject_lambda_context(
    clear_state=True, correlation_id_path=correlation_paths.API_GATEWAY_HTTP
)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
