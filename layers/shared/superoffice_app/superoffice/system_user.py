"""The system-user exchange: a tenant's ``system_token`` in, a ticket for the REST API out.

Every exchange creates a credentials row in the customer's database (protocol section
3), so callers exchange only when they hold no ticket or the ticket was refused, and keep
the ticket until it expires. This module performs one exchange per call and caches
nothing itself.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from superoffice_app.environments import Environment
from superoffice_app.tokens import CTX_PATTERN, Secret, SystemUserTokenValidator, TokenError

from .http import (
    AccessRevoked,
    Clock,
    SuperOfficeError,
    UnexpectedResponse,
    api_error,
    is_unavailable_status,
    read_json,
    redact,
    send,
    unavailable_error,
)

if TYPE_CHECKING:  # annotations only: httpx loads where a client is made
    import httpx

__all__ = [
    "TICKET_LIFETIME",
    "InvalidSystemUserToken",
    "SystemUserClient",
    "SystemUserRefused",
    "SystemUserRevoked",
    "Ticket",
    "sign_system_token",
]

TICKET_LIFETIME: Final = timedelta(hours=6)
"""How long a ticket lives (sliding) per the protocol; the JWT's exp can only shorten it."""

REVOKED: Final = 1
_TIMESTAMP_FORMAT: Final = "%Y%m%d%H%M"
_CODED_MESSAGE: Final = re.compile(r"\s*(?P<code>[0-9]{1,4})\s*:\s*(?P<text>.*)", re.DOTALL)
_WHAT: Final = "system-user exchange"


class SystemUserRefused(SuperOfficeError):
    """SuperOffice refused the exchange (``IsSuccessful: false``).

    ``code`` is the number before the colon of ``ErrorMessage`` (1 Revoked, 3 Expired,
    4 Denied, 5 NeedsReapproval, 6 InvalidTimestamp, 7 InvalidSignature) when the message
    has that shape, else ``None``.
    """

    def __init__(self, code: int | None, reason: str) -> None:
        label = f"code {code}" if code is not None else "no code"
        super().__init__(f"SuperOffice refused the system-user exchange ({label}): {reason}")
        self.code = code
        self.reason = reason


class SystemUserRevoked(SystemUserRefused, AccessRevoked):
    """Refusal code 1: the tenant revoked the app."""


class InvalidSystemUserToken(SuperOfficeError):
    """The exchange succeeded but its JWT failed validation: no ticket is trusted."""


@dataclass(frozen=True)
class Ticket:
    """A system-user ticket (``7T:...``) and when to stop using it."""

    value: Secret
    expires_at: datetime


def sign_system_token(
    system_token: str | Secret, private_key: rsa.RSAPrivateKey, now: datetime
) -> str:
    """``<system_token>.<yyyyMMddHHmm UTC>.<base64 RSA-PKCS1v15-SHA256 signature>``.

    The signature covers the UTF-8 of ``<system_token>.<yyyyMMddHHmm>`` and is standard
    base64 (with ``+``, ``/`` and padding), as SuperOffice's own samples produce it.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    token = system_token.reveal() if isinstance(system_token, Secret) else system_token
    if not token:
        raise ValueError("system_token is empty")
    message = f"{token}.{now.astimezone(UTC).strftime(_TIMESTAMP_FORMAT)}"
    signature = private_key.sign(message.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    return f"{message}.{base64.b64encode(signature).decode('ascii')}"


class SystemUserClient:
    """Exchanges a tenant's system token for a ticket (``PartnerSystemUser/Authenticate``)."""

    def __init__(
        self,
        http: httpx.Client,
        environment: Environment,
        validator: SystemUserTokenValidator,
        *,
        client_secret: Secret | str,
        private_key: rsa.RSAPrivateKey,
        clock: Clock,
    ) -> None:
        self._http = http
        self._environment = environment
        self._validator = validator
        self._client_secret = (
            client_secret if isinstance(client_secret, Secret) else Secret(client_secret)
        )
        self._private_key = private_key
        self._clock = clock

    def exchange(self, ctx: str, system_token: Secret, serial: str) -> Ticket:
        """A fresh ticket for ``ctx``, from its system token and serial (the JWT's aud).

        Raises ``SystemUserRevoked`` (an ``AccessRevoked``) for code 1, ``SystemUserRefused``
        for other refusals, ``InvalidSystemUserToken`` for a JWT that fails validation,
        ``SuperOfficeUnavailable`` when SuperOffice cannot answer.
        """
        if CTX_PATTERN.fullmatch(ctx) is None:
            raise ValueError("ctx is not a context identifier")
        now = self._clock()
        signed = sign_system_token(system_token, self._private_key, now)
        secrets = (system_token.reveal(), signed, self._client_secret.reveal())
        response = send(
            self._http,
            "POST",
            self._environment.system_user_url,
            what=_WHAT,
            headers={"Accept": "application/json"},
            json={
                "SignedSystemToken": signed,
                "ApplicationToken": self._client_secret.reveal(),
                "ContextIdentifier": ctx,
                "ReturnTokenType": "JWT",
            },
        )
        if is_unavailable_status(response.status_code):
            raise unavailable_error(response, what=_WHAT, now=now)
        body = _body(response)
        if isinstance(body, dict) and body.get("IsSuccessful") is False:
            raise _refusal(body.get("ErrorMessage"), secrets)
        if response.status_code != 200:
            raise api_error(response, secrets=secrets)
        if not isinstance(body, dict) or body.get("IsSuccessful") is not True:
            raise UnexpectedResponse(f"{_WHAT}: the answer has no IsSuccessful flag")
        token = body.get("Token")
        if not isinstance(token, str) or not token:
            raise UnexpectedResponse(f"{_WHAT}: a successful answer without a Token")
        try:
            claims = self._validator.validate(token, serial, context_identifier=ctx)
        except TokenError as error:
            # TokenError messages name the failed check, never a claim's value.
            raise InvalidSystemUserToken(f"{_WHAT}: the returned JWT is invalid: {error}") from None
        return Ticket(value=claims.ticket, expires_at=_expiry(claims.expires_at, now))

    def __repr__(self) -> str:
        return f"SystemUserClient(environment={self._environment.name!r})"


def _expiry(exp: float, now: datetime) -> datetime:
    """The JWT's exp, but never later than the protocol's ticket lifetime from now."""
    latest = now.astimezone(UTC) + TICKET_LIFETIME
    try:
        return min(datetime.fromtimestamp(exp, UTC), latest)
    except (OverflowError, OSError, ValueError):  # an exp beyond datetime's range
        return latest


def _body(response: httpx.Response) -> Any:
    try:
        return read_json(response, what=_WHAT)
    except UnexpectedResponse:
        if response.status_code == 200:
            raise
        return None  # an error page: the status decides


def _refusal(error_message: object, secrets: tuple[str, ...]) -> SystemUserRefused:
    text = redact(error_message, secrets) if isinstance(error_message, str) else ""
    match = _CODED_MESSAGE.fullmatch(text)
    code = int(match.group("code")) if match else None
    reason = (match.group("text").strip() if match else text) or "no reason given"
    if code == REVOKED:
        return SystemUserRevoked(code, reason)
    return SystemUserRefused(code, reason)
