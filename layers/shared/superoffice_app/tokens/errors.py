"""The exceptions of the token library.

Every refusal is a ``TokenError``: callers catch that one class and answer 401. The
subclasses say why, for logs and for the one case that changes behaviour
(``KeyNotFoundError``: refreshing the keys may help).

Messages are fixed, short texts. They never contain the token, a claim value or key
material, so a message can be logged as it is.
"""

from __future__ import annotations

__all__ = [
    "AmbiguousKeyError",
    "ClaimsError",
    "ExpiredTokenError",
    "InvalidAudienceError",
    "InvalidClaimError",
    "InvalidIssuerError",
    "InvalidNonceError",
    "InvalidSignatureError",
    "KeyNotFoundError",
    "KeySetError",
    "MalformedTokenError",
    "MissingClaimError",
    "NotYetValidError",
    "TokenError",
    "UnsupportedAlgorithmError",
    "UnusableKeyError",
]


class TokenError(Exception):
    """A token was refused. The message is safe to log."""


class MalformedTokenError(TokenError):
    """The token is not a well-formed compact JWS (encoding, JSON, header members)."""


class UnsupportedAlgorithmError(TokenError):
    """The header's ``alg`` is not allowed here (``none``, HMAC, unknown, not expected)."""


class KeyNotFoundError(TokenError):
    """No key has the token's ``kid``/``x5t``: the signer's keys may have rotated.

    The one refusal after which refreshing the key set and retrying can help.
    """


class UnusableKeyError(TokenError):
    """A key matched the token, but may not verify it (use, key_ops, alg, type, size)."""


class AmbiguousKeyError(TokenError):
    """More than one different key could verify the token: refuse rather than guess."""


class KeySetError(TokenError):
    """A JWKS document is not usable (not an object with a ``keys`` list, fetch failed)."""


class InvalidSignatureError(TokenError):
    """The signature does not verify with the selected key."""


class ClaimsError(TokenError):
    """The signature is good but the claims are not acceptable."""


class ExpiredTokenError(ClaimsError):
    """``exp`` is in the past (beyond the leeway)."""


class NotYetValidError(ClaimsError):
    """``nbf`` or ``iat`` is in the future (beyond the leeway)."""


class InvalidIssuerError(ClaimsError):
    """``iss`` is not the expected issuer."""


class InvalidAudienceError(ClaimsError):
    """``aud`` (or ``azp``) does not name the expected audience."""


class InvalidNonceError(ClaimsError):
    """``nonce`` is missing or differs from the one this sign-in sent."""


class MissingClaimError(ClaimsError):
    """A required claim is absent."""


class InvalidClaimError(ClaimsError):
    """A claim has the wrong type or form, or an unexpected value."""
