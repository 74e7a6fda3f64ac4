"""SuperID's grants: authorization codes, user access tokens and refresh tokens.

Codes are single-use and live 10 minutes; a code is spent by its first redemption
attempt, successful or not, so a leaked code cannot be tried twice.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from dataclasses import dataclass
from typing import Final

from local.simulator.clock import Clock
from local.simulator.pkce import verifier_matches

CODE_LIFETIME_SECONDS: Final = 600
ACCESS_TOKEN_LIFETIME_SECONDS: Final = 3600


class GrantError(Exception):
    """An OAuth error answer of the token endpoint: `error` and its description."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description


@dataclass(frozen=True)
class UserGrant:
    """Who signed in where, for which app: what codes and tokens stand for."""

    ctx: str
    associate_id: int
    client_id: str


@dataclass(frozen=True)
class AuthorizationCode:
    grant: UserGrant
    redirect_uri: str
    code_challenge: str
    nonce: str | None
    issued_at: float


@dataclass(frozen=True)
class _AccessToken:
    grant: UserGrant
    expires_at: float


class Grants:
    def __init__(self, lock: threading.RLock, clock: Clock) -> None:
        self._lock = lock
        self._clock = clock
        self._codes: dict[str, AuthorizationCode] = {}
        self._access_tokens: dict[str, _AccessToken] = {}
        self._refresh_tokens: dict[str, UserGrant] = {}

    def issue_code(
        self, grant: UserGrant, *, redirect_uri: str, code_challenge: str, nonce: str | None
    ) -> str:
        code = secrets.token_urlsafe(32)
        with self._lock:
            self._codes[code] = AuthorizationCode(
                grant, redirect_uri, code_challenge, nonce, self._clock()
            )
        return code

    def redeem_code(
        self, code: str, *, client_id: str, redirect_uri: str, code_verifier: str
    ) -> AuthorizationCode:
        with self._lock:
            issued = self._codes.pop(code, None)
        if issued is None:
            raise GrantError("invalid_grant", "the code is unknown or was already used")
        if self._clock() - issued.issued_at > CODE_LIFETIME_SECONDS:
            raise GrantError("invalid_grant", "the code has expired")
        if issued.grant.client_id != client_id:
            raise GrantError("invalid_grant", "the code was issued to another client")
        if issued.redirect_uri != redirect_uri:
            raise GrantError("invalid_grant", "redirect_uri differs from the authorize request")
        if not verifier_matches(code_verifier, issued.code_challenge):
            raise GrantError("invalid_grant", "code_verifier does not match the code_challenge")
        return issued

    def issue_access_token(self, grant: UserGrant) -> str:
        token = f"8A:{grant.ctx}.{secrets.token_urlsafe(24)}"
        with self._lock:
            self._access_tokens[token] = _AccessToken(
                grant, self._clock() + ACCESS_TOKEN_LIFETIME_SECONDS
            )
        return token

    def issue_refresh_token(self, grant: UserGrant) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._refresh_tokens[token] = grant
        return token

    def access(self, token: str) -> UserGrant | None:
        """The grant of a valid access token; None for unknown or expired ones."""
        with self._lock:
            found = self._access_tokens.get(token)
            if found is None:
                return None
            if self._clock() >= found.expires_at:
                del self._access_tokens[token]
                return None
            return found.grant

    def refresh(self, token: str, *, client_id: str) -> UserGrant:
        with self._lock:
            grant = self._refresh_tokens.get(token)
        if grant is None:
            raise GrantError("invalid_grant", "the refresh token is unknown or revoked")
        if not hmac.compare_digest(grant.client_id, client_id):
            raise GrantError("invalid_grant", "the refresh token was issued to another client")
        return grant

    def revoke(self, ctx: str, client_id: str) -> None:
        """Forget every token of this app in this tenant (the app's access was revoked)."""
        with self._lock:
            for store in (self._access_tokens, self._refresh_tokens):
                for token in [t for t, v in store.items() if _grant_of(v) == (ctx, client_id)]:
                    del store[token]


def _grant_of(value: _AccessToken | UserGrant) -> tuple[str, str]:
    grant = value.grant if isinstance(value, _AccessToken) else value
    return grant.ctx, grant.client_id
