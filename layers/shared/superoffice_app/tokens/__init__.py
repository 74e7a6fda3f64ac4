"""Strict JWT/JWS verification for SuperOffice tokens, and the app's own session tokens.

Layers, each usable alone:

- ``jws``: the signature layer (``verify_jws``, ``verify_with_keyset``), asymmetric
  algorithms only, our keys only;
- ``keys``: ``KeySet`` and the providers that supply it (``StaticKeys``,
  ``RemoteKeySet``, which downloads a JWKS lazily and rate-limited);
- ``validators``: one validator per token kind, with fixed expectations, returning
  frozen claims objects (``claims``) that keep credentials in ``Secret``;
- ``session``: ``SessionKeyRing``, which issues and rotates session tokens.

Importing this package loads only ``cryptography``'s asymmetric primitives and the
standard library: httpx, PyJWT and x509 parsing stay out of the authorizer's cold start.
Every refusal is a ``TokenError``.
"""

from .algorithms import SUPPORTED_ALGORITHMS
from .claims import (
    CTX_PATTERN,
    SO_CLAIM_PREFIX,
    IdTokenClaims,
    SessionClaims,
    StateChangeClaims,
    SystemUserClaims,
)
from .errors import (
    AmbiguousKeyError,
    ClaimsError,
    ExpiredTokenError,
    InvalidAudienceError,
    InvalidClaimError,
    InvalidIssuerError,
    InvalidNonceError,
    InvalidSignatureError,
    KeyNotFoundError,
    KeySetError,
    MalformedTokenError,
    MissingClaimError,
    NotYetValidError,
    TokenError,
    UnsupportedAlgorithmError,
    UnusableKeyError,
)
from .fetch import fetch_jwks
from .jwk import JsonWebKey, parse_jwk
from .jws import MAX_TOKEN_LENGTH, allowed_algorithms, verify_jws, verify_with_keyset
from .keys import MIN_COOLDOWN_SECONDS, KeyProvider, KeySet, RemoteKeySet, StaticKeys
from .secret import Secret
from .session import SessionKeyRing
from .validators import (
    SESSION_TOKEN_TYPE,
    SYSTEM_USER_ISSUER,
    IdTokenValidator,
    SessionTokenValidator,
    StateChangeTokenValidator,
    SystemUserTokenValidator,
)

__all__ = [
    "CTX_PATTERN",
    "MAX_TOKEN_LENGTH",
    "MIN_COOLDOWN_SECONDS",
    "SESSION_TOKEN_TYPE",
    "SO_CLAIM_PREFIX",
    "SUPPORTED_ALGORITHMS",
    "SYSTEM_USER_ISSUER",
    "AmbiguousKeyError",
    "ClaimsError",
    "ExpiredTokenError",
    "IdTokenClaims",
    "IdTokenValidator",
    "InvalidAudienceError",
    "InvalidClaimError",
    "InvalidIssuerError",
    "InvalidNonceError",
    "InvalidSignatureError",
    "JsonWebKey",
    "KeyNotFoundError",
    "KeyProvider",
    "KeySet",
    "KeySetError",
    "MalformedTokenError",
    "MissingClaimError",
    "NotYetValidError",
    "RemoteKeySet",
    "Secret",
    "SessionClaims",
    "SessionKeyRing",
    "SessionTokenValidator",
    "StateChangeClaims",
    "StateChangeTokenValidator",
    "StaticKeys",
    "SystemUserClaims",
    "SystemUserTokenValidator",
    "TokenError",
    "UnsupportedAlgorithmError",
    "UnusableKeyError",
    "allowed_algorithms",
    "fetch_jwks",
    "parse_jwk",
    "verify_jws",
    "verify_with_keyset",
]
