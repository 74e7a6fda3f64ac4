"""The signature layer: is this compact JWS signed by one of our keys?

Nothing here looks at claims; the validators do that after this returns. Everything
about the token is distrusted until the signature verifies, and the header is only
used to pick which of *our* keys to try: keys carried in the token (``jwk``, ``jku``,
``x5u``, ``x5c``) are ignored, never fetched, never used.

Both entry points raise only ``TokenError`` subclasses, whatever the input.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from typing import Final

from .algorithms import SUPPORTED_ALGORITHMS, key_fits, verify_signature
from .encoding import b64url_decode, loads_strict
from .errors import (
    AmbiguousKeyError,
    InvalidSignatureError,
    KeyNotFoundError,
    KeySetError,
    MalformedTokenError,
    TokenError,
    UnsupportedAlgorithmError,
    UnusableKeyError,
)
from .jwk import JsonWebKey, parse_jwk
from .keys import KeySet

__all__ = ["MAX_TOKEN_LENGTH", "allowed_algorithms", "verify_jws", "verify_with_keyset"]

MAX_TOKEN_LENGTH: Final = 16 * 1024
"""Longer tokens are refused before any parsing (real ones are 1-3 KiB)."""

Header = dict[str, object]


def allowed_algorithms(algorithms: Iterable[str] | str) -> frozenset[str]:
    """The caller's algorithms that we support; ``none`` and HMAC never survive this.

    A single name may be given as a plain string.
    """
    names = (algorithms,) if isinstance(algorithms, str) else tuple(algorithms)
    return frozenset(name for name in names if isinstance(name, str)) & SUPPORTED_ALGORITHMS


def verify_jws(
    token: object,
    jwks: Mapping[str, object] | KeySet,
    algorithms: Iterable[str] | str,
) -> bytes:
    """Verify a compact JWS against a JWKS document and return the payload bytes.

    ``jwks`` is a JWKS dict (its parsed keys are cached, keyed on their JSON text) or a
    ``KeySet``. Raises ``TokenError`` (a subclass) for every refusal.
    """
    allowed = allowed_algorithms(algorithms)
    try:
        keys = jwks if isinstance(jwks, KeySet) else _keyset_of(jwks)
        return _verify(token, keys, allowed)[1]
    except TokenError:
        raise
    except Exception:  # the promise: nothing but TokenError leaves this function
        raise MalformedTokenError("token could not be processed") from None


def verify_with_keyset(
    token: object, keys: KeySet, algorithms: Iterable[str] | str
) -> tuple[Header, bytes]:
    """Verify a compact JWS with ``keys``; return its header and payload bytes.

    For validators, which also need the header (``typ``). Same rules and same
    ``TokenError``-only promise as ``verify_jws``.
    """
    # Validators pass a precomputed frozenset: skip rebuilding it for every token.
    if isinstance(algorithms, frozenset) and algorithms <= SUPPORTED_ALGORITHMS:
        allowed = algorithms
    else:
        allowed = allowed_algorithms(algorithms)
    try:
        return _verify(token, keys, allowed)
    except TokenError:
        raise
    except Exception:
        raise MalformedTokenError("token could not be processed") from None


# header, signing input, payload, signature
_Compact = tuple[Header, bytes, bytes, bytes]


def _verify(token: object, keys: KeySet, allowed: frozenset[str]) -> tuple[Header, bytes]:
    header, signing_input, payload, signature = _parse_compact(token)
    alg = _check_header(header, allowed)
    key = _select_key(keys, header, alg)
    if not verify_signature(alg, key, signing_input, signature):
        raise InvalidSignatureError("signature does not verify")
    return header, payload


def _parse_compact(token: object) -> _Compact:
    if not isinstance(token, str):
        raise MalformedTokenError("token is not a string")
    if len(token) > MAX_TOKEN_LENGTH:
        raise MalformedTokenError("token is too long")
    token = str.__str__(token)  # a plain str, whatever subclass came in
    if not token.isascii():
        raise MalformedTokenError("token is not ASCII")
    parts = token.split(".")
    if len(parts) != 3:
        raise MalformedTokenError("token does not have three parts")
    header_b64, payload_b64, signature_b64 = parts
    if not signature_b64:
        raise MalformedTokenError("token has no signature")
    try:
        header_bytes = b64url_decode(header_b64)
        payload = b64url_decode(payload_b64)
        signature = b64url_decode(signature_b64)
    except ValueError:
        raise MalformedTokenError("token part is not base64url") from None
    try:
        header = loads_strict(header_bytes)
    except ValueError:
        raise MalformedTokenError("header is not strict JSON") from None
    if not isinstance(header, dict):
        raise MalformedTokenError("header is not a JSON object")
    # RFC 7515 section 5.2: the signature covers the two parts exactly as received.
    signing_input = f"{header_b64}.{payload_b64}".encode("ascii")
    return header, signing_input, payload, signature


def _check_header(header: Header, allowed: frozenset[str]) -> str:
    alg = header.get("alg")
    if not isinstance(alg, str):
        raise MalformedTokenError("header has no alg")
    if alg not in allowed:  # allowed never holds none or HS*: see allowed_algorithms
        raise UnsupportedAlgorithmError("algorithm not allowed")
    if "crit" in header:
        # RFC 7515 section 4.1.11: extensions we do not understand must be refused, and
        # we implement none.
        raise MalformedTokenError("critical header extensions are not supported")
    if "b64" in header and header["b64"] is not True:
        raise MalformedTokenError("unencoded payloads are not supported")
    for name in ("kid", "x5t"):
        if name in header and not isinstance(header[name], str):
            raise MalformedTokenError("header key reference is not a string")
    return alg


def _select_key(keys: KeySet, header: Header, alg: str) -> JsonWebKey:
    """Pick the one key of ours the header points at; refuse when that is not clear."""
    kid = header.get("kid")
    x5t = header.get("x5t")
    candidates: tuple[JsonWebKey, ...]
    if isinstance(kid, str):
        candidates = keys.with_kid(kid)
        if not candidates:
            raise KeyNotFoundError("no key with the token's kid")
    elif isinstance(x5t, str):
        candidates = keys.with_x5t(x5t)
        if not candidates:
            raise KeyNotFoundError("no key with the token's x5t")
    else:
        candidates = keys.keys
    usable = [key for key in candidates if _usable_for(key, alg)]
    if not usable:
        if kid is None and x5t is None:
            raise KeyNotFoundError("no key fits the token's algorithm")
        raise UnusableKeyError("the token's key may not verify this algorithm")
    first = usable[0]
    # The same key listed twice (configured and fetched) is not ambiguous; two
    # different keys are.
    if any(key.material != first.material for key in usable[1:]):
        raise AmbiguousKeyError("more than one key could verify the token")
    return first


def _usable_for(key: JsonWebKey, alg: str) -> bool:
    if key.use is not None and key.use != "sig":
        return False
    if key.key_ops is not None and "verify" not in key.key_ops:
        return False
    if key.alg is not None and key.alg != alg:
        return False
    return key_fits(alg, key)


def _keyset_of(jwks: object) -> KeySet:
    """The KeySet of a JWKS dict, parsed once per distinct key material."""
    if not isinstance(jwks, Mapping):
        raise KeySetError("JWKS is not a JSON object")
    entries = jwks.get("keys")
    if not isinstance(entries, list):
        raise KeySetError("JWKS has no keys list")
    texts: list[str] = []
    for entry in entries:
        try:
            texts.append(json.dumps(entry, sort_keys=True, separators=(",", ":"), allow_nan=False))
        except (TypeError, ValueError, RecursionError):
            continue  # not JSON data: a malformed entry, skipped like any other
    return _keyset_of_texts(tuple(texts))


@functools.lru_cache(maxsize=32)
def _keyset_of_texts(texts: tuple[str, ...]) -> KeySet:
    keys = (parse_jwk(json.loads(text)) for text in texts)
    return KeySet(key for key in keys if key is not None)
