"""What each HTTP API route takes and answers beyond what its resolver declares.

The functions read query strings, forms, cookies and JSON bodies by hand (typed
parameters would need pydantic in the Lambda layer), so their resolvers describe only
paths, methods and path parameters. This table describes the rest for
`docs/openapi.json`, keyed by route (`GET /install`). `local.openapi` refuses an entry
without a route and a route without an entry, so the table cannot drift away from the
template unnoticed; what a route reads is in its handler in `functions/*/app.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

CTX_PATTERN: Final = "^Cust[0-9]{1,12}$"  # superoffice_app.context_ids.CTX_PATTERN, anchored
LOGIN_COOKIE: Final = "__Host-so_login"
STRING: Final[Mapping[str, Any]] = {"type": "string"}

MESSAGE: Final[Mapping[str, Any]] = {
    "type": "object",
    "properties": {"message": {"type": "string"}},
    "required": ["message"],
}
PROBLEM_JSON: Final[Mapping[str, Any]] = {
    "type": "object",
    "properties": {
        "error": {"type": "string", "description": "the title of the problem"},
        "message": {"type": "string", "description": "what happened"},
        "next": {"type": "string", "description": "what to do next"},
        "correlation_id": {"type": "string"},
    },
    "required": ["error", "message", "next", "correlation_id"],
}
NOTIFICATION: Final[Mapping[str, Any]] = {
    "type": "object",
    "description": "SuperOffice's customer state change notification (a hint: the state "
    "API decides what changes).",
    "properties": {
        "ChangeType": {
            "type": "integer",
            "description": "0 Upgrade, 1 BackupRestored, 2 Suspend, 3 Resume, 4 Delete, "
            "5 Move; unknown values are recorded and change nothing",
        },
        "ContextIdentifier": {"type": "string", "pattern": CTX_PATTERN},
        "Token": {"type": "string", "description": "JWT signed by SuperOffice"},
        "VersionName": {"type": "string"},
        "FileVersion": {"type": "string"},
        "PublicEndpoint": {"type": "string"},
    },
    "required": ["ChangeType", "ContextIdentifier", "Token"],
}
WEBHOOK_EVENT: Final[Mapping[str, Any]] = {
    "type": "object",
    "description": "A CRM record event, signed with the tenant's webhook secret.",
    "properties": {
        "EventId": {"type": "string", "minLength": 1, "maxLength": 128},
        "Event": {"type": "string", "minLength": 1, "maxLength": 128},
        "ContextIdentifier": {"type": "string"},
        "Timestamp": {"type": "string"},
        "Entity": {"type": "string"},
        "PrimaryKey": {"type": "integer"},
        "ChangedByAssociateId": {"type": "integer"},
        "WebhookName": {"type": "string"},
        "Changes": {"type": "array", "items": {"type": "string"}},
        "FieldValues": {"type": "object"},
    },
    "required": ["EventId", "Event", "ContextIdentifier"],
}
JWKS: Final[Mapping[str, Any]] = {
    "type": "object",
    "properties": {"keys": {"type": "array", "items": {"type": "object"}}},
    "required": ["keys"],
}


@dataclass(frozen=True)
class RouteDoc:
    """One route's summary, the request parts its handler reads, and its answers."""

    summary: str
    description: str
    query: tuple[Mapping[str, Any], ...] = ()
    headers: tuple[Mapping[str, Any], ...] = ()
    cookies: tuple[Mapping[str, Any], ...] = ()
    # media type -> schema of the body
    body: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # status (or "4XX") -> response object
    responses: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


def query(name: str, description: str, schema: Mapping[str, Any] = STRING) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": dict(schema),
    }


def header(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": False,
        "description": description,
        "schema": dict(STRING),
    }


def cookie(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "cookie",
        "required": False,
        "description": description,
        "schema": dict(STRING),
    }


def form(properties: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    schema = {"type": "object", "properties": {k: dict(v) for k, v in properties.items()}}
    return {"application/x-www-form-urlencoded": schema}


def answer(
    description: str, media: Mapping[str, Mapping[str, Any]] | None = None
) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description}
    if media:
        response["content"] = {kind: {"schema": dict(schema)} for kind, schema in media.items()}
    return response


HTML: Final[Mapping[str, Any]] = {"type": "string"}
PAGE_OR_JSON: Final = {"text/html": HTML, "application/json": PROBLEM_JSON}


