"""One JSON Web Key (RFC 7517), parsed once into a ``cryptography`` public key.

Parsing is where the cost is (building an RSA key from its numbers), so it happens when
a key set is loaded, never per token. A JWKS entry that is malformed, private-only,
symmetric or of a type we do not verify with is skipped (``parse_jwk`` returns ``None``):
one bad entry in a publisher's JWKS must not take the other keys down with it.

Only RSA is imported up front: SuperOffice signs with it, so every cold start needs it.
The EC and EdDSA modules are imported by the first key of their type (the app's ES256
session keys arrive with the first session to verify), so a path that never meets
one does not pay for their import.
"""

from __future__ import annotations

import binascii
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Final, Literal, TypeAlias

from cryptography.hazmat.primitives.asymmetric import rsa

from .encoding import b64url_decode_padded, b64url_encode

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519

__all__ = ["JsonWebKey", "PublicKey", "parse_jwk", "x5t_of_der"]

PublicKey: TypeAlias = (
    "rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | ed448.Ed448PublicKey"
)
KeyType: TypeAlias = Literal["RSA", "EC", "OKP"]

# Beyond these an RSA verification gets slow enough to be a denial of service, and no
# real signer uses them (OpenSSL itself stops at 16384-bit moduli).
_MAX_RSA_BITS: Final = 16384
_MAX_RSA_EXPONENT_BITS: Final = 64

# The curve's class in cryptography's `ec` module, and its coordinates' length in bytes.
_EC_CURVES: Final[Mapping[str, tuple[str, int]]] = {
    "P-256": ("SECP256R1", 32),
    "P-384": ("SECP384R1", 48),
    "P-521": ("SECP521R1", 66),
}
_OKP_SIZES: Final[Mapping[str, int]] = {"Ed25519": 32, "Ed448": 57}
# The members a public JWK may show; everything else (d, p, q, k, ...) is never copied.
_PUBLIC_MEMBERS: Final = ("kty", "crv", "n", "e", "x", "y", "kid", "use", "alg", "key_ops")


class JsonWebKey:
    """A verification key with the JWK metadata that decides where it may be used.

    Immutable. Equality and hashing cover the key material and the metadata, so a key
    set can drop exact duplicates (the same key published twice, or both configured and
    fetched). A plain slotted class rather than a dataclass: this module is imported on
    every cold start of the authorizer, and generating dataclass methods costs time.
    """

    __slots__ = (
        "alg",
        "crv",
        "key_ops",
        "kid",
        "kty",
        "material",
        "public_jwk",
        "public_key",
        "size",
        "use",
        "x5t",
    )

    kty: KeyType
    crv: str | None
    """``P-256``/``P-384``/``P-521`` for EC, ``Ed25519``/``Ed448`` for OKP, None for RSA."""
    size: int
    """RSA modulus bits, or the curve's size in bits."""
    kid: str | None
    x5t: str | None
    """The ``x5t`` member, or else base64url(SHA-1(DER of ``x5c[0]``))."""
    use: str | None
    key_ops: tuple[str, ...] | None
    alg: str | None
    material: tuple[object, ...]
    """The public key's identity: ("RSA", n, e), ("EC", crv, x, y) or ("OKP", crv, x)."""
    public_key: PublicKey
    public_jwk: Mapping[str, object]
    """The entry's public members, for ``KeySet.to_public_jwks``."""

    def __init__(
        self,
        *,
        kty: KeyType,
        crv: str | None,
        size: int,
        kid: str | None,
        x5t: str | None,
        use: str | None,
        key_ops: tuple[str, ...] | None,
        alg: str | None,
        material: tuple[object, ...],
        public_key: PublicKey,
        public_jwk: Mapping[str, object],
    ) -> None:
        values = {
            "kty": kty,
            "crv": crv,
            "size": size,
            "kid": kid,
            "x5t": x5t,
            "use": use,
            "key_ops": key_ops,
            "alg": alg,
            "material": material,
            "public_key": public_key,
            "public_jwk": MappingProxyType(dict(public_jwk)),
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("JsonWebKey is immutable")

    def _identity(self) -> tuple[object, ...]:
        return (self.material, self.kid, self.x5t, self.use, self.key_ops, self.alg)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, JsonWebKey):
            return NotImplemented
        return self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())

    def __repr__(self) -> str:
        return (
            f"JsonWebKey(kty={self.kty!r}, crv={self.crv!r}, size={self.size}, "
            f"kid={self.kid!r}, x5t={self.x5t!r}, use={self.use!r}, "
            f"key_ops={self.key_ops!r}, alg={self.alg!r})"
        )


def x5t_of_der(der: bytes) -> str:
    """The JOSE ``x5t`` of a certificate: base64url of the SHA-1 of its DER bytes.

    SHA-1 only names the certificate here (RFC 7515 section 4.1.7); trust comes from the
    key set the certificate is in, never from the thumbprint.
    """
    # Only for an entry with x5c but no x5t: hashlib's OpenSSL load stays off cold starts.
    import hashlib  # noqa: PLC0415

    return b64url_encode(hashlib.sha1(der, usedforsecurity=False).digest())


