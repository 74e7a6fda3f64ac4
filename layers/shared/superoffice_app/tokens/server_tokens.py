"""Validators of the tokens SuperOffice's servers send the back end, and their claims.

The system-user JWT (the answer of PartnerSystemUser/Authenticate) and the token of a
customer-state-change notification. The authorizer never sees either, so they live
apart from ``validators`` and its cold start does not import them (nor ``dataclasses``,
which their claims objects still use).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from .claims import (
    SO_CLAIM_PREFIX,
    check_audience,
    check_ctx,
    check_issuer,
    check_times,
    optional_str,
    require_str,
)
from .errors import InvalidClaimError, MalformedTokenError
from .jws import Header
from .keys import KeyProvider
from .secret import Secret
from .validators import (
    SUPEROFFICE_ALGORITHMS,
    check_settings,
    guard,
    refuse_session_type,
    verify_and_read,
)

__all__ = [
    "SYSTEM_USER_ISSUER",
    "StateChangeClaims",
    "StateChangeTokenValidator",
    "SystemUserClaims",
    "SystemUserTokenValidator",
]

SYSTEM_USER_ISSUER: Final = "SuperOffice AS"

_SO_CTX: Final = SO_CLAIM_PREFIX + "ctx"
_SO_TICKET: Final = SO_CLAIM_PREFIX + "ticket"


@dataclass(frozen=True, slots=True)
class SystemUserClaims:
    """A verified system-user JWT (the answer of PartnerSystemUser/Authenticate)."""

    ticket: Secret
    serial: str
    ctx: str | None
    expires_at: float
    issued_at: float | None


@dataclass(frozen=True, slots=True)
class StateChangeClaims:
    """A verified customer-state-change notification token."""

    context_identifier: str
    ctx_claim: str | None
    """The token's own ctx claim, when it had one (it then equals context_identifier)."""
    expires_at: float
    issued_at: float | None


class SystemUserTokenValidator:
    """The JWT that PartnerSystemUser/Authenticate returns: RS256, ``SuperOffice AS``."""

    def __init__(
        self,
        keys: KeyProvider,
        *,
        leeway: float = 60,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._leeway = check_settings(leeway)
        self._keys = keys
        self._clock = clock

    def validate(
        self, token: object, serial: str, *, context_identifier: str | None = None
    ) -> SystemUserClaims:
        """Verify a system-user token for the tenant with ``serial`` (aud ``spn:<serial>``).

        With ``context_identifier``, a ctx claim in the token must equal it.
        """
        if not isinstance(serial, str) or not serial:
            raise TypeError("serial must be a non-empty str")
        if context_identifier is not None and not isinstance(context_identifier, str):
            raise TypeError("context_identifier must be a str or None")
        return guard(lambda: self._validate(token, serial, context_identifier))

    def _validate(
        self, token: object, serial: str, context_identifier: str | None
    ) -> SystemUserClaims:
        header, claims = verify_and_read(self._keys, token, SUPEROFFICE_ALGORITHMS)
        refuse_session_type(header)
        check_issuer(claims, SYSTEM_USER_ISSUER)
        check_audience(claims, f"spn:{serial}", check_azp=False)
        expires_at, issued_at = check_times(
            claims,
            now=self._clock(),
            leeway=self._leeway,
            require_iat=False,
            iat_digit_string=True,
        )
        ticket = require_str(claims, _SO_TICKET, "ticket")
        ctx = optional_str(claims, _SO_CTX, "ctx")
        if ctx is not None:
            check_ctx(ctx, "ctx")
            if context_identifier is not None and ctx != context_identifier:
                raise InvalidClaimError("claim ctx is not the expected tenant")
        return SystemUserClaims(
            ticket=Secret(ticket),
            serial=serial,
            ctx=ctx,
            expires_at=expires_at,
            issued_at=issued_at,
        )

    def __repr__(self) -> str:
        return "SystemUserTokenValidator()"


class StateChangeTokenValidator:
    """The ``Token`` of a customer-state-change notification (protocol notes, section 5).

    Its claims are not documented, so the token is bound as tightly as what it carries
    allows, without refusing a genuine one for a claim it lacks: a good RS256 signature,
    this environment's issuer, an unexpired token; a tenant claim, if any, equal to the
    notification's tenant; an audience, if any, naming this app (an id_token SuperID
    issued to another partner's app is not a notification for us); a ``typ``, if any,
    of a plain JWT; and no ``nonce`` (that is an interactive sign-in's id_token, minted
    for a browser, not a notification SuperOffice sends). Even a token that passes only
    makes the notification a hint: the state API decides what changes.
    """

    def __init__(
        self,
        issuer: str,
        keys: KeyProvider,
        *,
        client_id: str,
        leeway: float = 60,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._leeway = check_settings(leeway, issuer=issuer, client_id=client_id)
        self._issuer = issuer
        self._client_id = client_id
        self._keys = keys
        self._clock = clock

    def validate(self, token: object, context_identifier: str) -> StateChangeClaims:
        """Verify the token of a notification about ``context_identifier``.

        ``context_identifier`` comes from the same untrusted request body as the token,
        so a malformed one is a refusal (``TokenError``), not a ``TypeError``.
        """
        return guard(lambda: self._validate(token, context_identifier))

    def _validate(self, token: object, context_identifier: object) -> StateChangeClaims:
        if not isinstance(context_identifier, str):
            raise InvalidClaimError("ContextIdentifier is not a context identifier")
        check_ctx(context_identifier, "ContextIdentifier")
        header, claims = verify_and_read(self._keys, token, SUPEROFFICE_ALGORITHMS)
        _require_plain_jwt_type(header)
        check_issuer(claims, self._issuer)
        if claims.get("aud") is not None:
            check_audience(claims, self._client_id, check_azp=True)
        if "nonce" in claims:
            raise InvalidClaimError("a sign-in token is not a notification token")
        expires_at, issued_at = check_times(
            claims,
            now=self._clock(),
            leeway=self._leeway,
            require_iat=False,
            iat_digit_string=True,
        )
        ctx_claim: str | None = None
        for name in (_SO_CTX, "ctx"):
            value = optional_str(claims, name, "ctx")
            if value is None:
                continue
            if value != context_identifier:
                raise InvalidClaimError("claim ctx is not the notification's tenant")
            ctx_claim = value
        return StateChangeClaims(
            context_identifier=context_identifier,
            ctx_claim=ctx_claim,
            expires_at=expires_at,
            issued_at=issued_at,
        )

    def __repr__(self) -> str:
        return f"StateChangeTokenValidator(issuer={self._issuer!r})"


def _require_plain_jwt_type(header: Header) -> None:
    """A ``typ`` header, when present, must say JWT (RFC 7519 section 5.1)."""
    typ = header.get("typ")
    if typ is None:
        return
    if not isinstance(typ, str):
        raise MalformedTokenError("header typ is not a string")
    if typ.lower().removeprefix("application/") != "jwt":
        raise MalformedTokenError("the token is not a plain JWT")
