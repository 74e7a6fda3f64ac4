"""SuperID's OpenID Connect endpoints: the authorize URL, code exchange and refresh.

Authorization code flow with PKCE S256, scope ``openid`` only (protocol section 2). The
id_token in a ``TokenResponse`` is returned unverified: the caller validates it with
``IdTokenValidator`` and the nonce of the ``PendingAuthorization`` it started with.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote, urlencode

from superoffice_app.environments import Environment
from superoffice_app.tokens import CTX_PATTERN, Secret

from .http import (
    SuperOfficeError,
    UnexpectedResponse,
    is_unavailable_status,
    read_json,
    redact,
    send,
    unavailable_error,
)

if TYPE_CHECKING:  # annotations only: httpx loads where a client is made
    import httpx

__all__ = [
    "RESPONSE_MODES",
    "OidcError",
    "PendingAuthorization",
    "TokenResponse",
    "authorize_url",
    "code_challenge_s256",
    "exchange_code",
    "new_authorization",
    "refresh",
]

RESPONSE_MODES: Final = frozenset({"query", "form_post"})
_VERIFIER: Final = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
_OAUTH_ERROR_CODE: Final = re.compile(r"[a-z_]{1,64}")
_WHAT: Final = "SuperID token endpoint"


class OidcError(SuperOfficeError):
    """SuperID refused a token request (``{"error": ..., "error_description": ...}``)."""

    def __init__(self, error: str, description: str | None = None) -> None:
        suffix = f": {description}" if description else ""
        super().__init__(f"SuperID refused the token request ({error}){suffix}")
        self.error = error
        self.description = description


@dataclass(frozen=True)
class PendingAuthorization:
    """What one login attempt must remember until SuperID redirects back."""

    state: str
    nonce: str
    code_verifier: str = field(repr=False)
    code_challenge: str


@dataclass(frozen=True)
class TokenResponse:
    """SuperID's token answer. ``id_token`` is unverified; credentials stay wrapped.

    ``id_token`` is ``None`` only for a refresh answer without one; ``exchange_code``
    always returns one.
    """

    id_token: str | None
    access_token: Secret
    refresh_token: Secret | None
    expires_in: int


def code_challenge_s256(code_verifier: str) -> str:
    """RFC 7636 S256: base64url(SHA-256(ASCII(verifier))) without padding."""
    if _VERIFIER.fullmatch(code_verifier) is None:
        raise ValueError("a PKCE verifier is 43-128 unreserved characters (RFC 7636)")
    digest = hashlib.sha256(code_verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_authorization() -> PendingAuthorization:
    """Fresh, unguessable state, nonce and PKCE verifier (64 characters) for one login."""
    verifier = secrets.token_urlsafe(48)  # 48 random bytes -> 64 base64url characters
    return PendingAuthorization(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        code_verifier=verifier,
        code_challenge=code_challenge_s256(verifier),
    )


def authorize_url(
    environment: Environment,
    *,
    client_id: str,
    redirect_uri: str,
    state: str,
    nonce: str,
    code_challenge: str,
    ctx: str | None = None,
    response_mode: str = "form_post",
) -> str:
    """The SuperID URL to send the browser to; ``ctx`` preselects the tenant."""
    if response_mode not in RESPONSE_MODES:
        raise ValueError("response_mode must be query or form_post")
    for name, value in (
        ("client_id", client_id),
        ("redirect_uri", redirect_uri),
        ("state", state),
        ("nonce", nonce),
        ("code_challenge", code_challenge),
    ):
        if not value:
            raise ValueError(f"{name} must not be empty")
    params = {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": "openid",
        "state": state,
        "nonce": nonce,
        "code_challenge": code_challenge,
        "code_challenge_method": "S256",
        "response_mode": response_mode,
    }
    if ctx is not None:
        if CTX_PATTERN.fullmatch(ctx) is None:
            raise ValueError("ctx is not a context identifier")
        params["acr_values"] = f"tenant:{ctx}"
    return f"{environment.authorize_url}?{urlencode(params, quote_via=quote)}"


def exchange_code(
    http: httpx.Client,
    environment: Environment,
    *,
    client_id: str,
    client_secret: Secret | str,
    code: str,
    redirect_uri: str,
    code_verifier: str,
) -> TokenResponse:
    """Trade an authorization code (single use, 10 minutes) for tokens."""
    secret = _reveal(client_secret)
    response = _token_request(
        http,
        environment,
        {
            "grant_type": "authorization_code",
            "client_id": client_id,
            "client_secret": secret,
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        },
        redacting=(secret, code, code_verifier),
    )
    tokens = _token_response(response, previous_refresh_token=None)
    if tokens.id_token is None:
        raise UnexpectedResponse(f"{_WHAT}: the code exchange returned no id_token")
    return tokens


def refresh(
    http: httpx.Client,
    environment: Environment,
    *,
    client_id: str,
    client_secret: Secret | str,
    refresh_token: Secret | str,
) -> TokenResponse:
    """New tokens from a refresh token; the old refresh token stays when none is sent."""
    secret = _reveal(client_secret)
    old = refresh_token if isinstance(refresh_token, Secret) else Secret(refresh_token)
    response = _token_request(
        http,
        environment,
        {
            "grant_type": "refresh_token",
            "client_id": client_id,
            "client_secret": secret,
            "refresh_token": old.reveal(),
        },
        redacting=(secret, old.reveal()),
    )
    return _token_response(response, previous_refresh_token=old)


def _reveal(value: Secret | str) -> str:
    return value.reveal() if isinstance(value, Secret) else value


def _token_request(
    http: httpx.Client,
    environment: Environment,
    form: dict[str, str],
    *,
    redacting: tuple[str, ...],
) -> dict[str, Any]:
    response = send(
        http,
        "POST",
        environment.token_url,
        what=_WHAT,
        headers={"Accept": "application/json"},
        data=form,
    )
    if is_unavailable_status(response.status_code):
        raise unavailable_error(response, what=_WHAT)
    try:
        body = read_json(response, what=_WHAT)
    except UnexpectedResponse:
        body = None
    if response.status_code != 200 or (isinstance(body, dict) and "error" in body):
        raise _oauth_error(response.status_code, body, redacting)
    if not isinstance(body, dict):
        raise UnexpectedResponse(f"{_WHAT}: the answer is not a JSON object")
    return body


def _oauth_error(status: int, body: object, redacting: tuple[str, ...]) -> OidcError:
    if not isinstance(body, dict):
        return OidcError("invalid_response", f"HTTP {status} without an OAuth error")
    error = body.get("error")
    description = body.get("error_description")
    code = error if isinstance(error, str) and _OAUTH_ERROR_CODE.fullmatch(error) else None
    text = redact(description, redacting) if isinstance(description, str) else None
    return OidcError(code or "invalid_response", text or None)


def _token_response(
    body: dict[str, Any], *, previous_refresh_token: Secret | None
) -> TokenResponse:
    access_token = body.get("access_token")
    if not isinstance(access_token, str) or not access_token:
        raise UnexpectedResponse(f"{_WHAT}: the answer has no access_token")
    id_token = body.get("id_token")
    if id_token is not None and (not isinstance(id_token, str) or not id_token):
        raise UnexpectedResponse(f"{_WHAT}: the id_token is not a string")
    expires_in = body.get("expires_in", 0)
    if isinstance(expires_in, str) and expires_in.isdigit():
        expires_in = int(expires_in)
    if isinstance(expires_in, bool) or not isinstance(expires_in, int) or expires_in < 0:
        raise UnexpectedResponse(f"{_WHAT}: expires_in is not a number of seconds")
    new_refresh_token = body.get("refresh_token")
    refresh_token = previous_refresh_token
    if isinstance(new_refresh_token, str) and new_refresh_token:
        refresh_token = Secret(new_refresh_token)
    return TokenResponse(
        id_token=id_token,
        access_token=Secret(access_token),
        refresh_token=refresh_token,
        expires_in=expires_in,
    )