def redirect(description: str) -> dict[str, Any]:
    response = answer(description)
    response["headers"] = {"Location": {"schema": dict(STRING)}}
    return response


# What every page route may answer besides its own success.
PAGE_PROBLEMS: Final[Mapping[str, Mapping[str, Any]]] = {
    "4XX": answer(
        "The request was refused: a page (JSON with ?format=json or Accept: "
        "application/json) saying what happened and what to do next",
        PAGE_OR_JSON,
    ),
    "503": answer(
        "Temporarily unavailable (SuperOffice or an AWS service could not be reached); "
        "Retry-After says when to try again",
        PAGE_OR_JSON,
    ),
}
# API Gateway's answers for the authorizer-guarded routes.
AUTHORIZER_ANSWERS: Final[Mapping[str, Mapping[str, Any]]] = {
    "401": answer(
        "API Gateway: the identity source (cookie or Authorization header) is missing",
        {"application/json": MESSAGE},
    ),
    "403": answer(
        "The token is not valid, is another tenant's, or is not an administrator's",
        {"application/json": MESSAGE, **PAGE_OR_JSON},
    ),
}
# What SuperOffice's calls (notifications, webhooks) may get besides their success.
SUPEROFFICE_PROBLEMS: Final[Mapping[str, Mapping[str, Any]]] = {
    "400": answer("The body or the path is malformed", {"application/json": MESSAGE}),
    "401": answer("The token or the signature is not valid", {"application/json": MESSAGE}),
    "503": answer(
        "Temporarily unavailable; SuperOffice delivers again (Retry-After)",
        {"application/json": MESSAGE},
    ),
}

CTX_HINT: Final = query(
    "ctx", "the tenant to preselect at SuperID's sign-in, e.g. Cust12345", {"type": "string"}
)
# An `Accept: application/json` header does the same; OpenAPI ignores Accept parameters.
FORMAT: Final = query(
    "format",
    "`json` (or an `Accept: application/json` header) for the JSON view instead of the page",
    {"type": "string", "enum": ["json"]},
)
LOGIN: Final = cookie(LOGIN_COOKIE, "the sealed sign-in state set by /install, /signin, /uninstall")
SUPERID_ANSWER: Final[Mapping[str, Mapping[str, Any]]] = {
    "state": STRING,
    "code": STRING,
    "error": STRING,
    "error_description": STRING,
}
CSRF: Final[Mapping[str, Any]] = {
    "type": "string",
    "description": "the CSRF token of the page the form is on (derived from the session)",
}

_SIGN_IN_START: Final = {
    "303": redirect("To SuperID's sign-in; sets the sealed sign-in state cookie"),
    **PAGE_PROBLEMS,
}
_CALLBACK: Final = {
    "303": redirect("Signed in: to the tenant's page, with the session cookie"),
    **PAGE_PROBLEMS,
}

