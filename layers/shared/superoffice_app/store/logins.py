"""Pending sign-ins: the OIDC state, nonce and PKCE verifier between /install and /callback.

Each login is one item, ``LOGIN#{state}``/``LOGIN``, that lives 10 minutes and can be
consumed once. Consuming deletes the item with a condition and returns what was deleted,
so of any number of concurrent callbacks with the same state exactly one gets it.
TTL deletes expired items only eventually, so expiry is checked on reading too.

The PKCE code verifier is stored as it is, not sealed with KMS: it lives at most 10
minutes, is deleted when used, and is worthless without the authorization code that
only the browser's redirect carries (and the client secret). The table itself is
encrypted with the stack's KMS key. It comes back wrapped in ``Secret`` so that it
never shows in logs or reprs.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Final

from superoffice_app.tokens.secret import Secret

from .attributes import from_item, to_item
from .clock import Clock, epoch_seconds, format_instant, parse_instant, utc_now
from .dynamo import DynamoTable, Expression, error_code
from .keys import LOGIN_SK, check_ctx, login_pk

__all__ = ["LOGIN_LIFETIME", "LoginPurpose", "LoginRecord", "LoginStore"]

LOGIN_LIFETIME: Final = timedelta(minutes=10)
# secrets.token_urlsafe(32): 43 characters of the URL-safe base64 alphabet.
_STATE_PATTERN: Final = re.compile(r"[A-Za-z0-9_-]{43}")
# RFC 7636, section 4.1.
_VERIFIER_PATTERN: Final = re.compile(r"[A-Za-z0-9._~-]{43,128}")
_MAX_NONCE_CHARS: Final = 256
_MAX_RETURN_PATH_CHARS: Final = 2048


class LoginPurpose(StrEnum):
    INSTALL = "install"
    UNINSTALL = "uninstall"
    SIGNIN = "signin"


@dataclass(frozen=True, slots=True)
class LoginRecord:
    """A consumed pending login. ``code_verifier`` stays wrapped."""

    purpose: LoginPurpose
    nonce: str
    code_verifier: Secret
    ctx_hint: str | None
    return_path: str | None
    created_at: datetime
    expires_at: datetime


class LoginStore:
    """Creates and consumes pending logins in TenantsTable."""

    def __init__(
        self, table: DynamoTable, clock: Clock = utc_now, *, lifetime: timedelta = LOGIN_LIFETIME
    ) -> None:
        self._table = table
        self._client = table.client
        self._clock = clock
        self._lifetime = lifetime

    def __repr__(self) -> str:
        return f"LoginStore(table={self._table.name!r})"

    def create(
        self,
        *,
        purpose: LoginPurpose | str,
        nonce: str,
        code_verifier: str | Secret,
        ctx_hint: str | None = None,
        return_path: str | None = None,
    ) -> str:
        """Store a pending login; returns its new ``state`` (the OIDC state parameter).

        ``return_path`` must be a path on the app's own site (``/tenants/Cust1``): it is
        where the callback sends the browser, so nothing else is accepted (no open
        redirect). ``ctx_hint``, if given, must be a context identifier.
        """
        kind = LoginPurpose(purpose)
        verifier = code_verifier.reveal() if isinstance(code_verifier, Secret) else code_verifier
        if not isinstance(verifier, str) or _VERIFIER_PATTERN.fullmatch(verifier) is None:
            raise ValueError("code_verifier must be 43-128 characters of RFC 7636's alphabet")
        if not isinstance(nonce, str) or not 0 < len(nonce) <= _MAX_NONCE_CHARS:
            raise ValueError(f"nonce must be 1-{_MAX_NONCE_CHARS} characters")
        if ctx_hint is not None:
            check_ctx(ctx_hint)
        if return_path is not None:
            _check_return_path(return_path)
        state = secrets.token_urlsafe(32)
        now = self._clock()
        expression = Expression()
        self._client.put_item(
            TableName=self._table.name,
            Item=to_item(
                {
                    "PK": login_pk(state),
                    "SK": LOGIN_SK,
                    "purpose": kind.value,
                    "nonce": nonce,
                    "code_verifier": verifier,
                    "ctx_hint": ctx_hint,
                    "return_path": return_path,
                    "created_at": format_instant(now),
                    "expires_at": epoch_seconds(now + self._lifetime),
                }
            ),
            # 256 random bits do not collide; the condition makes sure of it anyway.
            ConditionExpression=f"attribute_not_exists({expression.name('PK')})",
            **expression.arguments(),
        )
        return state

    def consume(self, state: str) -> LoginRecord | None:
        """The login for ``state``, deleted in the same step; None if unknown, used or expired.

        Only one caller ever gets a given login: the delete is conditional on the item
        existing and returns the deleted item atomically.
        """
        if not isinstance(state, str) or _STATE_PATTERN.fullmatch(state) is None:
            return None  # not one of ours: no need to ask DynamoDB
        expression = Expression()
        try:
            answer = self._client.delete_item(
                TableName=self._table.name,
                Key={"PK": {"S": login_pk(state)}, "SK": {"S": LOGIN_SK}},
                ConditionExpression=f"attribute_exists({expression.name('PK')})",
                ReturnValues="ALL_OLD",
                **expression.arguments(),
            )
        except Exception as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return None  # never existed, already consumed, or removed by TTL
            raise
        item = from_item(answer["Attributes"])
        expires_at = int(item["expires_at"])
        if expires_at <= epoch_seconds(self._clock()):
            return None
        return LoginRecord(
            purpose=LoginPurpose(item["purpose"]),
            nonce=item["nonce"],
            code_verifier=Secret(item["code_verifier"]),
            ctx_hint=item.get("ctx_hint"),
            return_path=item.get("return_path"),
            created_at=parse_instant(item["created_at"]),
            expires_at=datetime.fromtimestamp(expires_at, tz=UTC),
        )


def _check_return_path(path: str) -> None:
    # `//host` and `/\host` are protocol-relative URLs to browsers: another site.
    if (
        not isinstance(path, str)
        or not path.startswith("/")
        or path.startswith(("//", "/\\"))
        or len(path) > _MAX_RETURN_PATH_CHARS
        or any(ord(character) < 0x20 or character == "\x7f" for character in path)
    ):
        raise ValueError("return_path must be a path on this site, starting with a single '/'")
