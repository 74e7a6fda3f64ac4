"""The asymmetric JWS algorithms we verify (RFC 7518 section 3, RFC 8037) and nothing else.

``none`` and the HMAC family are absent on purpose: with a public key set, accepting
HS256 lets anyone who has the public key forge tokens, and ``none`` needs no key at all.
Which key type fits which algorithm is fixed here too, so a key can never be used with
an algorithm other than the one it was made for.

EC and EdDSA verification import their modules when first used, like ``jwk`` does: the
authorizer's cold start needs RSA only.
"""

# No `from __future__ import annotations` here: a NamedTuple's string annotations are
# compiled one by one when the class is made, which the authorizer's cold start pays
# (tests/unit/layer/test_function_init.py keeps it so).

from collections.abc import Mapping
from typing import Final, Literal, NamedTuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .jwk import JsonWebKey

__all__ = ["MIN_RSA_BITS", "SUPPORTED_ALGORITHMS", "key_fits", "verify_signature"]

# RFC 7518 section 3.3: "A key of size 2048 bits or larger MUST be used".
MIN_RSA_BITS: Final = 2048


class _Algorithm(NamedTuple):
    family: Literal["RSA", "PSS", "EC", "EdDSA"]
    curve: str | None  # the one EC curve an ES* algorithm is defined for
    # Built once: these objects are immutable, and building them per token is measurable.
    digest: hashes.HashAlgorithm | None
    rsa_padding: padding.AsymmetricPadding | None


def _rsa(digest: hashes.HashAlgorithm) -> _Algorithm:
    return _Algorithm("RSA", None, digest, padding.PKCS1v15())


def _pss(digest: hashes.HashAlgorithm) -> _Algorithm:
    # RFC 7518 section 3.5: MGF1 with the same hash, salt exactly as long as the hash.
    pss = padding.PSS(mgf=padding.MGF1(digest), salt_length=digest.digest_size)
    return _Algorithm("PSS", None, digest, pss)


def _ecdsa(digest: hashes.HashAlgorithm, curve: str) -> _Algorithm:
    # No ec.ECDSA object here: building one imports OpenSSL's backend module (~8 ms of
    # cold start), so it is built per verification instead, which costs microseconds.
    return _Algorithm("EC", curve, digest, None)


_ALGORITHMS: Final[Mapping[str, _Algorithm]] = {
    "RS256": _rsa(hashes.SHA256()),
    "RS384": _rsa(hashes.SHA384()),
    "RS512": _rsa(hashes.SHA512()),
    "PS256": _pss(hashes.SHA256()),
    "PS384": _pss(hashes.SHA384()),
    "PS512": _pss(hashes.SHA512()),
    "ES256": _ecdsa(hashes.SHA256(), "P-256"),
    "ES384": _ecdsa(hashes.SHA384(), "P-384"),
    "ES512": _ecdsa(hashes.SHA512(), "P-521"),
    "EdDSA": _Algorithm("EdDSA", None, None, None),
}

SUPPORTED_ALGORITHMS: Final = frozenset(_ALGORITHMS)


def key_fits(alg: str, key: JsonWebKey) -> bool:
    """Whether ``key``'s type (and size or curve) is the one ``alg`` is defined for."""
    spec = _ALGORITHMS.get(alg)
    if spec is None:
        return False
    if spec.family in ("RSA", "PSS"):
        return key.kty == "RSA" and key.size >= MIN_RSA_BITS
    if spec.family == "EC":
        return key.kty == "EC" and key.crv == spec.curve
    return key.kty == "OKP" and key.crv in ("Ed25519", "Ed448")


def verify_signature(alg: str, key: JsonWebKey, signing_input: bytes, signature: bytes) -> bool:
    """Verify ``signature`` over ``signing_input``; False for any mismatch, never raises.

    The caller has already checked ``key_fits(alg, key)``; a mismatch here still only
    gives False.
    """
    spec = _ALGORITHMS.get(alg)
    if spec is None or not key_fits(alg, key):
        return False
    public_key = key.public_key
    try:
        if spec.family in ("RSA", "PSS"):
            return _verify_rsa(spec, public_key, signing_input, signature)
        if spec.family == "EC":
            return _verify_ecdsa(spec, public_key, signing_input, signature)
        return _verify_eddsa(public_key, signing_input, signature)
    except InvalidSignature:
        return False


def _verify_rsa(
    spec: _Algorithm, public_key: object, signing_input: bytes, signature: bytes
) -> bool:
    if not isinstance(public_key, rsa.RSAPublicKey):
        return False
    if spec.digest is None or spec.rsa_padding is None:
        return False
    # The signature is an integer below the modulus, encoded at exactly its length.
    if len(signature) != (public_key.key_size + 7) // 8:
        return False
    public_key.verify(signature, signing_input, spec.rsa_padding, spec.digest)
    return True


def _verify_ecdsa(
    spec: _Algorithm, public_key: object, signing_input: bytes, signature: bytes
) -> bool:
    from cryptography.hazmat.primitives.asymmetric import ec, utils  # noqa: PLC0415

    if not isinstance(public_key, ec.EllipticCurvePublicKey) or spec.digest is None:
        return False
    # RFC 7518 section 3.4: R || S, each exactly as long as the curve order in bytes.
    # A DER signature or a shortened one is refused, not converted.
    half = (public_key.curve.key_size + 7) // 8
    if len(signature) != 2 * half:
        return False
    r = int.from_bytes(signature[:half], "big")
    s = int.from_bytes(signature[half:], "big")
    public_key.verify(utils.encode_dss_signature(r, s), signing_input, ec.ECDSA(spec.digest))
    return True


def _verify_eddsa(public_key: object, signing_input: bytes, signature: bytes) -> bool:
    from cryptography.hazmat.primitives.asymmetric import ed448, ed25519  # noqa: PLC0415

    if not isinstance(public_key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        return False
    public_key.verify(signature, signing_input)
    return True