ROUTE_DOCS: Final[Mapping[str, RouteDoc]] = {
    "GET /install": RouteDoc(
        "Install the app: sign in at SuperID as an administrator",
        "The App Store's and the README's install link. Redirects to SuperID's sign-in "
        "(authorization code with PKCE, form_post) with the sign-in state in a cookie.",
        query=(CTX_HINT,),
        responses=_SIGN_IN_START,
    ),
    "GET /signin": RouteDoc(
        "Sign in to the app's management page",
        "Redirects to SuperID's sign-in for a tenant that has the app installed.",
        query=(CTX_HINT,),
        responses=_SIGN_IN_START,
    ),
    "GET /uninstall": RouteDoc(
        "SuperOffice's application uninstall URL",
        "Signs the administrator in, then shows the uninstall confirmation.",
        query=(CTX_HINT,),
        responses=_SIGN_IN_START,
    ),
    "GET /callback": RouteDoc(
        "SuperID's answer (response_mode=query)",
        "Completes the sign-in: the state must match the sign-in state cookie; the code "
        "is exchanged at SuperID and the id_token validated. An install provisions the "
        "tenant.",
        query=tuple(query(name, f"SuperID's `{name}`") for name in SUPERID_ANSWER),
        cookies=(LOGIN,),
        responses=_CALLBACK,
    ),
    "POST /callback": RouteDoc(
        "SuperID's answer (response_mode=form_post)",
        "The same as GET /callback, with the answer as a form.",
        cookies=(LOGIN,),
        body=form(SUPERID_ANSWER),
        responses=_CALLBACK,
    ),
    "GET /.well-known/jwks.json": RouteDoc(
        "The public keys of the app's session tokens",
        "A JWKS of the session key ring's public keys; cacheable for five minutes.",
        responses={
            "200": answer("The JWKS", {"application/json": JWKS}),
            "503": answer("Temporarily unavailable", PAGE_OR_JSON),
        },
    ),
    "GET /panels/contact": RouteDoc(
        "The sample web panel in SuperOffice's contact card",
        "Shows whether the app is connected to the tenant; framed by SuperOffice only.",
        query=(
            query("ctx", "the tenant (SuperOffice's <uctx>)"),
            query("contact_id", "the contact (SuperOffice's <cuid>)"),
        ),
        responses={"200": answer("The panel", {"text/html": HTML}), **PAGE_PROBLEMS},
    ),
    "GET /tenants/{ctx}": RouteDoc(
        "The tenant's management page",
        "Status, what the app provisioned and where, what is left to do, the sync per "
        "entity, recent events.",
        query=(FORMAT,),
        responses={
            "200": answer("The page, or its JSON", {"text/html": HTML, "application/json": {}}),
            **AUTHORIZER_ANSWERS,
            **PAGE_PROBLEMS,
        },
    ),
    "GET /tenants/{ctx}/uninstall": RouteDoc(
        "The uninstall confirmation page",
        "Lists what an uninstall removes; its form posts to the same address.",
        responses={
            "200": answer("The page", {"text/html": HTML}),
            **AUTHORIZER_ANSWERS,
            **PAGE_PROBLEMS,
        },
    ),
    "POST /tenants/{ctx}/uninstall": RouteDoc(
        "Uninstall the app from the tenant (administrators)",
        "Removes what the app provisioned and its mirrored records; lists what is left "
        "for the administrator when access was revoked. Needs the page's CSRF token.",
        query=(FORMAT,),
        body=form({"csrf_token": CSRF}),
        responses={
            "200": answer("What was removed", {"text/html": HTML, "application/json": {}}),
            **AUTHORIZER_ANSWERS,
            **PAGE_PROBLEMS,
        },
    ),
    "POST /tenants/{ctx}/sync": RouteDoc(
        "Pause or resume syncing the tenant (administrators)",
        "The management page's sync switch. Needs the page's CSRF token.",
        query=(FORMAT,),
        body=form({"csrf_token": CSRF, "action": {"type": "string", "enum": ["pause", "resume"]}}),
        responses={
            "303": redirect("Back to the management page"),
            "200": answer("The switch's state (JSON view)", {"application/json": {}}),
            **AUTHORIZER_ANSWERS,
            **PAGE_PROBLEMS,
        },
    ),
    "GET /api/tenants/{ctx}": RouteDoc(
        "The tenant's management view as JSON (bearer token)",
        "The same view as GET /tenants/{ctx}?format=json, for a SuperOffice id_token or "
        "an app session token in the Authorization header.",
        responses={
            "200": answer("The view", {"application/json": {}}),
            **AUTHORIZER_ANSWERS,
            **PAGE_PROBLEMS,
        },
    ),
    "POST /notifications/tenant-state": RouteDoc(
        "SuperOffice's customer state change notification",
        "Verified and deduplicated by its token, then queued: only what SuperOffice's "
        "state API confirms is applied. Answered at once.",
        body={"application/json": NOTIFICATION},
        responses={
            "200": answer("Received; nothing to do", {"application/json": {}}),
            "202": answer("Accepted for confirmation", {"application/json": {}}),
            "409": answer(
                "The token was already used for another notification",
                {"application/json": MESSAGE},
            ),
            **SUPEROFFICE_PROBLEMS,
        },
    ),
    "POST /webhooks/crm/{ctx}": RouteDoc(
        "A CRM record webhook for the tenant",
        "The signature over the raw body must match the tenant's webhook secret; "
        "deduplicated by EventId; queues a targeted sync.",
        headers=(
            header(
                "X-SuperOffice-Signature",
                "base64(HMAC-SHA256(the tenant's webhook secret, the raw body))",
            ),
        ),
        body={"application/json": WEBHOOK_EVENT},
        responses={
            "200": answer("Received", {"application/json": {}}),
            "202": answer("Being handled", {"application/json": MESSAGE}),
            **SUPEROFFICE_PROBLEMS,
        },
    ),
}