def parse_jwk(entry: object) -> JsonWebKey | None:
    """Parse one JWKS entry, or return None when it is malformed or not a signing key."""
    try:
        return _parse(entry)
    except Exception:  # malformed entries are skipped, whatever the failure
        return None


def _optional_str(entry: Mapping[str, object], name: str) -> str | None:
    value = entry.get(name)
    if value is None or isinstance(value, str):
        return value
    raise ValueError(name)


def _parse(entry: object) -> JsonWebKey | None:
    if not isinstance(entry, Mapping):
        return None
    kty = entry.get("kty")
    kid = _optional_str(entry, "kid")
    use = _optional_str(entry, "use")
    alg = _optional_str(entry, "alg")
    x5t = _optional_str(entry, "x5t")
    key_ops = _key_ops(entry.get("key_ops"))
    x5c = _x5c(entry.get("x5c"))
    if x5c is not None and x5t is None:
        # x5c holds standard (not url-safe) base64 DER, RFC 7517 section 4.7.
        x5t = x5t_of_der(binascii.a2b_base64(x5c[0].encode("ascii"), strict_mode=True))

    kty_value: KeyType
    parsed: tuple[PublicKey, str | None, int, tuple[object, ...]] | None
    if kty == "RSA":
        kty_value, parsed = "RSA", _rsa(entry)
    elif kty == "EC":
        kty_value, parsed = "EC", _ec(entry)
    elif kty == "OKP":
        kty_value, parsed = "OKP", _okp(entry)
    else:  # "oct" and unknown types: we never verify with them
        return None
    if parsed is None:
        return None
    public_key, crv, size, material = parsed

    public_jwk: dict[str, object] = {
        name: entry[name] for name in _PUBLIC_MEMBERS if entry.get(name) is not None
    }
    if key_ops is not None:
        public_jwk["key_ops"] = list(key_ops)
    if x5t is not None:
        public_jwk["x5t"] = x5t
    if x5c is not None:
        public_jwk["x5c"] = list(x5c)
    return JsonWebKey(
        kty=kty_value,
        crv=crv,
        size=size,
        kid=kid,
        x5t=x5t,
        use=use,
        key_ops=key_ops,
        alg=alg,
        material=material,
        public_key=public_key,
        public_jwk=public_jwk,
    )


def _x5c(value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not value:
        raise ValueError("x5c")
    if not all(isinstance(item, str) for item in value):
        raise ValueError("x5c")
    return tuple(value)


def _key_ops(value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(op, str) for op in value):
        raise ValueError("key_ops")
    return tuple(value)


def _member_bytes(entry: Mapping[str, object], name: str) -> bytes:
    value = entry.get(name)
    if not isinstance(value, str) or not value:
        raise ValueError(name)
    return b64url_decode_padded(value)


def _rsa(entry: Mapping[str, object]) -> tuple[PublicKey, None, int, tuple[object, ...]] | None:
    n = int.from_bytes(_member_bytes(entry, "n"), "big")
    e = int.from_bytes(_member_bytes(entry, "e"), "big")
    if n.bit_length() > _MAX_RSA_BITS or e.bit_length() > _MAX_RSA_EXPONENT_BITS:
        return None
    if e < 3 or e % 2 == 0 or n % 2 == 0:
        return None
    key = rsa.RSAPublicNumbers(e, n).public_key()
    return key, None, key.key_size, ("RSA", n, e)


def _ec(entry: Mapping[str, object]) -> tuple[PublicKey, str, int, tuple[object, ...]] | None:
    crv = entry.get("crv")
    if not isinstance(crv, str) or crv not in _EC_CURVES:
        return None
    from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415 - see the module

    curve_name, length = _EC_CURVES[crv]
    x = _member_bytes(entry, "x")
    y = _member_bytes(entry, "y")
    # RFC 7518 section 6.2.1.2: the coordinates are full length, never shortened.
    if len(x) != length or len(y) != length:
        return None
    curve: ec.EllipticCurve = getattr(ec, curve_name)()
    # from_encoded_point checks that the point is on the curve (invalid-curve attacks).
    key = ec.EllipticCurvePublicKey.from_encoded_point(curve, b"\x04" + x + y)
    return key, crv, curve.key_size, ("EC", crv, x, y)


def _okp(entry: Mapping[str, object]) -> tuple[PublicKey, str, int, tuple[object, ...]] | None:
    crv = entry.get("crv")
    if not isinstance(crv, str) or crv not in _OKP_SIZES:  # X25519/X448 are not for signing
        return None
    x = _member_bytes(entry, "x")
    if len(x) != _OKP_SIZES[crv]:
        return None
    from cryptography.hazmat.primitives.asymmetric import ed448, ed25519  # noqa: PLC0415

    key: PublicKey
    if crv == "Ed25519":
        key = ed25519.Ed25519PublicKey.from_public_bytes(x)
        size = 256
    else:
        key = ed448.Ed448PublicKey.from_public_bytes(x)
        size = 448
    return key, crv, size, ("OKP", crv, x)
