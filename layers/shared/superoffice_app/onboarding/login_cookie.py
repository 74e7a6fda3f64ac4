"""The pending sign-in, sealed into the browser's ``__Host-so_login`` cookie.

Between ``/install`` (``/signin``, ``/uninstall``) and ``/callback`` the app must remember
what it sent to SuperID: the purpose, the OIDC ``state`` and ``nonce``, the PKCE code
verifier and the tenant hint. It keeps them in the browser that started the sign-in,
sealed with AES-256-GCM, instead of in a table item: an anonymous request then writes
nothing anywhere, so sign-in starts cannot be used to fill TenantsTable, and the state
stays bound to that browser (a callback in another browser has no cookie to match).

The keys are derived from the session key ring (``SessionKeyRing.derived_keys`` with
``KEY_INFO``): sealing uses the signer's, opening tries each key of the ring, so a
sign-in started just before a key rotation still completes. The cookie value is
``v1.`` and base64url of the 12-byte GCM nonce and the ciphertext; the associated data
binds it to this cookie and format, so nothing else sealed with related keys opens as
a pending sign-in. Single use comes from SuperID, which redeems an authorization code
once; the callback also clears the cookie.

``open_login`` never raises for what a browser sends: any cookie that is not one of ours,
unexpired, answers None.

AES-GCM and ``hmac`` are imported where a cookie is sealed, opened or compared:
RedirectCallbackFunction imports this module at cold start for the cookie's name and
``LoginPurpose``, and only its sign-in routes seal or open one.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from enum import StrEnum
from typing import Final, NamedTuple

from superoffice_app.context_ids import is_ctx
from superoffice_app.strict_json import BadJson, parse_object
from superoffice_app.tokens.encoding import b64url_decode, b64url_encode
from superoffice_app.tokens.secret import Secret

__all__ = [
    "KEY_INFO",
    "LOGIN_COOKIE_NAME",
    "LOGIN_LIFETIME_SECONDS",
    "LoginPurpose",
    "PendingSignIn",
    "open_login",
    "seal_login",
    "states_match",
]

LOGIN_COOKIE_NAME: Final = "__Host-so_login"
LOGIN_LIFETIME_SECONDS: Final = 600
# HKDF's info label: these keys are for this cookie and nothing else.
KEY_INFO: Final = b"superoffice-app/sign-in-cookie/v1"

_PREFIX: Final = "v1."
_ASSOCIATED_DATA: Final = b"__Host-so_login v1"
_NONCE_BYTES: Final = 12
_KEY_BYTES: Final = 32
# A sealed sign-in is about 400 characters; anything much longer is not ours.
_MAX_COOKIE_CHARS: Final = 1024
# secrets.token_urlsafe(32): 43 characters; RFC 7636: 43-128 unreserved characters.
_STATE_PATTERN: Final = re.compile(r"[A-Za-z0-9_-]{43}")
_VERIFIER_PATTERN: Final = re.compile(r"[A-Za-z0-9._~-]{43,128}")
_MAX_NONCE_CHARS: Final = 256


class LoginPurpose(StrEnum):
    INSTALL = "install"
    UNINSTALL = "uninstall"
    SIGNIN = "signin"


class _PendingFields(NamedTuple):
    purpose: LoginPurpose
    state: str
    nonce: str
    code_verifier: Secret
    ctx_hint: str | None
    expires_at: int  # epoch seconds


class PendingSignIn(_PendingFields):
    """What a sign-in start sent to SuperID. ``code_verifier`` stays wrapped.

    A checked ``NamedTuple`` (immutable, like the frozen dataclass it was): this module is
    imported at RedirectCallbackFunction's cold start, where a dataclass costs more
    than everything else here.
    """

    __slots__ = ()

    def __new__(  # noqa: PLR0917 - the fields, in order, as a NamedTuple takes them
        cls,
        purpose: LoginPurpose,
        state: str,
        nonce: str,
        code_verifier: Secret,
        ctx_hint: str | None,
        expires_at: int,
    ) -> PendingSignIn:
        LoginPurpose(purpose)
        if not isinstance(state, str) or _STATE_PATTERN.fullmatch(state) is None:
            raise ValueError("state must be 43 characters of base64url")
        if not isinstance(nonce, str) or not 0 < len(nonce) <= _MAX_NONCE_CHARS:
            raise ValueError(f"nonce must be 1-{_MAX_NONCE_CHARS} characters")
        if not isinstance(code_verifier, Secret) or not _VERIFIER_PATTERN.fullmatch(
            code_verifier.reveal()
        ):
            raise ValueError("code_verifier must be 43-128 characters of RFC 7636's alphabet")
        if ctx_hint is not None and not is_ctx(ctx_hint):
            raise ValueError("ctx_hint must be a context identifier")
        if isinstance(expires_at, bool) or not isinstance(expires_at, int):
            raise ValueError("expires_at must be epoch seconds")
        return super().__new__(cls, purpose, state, nonce, code_verifier, ctx_hint, expires_at)


def seal_login(pending: PendingSignIn, key: bytes) -> str:
    """The cookie value holding ``pending``, sealed with ``key`` (32 bytes)."""
    if len(key) != _KEY_BYTES:
        raise ValueError("the sealing key must be 32 bytes")
    document = {
        "p": pending.purpose.value,
        "s": pending.state,
        "n": pending.nonce,
        "v": pending.code_verifier.reveal(),
        "c": pending.ctx_hint,
        "e": pending.expires_at,
    }
    plaintext = json.dumps(document, separators=(",", ":")).encode("utf-8")
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: PLC0415

    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, plaintext, _ASSOCIATED_DATA)
    return _PREFIX + b64url_encode(nonce + sealed)


def open_login(cookie: str | None, keys: Sequence[bytes], now: float) -> PendingSignIn | None:
    """The pending sign-in in ``cookie``; None unless it opens with one of ``keys``,
    is well formed and has not expired at ``now`` (epoch seconds)."""
    if not isinstance(cookie, str) or len(cookie) > _MAX_COOKIE_CHARS:
        return None
    if not cookie.startswith(_PREFIX):
        return None
    try:
        raw = b64url_decode(cookie[len(_PREFIX) :])
    except ValueError:
        return None
    if len(raw) <= _NONCE_BYTES:
        return None
    plaintext = _decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], keys)
    if plaintext is None:
        return None
    pending = _pending_from(plaintext)
    if pending is None or pending.expires_at <= now:
        return None
    return pending


def states_match(pending: PendingSignIn, state: str) -> bool:
    """Whether SuperID's returned ``state`` is the one sealed in the cookie (constant time)."""
    import hmac  # noqa: PLC0415

    return hmac.compare_digest(pending.state.encode("ascii"), state.encode("utf-8", "replace"))


