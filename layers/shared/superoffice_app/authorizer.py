"""The HTTP API Lambda authorizer's decisions, independent of Lambda.

The handler parses the event with `parse_authorizer_event`, asks `TokenAuthorizer.decide`
and returns `Decision.response()`. Everything here is pure apart from the key sources the
validators were given, so tests hand in their own keys and clock.

Rules (issue 2, section 4): a bearer token may be a SuperOffice id_token of this
environment or an app session token; the session cookie carries only session tokens.
On routes with a `{ctx}` path parameter the token's tenant must be that tenant; routes
with an `uninstall` segment need an administrator. Anything else is denied.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from superoffice_app.cookies import CookieError, find_cookie
from superoffice_app.tokens import (
    SESSION_TOKEN_TYPE,
    IdTokenValidator,
    SessionTokenValidator,
    TokenError,
)

TokenKind = Literal["superoffice_id_token", "session"]

MAX_TOKEN_LENGTH = 16 * 1024
ADMIN_ONLY_SEGMENT = "uninstall"
_ROUTE_KEY = re.compile(r"^(?:[A-Z]+|ANY) (/[^\s]*)$|^\$default$")
_BEARER = re.compile(r"^[Bb][Ee][Aa][Rr][Ee][Rr] +([^\s]+) *$")


class BadAuthorizerEvent(ValueError):
    """The event is not an HTTP API (payload 2.0) authorizer request we can judge."""


@dataclass(frozen=True)
class AuthRequest:
    route_key: str
    raw_path: str
    path_parameters: Mapping[str, str]
    bearer_token: str | None
    session_token: str | None

    @property
    def route_path(self) -> str:
        """The route's path template, e.g. `/tenants/{ctx}` (empty for `$default`)."""
        _, _, path = self.route_key.partition(" ")
        return path


@dataclass(frozen=True)
class Identity:
    kind: TokenKind
    ctx: str
    associate_id: int | None
    administrator: bool


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    identity: Identity | None = None

    def response(self) -> dict[str, Any]:
        """The simple response API Gateway expects (payload 2.0, simple responses)."""
        if not self.allowed or self.identity is None:
            return {"isAuthorized": False}
        identity = self.identity
        return {
            "isAuthorized": True,
            "context": {
                "ctx": identity.ctx,
                "associate_id": identity.associate_id if identity.associate_id is not None else 0,
                "administrator": identity.administrator,
                "token_kind": identity.kind,
            },
        }


def deny(reason: str) -> Decision:
    return Decision(allowed=False, reason=reason)


def _string_map(value: object, what: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise BadAuthorizerEvent(f"{what} is not an object")
    result: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str):
            raise BadAuthorizerEvent(f"{what} holds a value that is not a string")
        result[key] = item
    return result


def parse_authorizer_event(event: object) -> AuthRequest:
    """Read what the decision needs from a payload-2.0 REQUEST authorizer event.

    Raises only `BadAuthorizerEvent`, whatever the event holds.
    """
    if not isinstance(event, Mapping):
        raise BadAuthorizerEvent("the event is not an object")
    route_key = event.get("routeKey")
    if not isinstance(route_key, str) or not _ROUTE_KEY.match(route_key):
        raise BadAuthorizerEvent("routeKey is missing or malformed")
    raw_path = event.get("rawPath", "")
    if not isinstance(raw_path, str):
        raise BadAuthorizerEvent("rawPath is not a string")
    headers = {
        key.lower(): value for key, value in _string_map(event.get("headers"), "headers").items()
    }
    path_parameters = _string_map(event.get("pathParameters"), "pathParameters")

    bearer: str | None = None
    authorization = headers.get("authorization")
    if authorization is not None:
        match = _BEARER.match(authorization)
        if match is None:
            raise BadAuthorizerEvent("the Authorization header is not a bearer token")
        bearer = match.group(1)

    cookies = event.get("cookies")
    cookie_strings: list[str] = []
    if cookies is not None:
        if not isinstance(cookies, list) or not all(isinstance(c, str) for c in cookies):
            raise BadAuthorizerEvent("cookies is not a list of strings")
        cookie_strings.extend(cookies)
    if "cookie" in headers:
        cookie_strings.append(headers["cookie"])
    try:
        session = find_cookie(cookie_strings)
    except CookieError as error:
        raise BadAuthorizerEvent(str(error)) from error

    for token in (bearer, session):
        if token is not None and len(token) > MAX_TOKEN_LENGTH:
            raise BadAuthorizerEvent("the token is too long")
    return AuthRequest(
        route_key=route_key,
        raw_path=raw_path,
        path_parameters=path_parameters,
        bearer_token=bearer,
        session_token=session,
    )


def _header_type(token: str) -> str | None:
    """The unverified `typ` of a JWS header, used only to pick the validator.

    Picking by `typ` is safe: each validator then enforces its own issuer, audience,
    type and keys, so a token that lies about its type fails that validator.
    """
    head = token.split(".", 1)[0]
    if len(head) > 4096:
        return None
    try:
        header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except (ValueError, binascii.Error, RecursionError):
        return None
    typ = header.get("typ") if isinstance(header, dict) else None
    return typ if isinstance(typ, str) else None


class TokenAuthorizer:
    """Judges an `AuthRequest` with the environment's id_token and session validators."""

    def __init__(self, id_tokens: IdTokenValidator, sessions: SessionTokenValidator) -> None:
        self._id_tokens = id_tokens
        self._sessions = sessions

    def identify(self, request: AuthRequest) -> Identity:
        """The verified identity behind the request's credential; raises TokenError."""
        if request.bearer_token is not None:
            token = request.bearer_token
            if _header_type(token) == SESSION_TOKEN_TYPE:
                return self._session_identity(token)
            claims = self._id_tokens.validate(token)
            return Identity(
                kind="superoffice_id_token",
                ctx=claims.ctx,
                associate_id=claims.associate_id,
                administrator=claims.is_administrator,
            )
        if request.session_token is not None:
            return self._session_identity(request.session_token)
        raise TokenError("no credential: neither a bearer token nor a session cookie")

    def _session_identity(self, token: str) -> Identity:
        session = self._sessions.validate(token)
        return Identity(
            kind="session",
            ctx=session.ctx,
            associate_id=session.associate_id,
            administrator=session.admin,
        )

    def decide(self, request: AuthRequest) -> Decision:
        try:
            identity = self.identify(request)
        except TokenError as error:
            return deny(str(error))
        route_path = request.route_path
        if "{ctx}" in route_path:
            path_ctx = request.path_parameters.get("ctx")
            if not path_ctx:
                return Decision(
                    False, "the route names a tenant but the request has none", identity
                )
            if path_ctx != identity.ctx:
                return Decision(False, "the token belongs to another tenant", identity)
        if ADMIN_ONLY_SEGMENT in route_path.split("/") and not identity.administrator:
            return Decision(False, "this route needs an administrator", identity)
        return Decision(True, "allowed", identity)
