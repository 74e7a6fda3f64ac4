"""Strict JWT/JWS verification for SuperOffice tokens, and the app's own session tokens.

Layers, each usable alone:

- ``jws``: the signature layer (``verify_jws``, ``verify_with_keyset``), asymmetric
  algorithms only, our keys only;
- ``keys``: ``KeySet`` and the providers that supply it (``StaticKeys``,
  ``RemoteKeySet``, which downloads a JWKS lazily and rate-limited);
- ``validators``: the id_token and session validators the authorizer uses, returning
  frozen claims objects (``claims``) that keep credentials in ``Secret``;
- ``server_tokens``: the validators of the tokens SuperOffice's servers send the back
  end (system-user JWT, state-change notification token);
- ``session``: ``SessionKeyRing``, which issues and rotates session tokens.

The names below are loaded on first use (PEP 562): importing this package imports none
of its modules, so the authorizer's cold start pays only for the validators it builds,
never for session issuance or the back end's validators. Nothing here imports httpx,
PyJWT or x509 parsing. Every refusal is a ``TokenError``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from superoffice_app.lazy_exports import lazy_exports

if TYPE_CHECKING:  # the same names, for type checkers; at run time __getattr__ loads them
    from .algorithms import SUPPORTED_ALGORITHMS
    from .claims import CTX_PATTERN, SO_CLAIM_PREFIX, IdTokenClaims, SessionClaims
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
    from .server_tokens import (
        SYSTEM_USER_ISSUER,
        StateChangeClaims,
        StateChangeTokenValidator,
        SystemUserClaims,
        SystemUserTokenValidator,
    )
    from .session import SessionKeyRing
    from .validators import SESSION_TOKEN_TYPE, IdTokenValidator, SessionTokenValidator

# Which module of this package defines each public name.
_MODULES: Final[dict[str, tuple[str, ...]]] = {
    "algorithms": ("SUPPORTED_ALGORITHMS",),
    "claims": ("CTX_PATTERN", "SO_CLAIM_PREFIX", "IdTokenClaims", "SessionClaims"),
    "errors": (
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
    ),
    "fetch": ("fetch_jwks",),
    "jwk": ("JsonWebKey", "parse_jwk"),
    "jws": ("MAX_TOKEN_LENGTH", "allowed_algorithms", "verify_jws", "verify_with_keyset"),
    "keys": ("MIN_COOLDOWN_SECONDS", "KeyProvider", "KeySet", "RemoteKeySet", "StaticKeys"),
    "secret": ("Secret",),
    "server_tokens": (
        "SYSTEM_USER_ISSUER",
        "StateChangeClaims",
        "StateChangeTokenValidator",
        "SystemUserClaims",
        "SystemUserTokenValidator",
    ),
    "session": ("SessionKeyRing",),
    "validators": ("SESSION_TOKEN_TYPE", "IdTokenValidator", "SessionTokenValidator"),
}

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


__getattr__, __dir__ = lazy_exports(__name__, _MODULES)
