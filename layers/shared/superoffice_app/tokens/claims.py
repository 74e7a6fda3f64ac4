"""Claim checks shared by the validators, and the claims of the tokens the authorizer sees.

Each check compares against an expectation the validator was built with, never
against anything the token says about itself. Refusals name the claim, never its value:
claims can hold credentials (``system_token``, ``ticket``).

``IdTokenClaims`` and ``SessionClaims`` are ``NamedTuple``s, immutable like the frozen
dataclasses they were: this module is on the authorizer's cold-start path, and importing
``dataclasses`` (it imports ``inspect``) costs about a third of that cold start's budget.
"""

# No `from __future__ import annotations` here: a NamedTuple's string annotations are
# compiled one by one when the class is made, which the authorizer's cold start pays
# (tests/unit/layer/test_function_init.py keeps it so).

import math
import re
from collections.abc import Mapping
from typing import Final, NamedTuple

from superoffice_app.context_ids import CTX_PATTERN

from .encoding import loads_strict
from .errors import (
    ExpiredTokenError,
    InvalidAudienceError,
    InvalidClaimError,
    InvalidIssuerError,
    InvalidNonceError,
    MalformedTokenError,
    MissingClaimError,
    NotYetValidError,
)
from .secret import Secret

__all__ = [
    "CTX_PATTERN",
    "SO_CLAIM_PREFIX",
    "Claims",
    "IdTokenClaims",
    "SessionClaims",
    "check_audience",
    "check_ctx",
    "check_issuer",
    "check_nonce",
    "check_times",
    "optional_str",
    "parse_claims",
    "require_str",
]

Claims = dict[str, object]

SO_CLAIM_PREFIX: Final = "http://schemes.superoffice.net/identity/"
# iat as a string of digits is a SuperOffice quirk (protocol notes, section 2).
_DIGITS: Final = re.compile(r"[0-9]{1,15}")


class IdTokenClaims(NamedTuple):
    """What a verified SuperOffice id_token says. ``system_token`` stays wrapped."""

    sub: str
    ctx: str
    serial: str | None
    associate_id: int | None
    is_administrator: bool
    company_name: str | None
    email: str | None
    upn: str | None
    initials: str | None
    identity_provider: str | None
    primary_email: str | None
    """``so_primary_email_address``."""
    webapi_url: str | None
    netserver_url: str | None
    nonce: str | None
    issued_at: float
    expires_at: float
    system_token: Secret | None


class SessionClaims(NamedTuple):
    """The app's own session token, as issued by ``SessionKeyRing.issue``."""

    ctx: str
    associate_id: int
    admin: bool
    sub: str
    jti: str
    name: str | None
    issued_at: float
    expires_at: float


def parse_claims(payload: bytes) -> Claims:
    """The payload as a JSON object, with the same strictness as the header."""
    try:
        claims = loads_strict(payload)
    except ValueError:
        raise MalformedTokenError("payload is not strict JSON") from None
    if not isinstance(claims, dict):
        raise MalformedTokenError("payload is not a JSON object")
    return claims


def require_str(claims: Mapping[str, object], name: str, label: str | None = None) -> str:
    """A required, non-empty string claim."""
    value = claims.get(name)
    if value is None:
        raise MissingClaimError(f"missing claim {label or name}")
    if not isinstance(value, str) or not value:
        raise InvalidClaimError(f"claim {label or name} is not a non-empty string")
    return value


def optional_str(claims: Mapping[str, object], name: str, label: str | None = None) -> str | None:
    """An optional string claim; present means a string."""
    value = claims.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidClaimError(f"claim {label or name} is not a string")
    return value


def _numeric_date(value: object, name: str, *, digit_string: bool) -> float:
    # bool is an int subclass: true must not read as 1970-01-01T00:00:01Z.
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    if digit_string and isinstance(value, str) and _DIGITS.fullmatch(value):
        return int(value)
    raise InvalidClaimError(f"claim {name} is not a NumericDate")


def check_times(
    claims: Mapping[str, object],
    *,
    now: float,
    leeway: float,
    require_iat: bool,
    iat_digit_string: bool,
) -> tuple[float, float | None]:
    """Check exp (required), nbf and iat against ``now``; return (exp, iat)."""
    if "exp" not in claims or claims["exp"] is None:
        raise MissingClaimError("missing claim exp")
    exp = _numeric_date(claims["exp"], "exp", digit_string=False)
    if now >= exp + leeway:
        raise ExpiredTokenError("token has expired")
    nbf_value = claims.get("nbf")
    if nbf_value is not None:
        nbf = _numeric_date(nbf_value, "nbf", digit_string=False)
        if nbf > now + leeway:
            raise NotYetValidError("token is not valid yet")
    iat_value = claims.get("iat")
    if iat_value is None:
        if require_iat:
            raise MissingClaimError("missing claim iat")
        return exp, None
    iat = _numeric_date(iat_value, "iat", digit_string=iat_digit_string)
    if iat > now + leeway:
        raise NotYetValidError("token was issued in the future")
    return exp, iat


def check_issuer(claims: Mapping[str, object], expected: str) -> None:
    issuer = claims.get("iss")
    if issuer is None:
        raise MissingClaimError("missing claim iss")
    if not isinstance(issuer, str) or issuer != expected:
        raise InvalidIssuerError("unexpected issuer")


def check_audience(claims: Mapping[str, object], expected: str, *, check_azp: bool) -> None:
    """``aud`` names ``expected`` (a string, or a list of strings containing it).

    With ``check_azp`` (OpenID Connect Core 3.1.3.7): several audiences need ``azp`` to
    be ``expected``, and an ``azp`` that is present must be ``expected`` in any case.
    """
    audience = claims.get("aud")
    if audience is None:
        raise MissingClaimError("missing claim aud")
    if isinstance(audience, str):
        audiences: list[str] = [audience]
    elif (
        isinstance(audience, list) and audience and all(isinstance(item, str) for item in audience)
    ):
        audiences = [item for item in audience if isinstance(item, str)]
    else:
        raise InvalidAudienceError("claim aud is not a string or a list of strings")
    if expected not in audiences:
        raise InvalidAudienceError("token is not for this audience")
    if not check_azp:
        return
    azp = claims.get("azp")
    if len(audiences) > 1 and azp is None:
        raise InvalidAudienceError("several audiences without azp")
    if azp is not None and azp != expected:
        raise InvalidAudienceError("token was issued to another party")


def check_nonce(claims: Mapping[str, object], expected: str) -> str:
    """The token's nonce equals ``expected`` (constant-time); return it."""
    nonce = claims.get("nonce")
    if not isinstance(nonce, str):
        raise InvalidNonceError("missing or malformed nonce")
    import hmac  # noqa: PLC0415 - sign-ins only; hashlib's OpenSSL load stays off the authorizer

    if not hmac.compare_digest(
        nonce.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    ):
        raise InvalidNonceError("nonce does not match")
    return nonce


def check_ctx(value: str, label: str) -> str:
    if CTX_PATTERN.fullmatch(value) is None:
        raise InvalidClaimError(f"claim {label} is not a context identifier")
    return value
