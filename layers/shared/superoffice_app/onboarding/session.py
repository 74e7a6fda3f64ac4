"""The app's own browser session: issued after a sign-in, and what a form derives from it.

A completed sign-in gets a session token (an hour, signed with the session key ring) that
the function sets as an HttpOnly cookie; the authorizer checks it on every page. A form
that changes something carries a CSRF token derived from that cookie: only this browser
has the cookie, so only pages served to it can know the token. The audit trail names the
person from the session when it can, and falls back to the associate id it always has.

RedirectCallbackFunction imports this module at cold start; what only some of its routes
use (``hashlib``/``hmac`` for a CSRF token, the session validator) is imported where it
is used, so the routes that never touch a session (the JWKS, a sign-in start) do not
pay for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final, NamedTuple

from superoffice_app.app_secrets import AppSecretError
from superoffice_app.onboarding.errors import FormExpired

if TYPE_CHECKING:
    from superoffice_app.onboarding.signin import SignedIn
    from superoffice_app.tokens import SessionKeyRing, SessionTokenValidator

__all__ = ["SESSION_SECONDS", "Person", "Sessions", "csrf_token"]

SESSION_SECONDS: Final = 3600


def csrf_token(session_token: str) -> str:
    """The CSRF token of the session whose cookie is ``session_token``."""
    import hashlib  # noqa: PLC0415

    # surrogatepass: a cookie is whatever the request carried, and must not raise here.
    return hashlib.sha256(b"csrf:" + session_token.encode("utf-8", "surrogatepass")).hexdigest()


def csrf_matches(sent: str, session_token: str) -> bool:
    import hmac  # noqa: PLC0415

    # compare_digest takes str of ASCII only (TypeError otherwise): compare bytes, and a
    # token that is not ASCII is not ours anyway.
    return sent.isascii() and hmac.compare_digest(
        sent.encode("ascii"), csrf_token(session_token).encode("ascii")
    )


class Person(NamedTuple):
    """Who did something, as the audit trail says it: ``name`` alone and ``actor`` in full."""

    name: str
    actor: str


class Sessions:
    """Issues session tokens and reads them back, on the key ring as it is now (rotation)."""

    def __init__(self, issuer: str, key_ring: Callable[[], SessionKeyRing]) -> None:
        self._issuer = issuer
        self._key_ring = key_ring

    def issue(self, signed_in: SignedIn) -> str:
        claims = signed_in.claims
        return self._key_ring().issue(
            issuer=self._issuer,
            ctx=signed_in.ctx,
            associate_id=claims.associate_id or 0,
            admin=claims.is_administrator,
            lifetime_seconds=SESSION_SECONDS,
            name=claims.upn or claims.email,
        )

    def validator(self) -> SessionTokenValidator:
        from superoffice_app.tokens import SessionTokenValidator, StaticKeys  # noqa: PLC0415

        return SessionTokenValidator(self._issuer, StaticKeys(self._key_ring().keyset()))

    @staticmethod
    def check_form(sent_csrf: str, session_token: str | None) -> str:
        """The session of a form whose ``csrf_token`` is this browser's; else `FormExpired`."""
        if session_token is None or not csrf_matches(sent_csrf, session_token):
            raise FormExpired()
        return session_token

    def person(self, ctx: object, associate_id: object, session_token: str) -> Person:
        """The session's name if it is this associate's session and has one, else the id.

        ``ctx`` and ``associate_id`` are what the authorizer vouched for; the name is a
        courtesy read from the session, the id is always there.
        """
        from superoffice_app.tokens import TokenError  # noqa: PLC0415

        associate = f"associate {associate_id}"
        fallback = Person(associate, associate)
        try:
            claims = self.validator().validate(session_token)
        except (TokenError, AppSecretError):
            return fallback
        if (claims.ctx, str(claims.associate_id)) != (ctx, str(associate_id)):
            return fallback
        if not claims.name:
            return fallback
        return Person(claims.name, f"{claims.name} ({associate})")