def _decrypt(nonce: bytes, sealed: bytes, keys: Sequence[bytes]) -> bytes | None:
    from cryptography.exceptions import InvalidTag  # noqa: PLC0415
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: PLC0415

    for key in keys:
        if len(key) != _KEY_BYTES:
            continue
        try:
            return AESGCM(key).decrypt(nonce, sealed, _ASSOCIATED_DATA)
        except InvalidTag:
            continue
    return None


def _pending_from(plaintext: bytes) -> PendingSignIn | None:
    # Authenticated, so written by seal_login; checked anyway, so that no content can
    # make opening raise.
    try:
        document = parse_object(plaintext, "the sealed sign-in")
    except BadJson:
        return None
    purpose, state, nonce = document.get("p"), document.get("s"), document.get("n")
    verifier, ctx_hint, expires_at = document.get("v"), document.get("c"), document.get("e")
    if not (
        isinstance(purpose, str)
        and isinstance(state, str)
        and isinstance(nonce, str)
        and isinstance(verifier, str)
        and isinstance(expires_at, int)
        and (ctx_hint is None or isinstance(ctx_hint, str))
    ):
        return None
    try:
        return PendingSignIn(
            purpose=LoginPurpose(purpose),
            state=state,
            nonce=nonce,
            code_verifier=Secret(verifier),
            ctx_hint=ctx_hint,
            expires_at=expires_at,
        )
    except ValueError:
        return None
