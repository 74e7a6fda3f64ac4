"""The validators of the tokens the authorizer sees: SuperOffice id_tokens and sessions.

Each validator is built with everything it expects (issuer, audience, algorithms, token
type) and reads none of that from the token. ``validate`` verifies the signature with
the provider's keys (refreshing them once when the token names an unknown key), then
checks the claims, and returns a frozen claims object or raises ``TokenError``.

The token types are kept apart: only the session validator accepts the session
``typ``, and it accepts nothing else, so an id_token can never pass as a session or a
session as an id_token, whichever keys signed them. The helpers every validator shares
(``guard``, ``verify_and_read``, ...) are also used by ``server_tokens``, whose
validators the authorizer never imports.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from typing import Final, TypeVar

from .claims import (
    SO_CLAIM_PREFIX,
    Claims,
    IdTokenClaims,
    SessionClaims,
    check_audience,
    check_ctx,
    check_issuer,
    check_nonce,
    check_times,
    optional_str,
    parse_claims,
    require_str,
)
from .errors import (
    InvalidAudienceError,
    InvalidClaimError,
    KeyNotFoundError,
    MalformedTokenError,
    MissingClaimError,
    TokenError,
)
from .jws import Header, allowed_algorithms, verify_with_keyset
from .keys import KeyProvider
from .secret import Secret

__all__ = [
    "SESSION_TOKEN_TYPE",
    "IdTokenValidator",
    "SessionTokenValidator",
]

SESSION_TOKEN_TYPE: Final = "so-session+jwt"  # noqa: S105 -- a media type, not a secret

SUPEROFFICE_ALGORITHMS: Final = allowed_algorithms(["RS256"])
_SESSION_ALGORITHMS: Final = allowed_algorithms(["ES256", "RS256"])
_ASSOCIATE_ID: Final = re.compile(r"[0-9]{1,10}")
_BOOLEAN_STRINGS: Final = {"True": True, "true": True, "False": False, "false": False}

_SUPEROFFICE_CLAIMS: Final = tuple(
    (short, SO_CLAIM_PREFIX + short)
    for short in (
        "ctx",
        "serial",
        "webapi_url",
        "netserver_url",
        "system_token",
        "is_administrator",
        "associateid",
        "company_name",
        "email",
        "upn",
        "identityprovider",
        "initials",
        "so_primary_email_address",
    )
)

_T = TypeVar("_T")


def guard(call: Callable[[], _T]) -> _T:
    """Run a validation; anything but a TokenError becomes one (nothing else escapes)."""
    try:
        return call()
    except TokenError:
        raise
    except Exception:
        raise MalformedTokenError("token could not be processed") from None


def verify_and_read(
    keys: KeyProvider, token: object, algorithms: frozenset[str]
) -> tuple[Header, Claims]:
    try:
        header, payload = verify_with_keyset(token, keys.current(), algorithms)
    except KeyNotFoundError:
        # The signer may have rotated keys. The provider rate-limits refreshes, so a
        # flood of made-up kids costs at most one download per cooldown.
        keys.refresh()
        header, payload = verify_with_keyset(token, keys.current(), algorithms)
    return header, parse_claims(payload)


def required_iat(issued_at: float | None) -> float:
    # check_times(require_iat=True) never returns None; this keeps the types honest.
    if issued_at is None:
        raise MissingClaimError("missing claim iat")
    return issued_at


def refuse_session_type(header: Header) -> None:
    typ = header.get("typ")
    if typ is None:
        return
    if not isinstance(typ, str):
        raise MalformedTokenError("header typ is not a string")
    # RFC 7515 section 4.1.9: "application/" may be left out, and media types ignore case.
    normalized = typ.lower().removeprefix("application/")
    if normalized == SESSION_TOKEN_TYPE:
        raise MalformedTokenError("a session token is not accepted here")


def check_settings(leeway: float, **names: str) -> float:
    for label, value in names.items():
        if not isinstance(value, str) or not value:
            raise ValueError(f"{label} must be a non-empty string")
    if not math.isfinite(leeway) or leeway < 0:
        raise ValueError("leeway must be a finite number of seconds, at least 0")
    return float(leeway)


class IdTokenValidator:
    """SuperOffice (SuperID) id_tokens: RS256, this environment's issuer, our client id."""

    def __init__(
        self,
        issuer: str,
        client_id: str,
        keys: KeyProvider,
        *,
        leeway: float = 60,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._leeway = check_settings(leeway, issuer=issuer, client_id=client_id)
        self._issuer = issuer
        self._client_id = client_id
        self._keys = keys
        self._clock = clock

    def validate(self, token: object, nonce: str | None = None) -> IdTokenClaims:
        """Verify and read an id_token; with ``nonce``, the token must carry that nonce."""
        if nonce is not None and not isinstance(nonce, str):
            raise TypeError("nonce must be a str or None")
        return guard(lambda: self._validate(token, nonce))

    def _validate(self, token: object, nonce: str | None) -> IdTokenClaims:
        header, claims = verify_and_read(self._keys, token, SUPEROFFICE_ALGORITHMS)
        refuse_session_type(header)
        check_issuer(claims, self._issuer)
        check_audience(claims, self._client_id, check_azp=True)
        expires_at, issued_at = check_times(
            claims, now=self._clock(), leeway=self._leeway, require_iat=True, iat_digit_string=True
        )
        token_nonce = (
            check_nonce(claims, nonce) if nonce is not None else optional_str(claims, "nonce")
        )
        so = _superoffice_strings(claims)
        ctx = so["ctx"]
        if ctx is None:
            raise MissingClaimError("missing claim ctx")
        system_token = so["system_token"]
        return IdTokenClaims(
            sub=require_str(claims, "sub"),
            ctx=check_ctx(ctx, "ctx"),
            serial=so["serial"],
            associate_id=_associate_id(so["associateid"]),
            is_administrator=_is_administrator(so["is_administrator"]),
            company_name=so["company_name"],
            email=so["email"],
            upn=so["upn"],
            initials=so["initials"],
            identity_provider=so["identityprovider"],
            primary_email=so["so_primary_email_address"],
            webapi_url=so["webapi_url"],
            netserver_url=so["netserver_url"],
            nonce=token_nonce,
            issued_at=required_iat(issued_at),
            expires_at=expires_at,
            system_token=Secret(system_token) if system_token else None,
        )

    def __repr__(self) -> str:
        return f"IdTokenValidator(issuer={self._issuer!r}, client_id={self._client_id!r})"


def _superoffice_strings(claims: Claims) -> dict[str, str | None]:
    """The SuperOffice claims of an id_token by short name; all of them are strings."""
    values: dict[str, str | None] = {}
    for short, name in _SUPEROFFICE_CLAIMS:
        value = claims.get(name)
        if value is not None and not isinstance(value, str):
            raise InvalidClaimError(f"claim {short} is not a string")
        values[short] = value
    return values


def _associate_id(value: str | None) -> int | None:
    if value is None:
        return None
    if _ASSOCIATE_ID.fullmatch(value) is None:
        raise InvalidClaimError("claim associateid is not a number")
    return int(value)


def _is_administrator(value: str | None) -> bool:
    if value is None:
        return False
    if value not in _BOOLEAN_STRINGS:
        raise InvalidClaimError("claim is_administrator is not True or False")
    return _BOOLEAN_STRINGS[value]


class SessionTokenValidator:
    """The app's own session token (``SessionKeyRing.issue``): typ ``so-session+jwt``."""

    def __init__(
        self,
        issuer: str,
        keys: KeyProvider,
        *,
        leeway: float = 30,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._leeway = check_settings(leeway, issuer=issuer)
        self._issuer = issuer
        self._keys = keys
        self._clock = clock

    def validate(self, token: object) -> SessionClaims:
        return guard(lambda: self._validate(token))

    def _validate(self, token: object) -> SessionClaims:
        header, claims = verify_and_read(self._keys, token, _SESSION_ALGORITHMS)
        if header.get("typ") != SESSION_TOKEN_TYPE:
            raise MalformedTokenError("not a session token")
        check_issuer(claims, self._issuer)
        if claims.get("aud") != self._issuer:  # our own tokens: exactly one audience
            raise InvalidAudienceError("token is not for this audience")
        expires_at, issued_at = check_times(
            claims,
            now=self._clock(),
            leeway=self._leeway,
            require_iat=True,
            iat_digit_string=False,
        )
        ctx = check_ctx(require_str(claims, "ctx"), "ctx")
        associate_id = claims.get("associate_id")
        if isinstance(associate_id, bool) or not isinstance(associate_id, int):
            raise InvalidClaimError("claim associate_id is not an integer")
        if associate_id < 0:
            raise InvalidClaimError("claim associate_id is negative")
        admin = claims.get("admin")
        if not isinstance(admin, bool):
            raise InvalidClaimError("claim admin is not a boolean")
        sub = require_str(claims, "sub")
        if sub != f"{ctx}:{associate_id}":
            raise InvalidClaimError("claim sub does not match ctx and associate_id")
        return SessionClaims(
            ctx=ctx,
            associate_id=associate_id,
            admin=admin,
            sub=sub,
            jti=require_str(claims, "jti"),
            name=optional_str(claims, "name"),
            issued_at=required_iat(issued_at),
            expires_at=expires_at,
        )

    def __repr__(self) -> str:
        return f"SessionTokenValidator(issuer={self._issuer!r})"
