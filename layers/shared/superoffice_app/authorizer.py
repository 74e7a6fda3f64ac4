"""The HTTP API Lambda authorizer's decisions, independent of Lambda.

The handler parses the event with `parse_authorizer_event`, asks `TokenAuthorizer.decide`
and returns `Decision.response()`. Everything here is pure apart from the key sources the
validators were given, so tests hand in their own keys and clock.

Rules (issue 2, section 4): a bearer token may be a SuperOffice id_token of this
environment or an app session token; the session cookie carries only session tokens.
On routes with a `{ctx}` path parameter the token's tenant must be that tenant; routes
with an `uninstall` segment need an administrator. Anything else is denied.

The value objects are `NamedTuple`s rather than frozen dataclasses: this module is on
the authorizer's cold-start path, and importing `dataclasses` (which imports `inspect`)
would cost about a third of that cold start's budget (issue 14).
"""

# No `from __future__ import annotations` here: a NamedTuple's string annotations are
# compiled one by one when the class is made, which the authorizer's cold start pays
# (tests/unit/layer/test_function_init.py keeps it so).

import binascii
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, Literal, NamedTuple

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


class AuthRequest(NamedTuple):
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


class Identity(NamedTuple):
    kind: TokenKind
    ctx: str
    associate_id: int | None
    administrator: bool


class Decision(NamedTuple):
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


def parse_authorizer_event(event: object) -> AuthRequest:
    """Read what the decision needs from a payload-2.0 REQUEST authorizer event.

    Raises only `BadAuthorizerEvent`, whatever the event holds. Runs on every request,
    so it reads each field once and builds nothing it does not return.
    """
    if not isinstance(event, Mapping):
        raise BadAuthorizerEvent("the event is not an object")
    route_key = event.get("routeKey")
    if not isinstance(route_key, str) or not _ROUTE_KEY.match(route_key):
        raise BadAuthorizerEvent("routeKey is missing or malformed")
    raw_path = event.get("rawPath", "")
    if not isinstance(raw_path, str):
        raise BadAuthorizerEvent("rawPath is not a string")

    authorization: str | None = None
    cookie_strings: list[str] = []
    headers = event.get("headers")
    if headers is not None:
        if not isinstance(headers, Mapping):
            raise BadAuthorizerEvent("headers is not an object")
        for name, value in headers.items():
            if not isinstance(name, str) or not isinstance(value, str):
                raise BadAuthorizerEvent("headers hold a value that is not a string")
            lowered = name.lower()  # payload 2.0 lower-cases names; other callers may not
            if lowered == "authorization":
                authorization = value
            elif lowered == "cookie":
                cookie_strings.append(value)

    path_parameters = event.get("pathParameters")
    if path_parameters is None:
        path_parameters = {}
    elif not isinstance(path_parameters, Mapping) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in path_parameters.items()
    ):
        raise BadAuthorizerEvent("pathParameters is not an object of strings")

    bearer: str | None = None
    if authorization is not None:
        match = _BEARER.match(authorization)
        if match is None:
            raise BadAuthorizerEvent("the Authorization header is not a bearer token")
        bearer = match.group(1)

    cookies = event.get("cookies")
    if cookies is not None:
        if not isinstance(cookies, list) or not all(isinstance(c, str) for c in cookies):
            raise BadAuthorizerEvent("cookies is not a list of strings")
        cookie_strings[:0] = cookies
    try:
        session = find_cookie(cookie_strings) if cookie_strings else None
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


def _says_session_type(token: str) -> bool:
    """Whether the unverified JWS header says `typ: so-session+jwt`; used only for routing.

    Routing on it is safe: each validator enforces its own issuer, audience, type and
    keys, so a token lying about its type simply fails there. A substring test on the
    decoded header is enough for routing and costs a fraction of a JSON parse.
    """
    head = token.partition(".")[0]
    if len(head) > 4096:
        return False
    try:
        # What base64.urlsafe_b64decode does (lenient), without importing base64.
        data = head.encode("ascii").translate(_URL_TO_STANDARD) + b"=" * (-len(head) % 4)
        decoded = binascii.a2b_base64(data)
    except (ValueError, binascii.Error):
        return False
    return _SESSION_TYPE_MARK in decoded


_SESSION_TYPE_MARK = SESSION_TOKEN_TYPE.encode("ascii")
_URL_TO_STANDARD = bytes.maketrans(b"-_", b"+/")


class IdentityCache:
    """Identities already verified, by token string, until the token expires.

    A browser session sends the same token with every request, and API Gateway's own
    cache is keyed by path as well, so a warm authorizer sees the same token again and
    again. A token is immutable and its signature binds every claim, so its verified
    identity stays true until `exp`; only successful verifications are cached (garbage
    cannot fill it) and the cache is bounded (least recently used goes first).
    """

    def __init__(self, max_entries: int = 1024, clock: Callable[[], float] = time.time) -> None:
        self._entries: OrderedDict[str, tuple[Identity, float]] = OrderedDict()
        self._max_entries = max_entries
        self._clock = clock

    def get(self, token: str) -> Identity | None:
        entry = self._entries.get(token)
        if entry is None:
            return None
        identity, expires_at = entry
        if self._clock() >= expires_at:
            del self._entries[token]
            return None
        self._entries.move_to_end(token)
        return identity

    def put(self, token: str, identity: Identity, expires_at: float) -> None:
        self._entries[token] = (identity, expires_at)
        self._entries.move_to_end(token)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


class TokenAuthorizer:
    """Judges an `AuthRequest` with the environment's id_token and session validators."""

    def __init__(
        self,
        id_tokens: IdTokenValidator,
        sessions: SessionTokenValidator,
        cache: IdentityCache | None = None,
    ) -> None:
        self._id_tokens = id_tokens
        self._sessions = sessions
        self._cache = cache if cache is not None else IdentityCache()

    def identify(self, request: AuthRequest) -> Identity:
        """The verified identity behind the request's credential; raises TokenError."""
        if request.bearer_token is not None:
            token = request.bearer_token
            verify = self._session_identity if _says_session_type(token) else self._id_identity
        elif request.session_token is not None:
            token = request.session_token
            verify = self._session_identity
        else:
            raise TokenError("no credential: neither a bearer token nor a session cookie")
        identity = self._cache.get(token)
        if identity is None:
            identity, expires_at = verify(token)
            self._cache.put(token, identity, expires_at)
        elif request.bearer_token is None and identity.kind != "session":
            # Only sessions ride in the cookie, even when the same token was seen as bearer.
            raise TokenError("the session cookie holds a token that is not a session")
        return identity

    def _id_identity(self, token: str) -> tuple[Identity, float]:
        claims = self._id_tokens.validate(token)
        identity = Identity(
            kind="superoffice_id_token",
            ctx=claims.ctx,
            associate_id=claims.associate_id,
            administrator=claims.is_administrator,
        )
        return identity, claims.expires_at

    def _session_identity(self, token: str) -> tuple[Identity, float]:
        session = self._sessions.validate(token)
        identity = Identity(
            kind="session",
            ctx=session.ctx,
            associate_id=session.associate_id,
            administrator=session.admin,
        )
        return identity, session.expires_at

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
