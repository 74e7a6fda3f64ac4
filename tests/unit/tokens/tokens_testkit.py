"""Test-only keys and a hand-rolled JWS signer for the token tests.

The signer here is deliberately raw: it signs whatever header and payload bytes it is
given (duplicate members, odd algorithms, hostile headers), which no JWT library would
produce. Happy paths of the validators use PyJWT instead, as an independent
implementation. Keys are generated once per test session (RSA generation is slow).
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import hmac
import json
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa, utils
from cryptography.x509.oid import NameOID

SO = "http://schemes.superoffice.net/identity/"

PrivateKey = (
    rsa.RSAPrivateKey
    | ec.EllipticCurvePrivateKey
    | ed25519.Ed25519PrivateKey
    | ed448.Ed448PrivateKey
)

_CURVES: dict[str, ec.EllipticCurve] = {
    "P-256": ec.SECP256R1(),
    "P-384": ec.SECP384R1(),
    "P-521": ec.SECP521R1(),
}
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "256": hashes.SHA256,
    "384": hashes.SHA384,
    "512": hashes.SHA512,
}


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64u_json(value: object) -> str:
    return b64u(json.dumps(value, separators=(",", ":")).encode())


def uint(value: int) -> str:
    return b64u(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def rsa_key(name: str, bits: int = 2048) -> rsa.RSAPrivateKey:
    """A named RSA key, generated once per session (the name only keeps keys apart)."""
    return _rsa_key(name, bits)


def ec_key(name: str, crv: str = "P-256") -> ec.EllipticCurvePrivateKey:
    return _ec_key(name, crv)


def ed_key(name: str, crv: str = "Ed25519") -> ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey:
    return _ed_key(name, crv)


# The caches sit behind the wrappers so that a default argument and the same argument
# given explicitly find the same key.
@functools.cache
def _rsa_key(name: str, bits: int) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


@functools.cache
def _ec_key(name: str, crv: str) -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(_CURVES[crv])


@functools.cache
def _ed_key(name: str, crv: str) -> ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey:
    if crv == "Ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    return ed448.Ed448PrivateKey.generate()


def public_jwk(key: PrivateKey, **members: Any) -> dict[str, Any]:
    """The public JWK of ``key`` plus ``members`` (kid, use, alg, ...)."""
    jwk: dict[str, Any]
    if isinstance(key, rsa.RSAPrivateKey):
        numbers = key.public_key().public_numbers()
        jwk = {"kty": "RSA", "n": uint(numbers.n), "e": uint(numbers.e)}
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        point = key.public_key().public_numbers()
        size = (key.curve.key_size + 7) // 8
        crv = {256: "P-256", 384: "P-384", 521: "P-521"}[key.curve.key_size]
        jwk = {
            "kty": "EC",
            "crv": crv,
            "x": b64u(point.x.to_bytes(size, "big")),
            "y": b64u(point.y.to_bytes(size, "big")),
        }
    else:
        raw = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        crv = "Ed25519" if isinstance(key, ed25519.Ed25519PrivateKey) else "Ed448"
        jwk = {"kty": "OKP", "crv": crv, "x": b64u(raw)}
    jwk.update(members)
    return jwk


def jwks(*keys: dict[str, Any]) -> dict[str, Any]:
    return {"keys": list(keys)}


def sign(alg: str, key: PrivateKey | bytes, data: bytes) -> bytes:
    """The JWS signature of ``data`` (R||S for ECDSA, raw for EdDSA, HMAC for HS*)."""
    if alg.startswith("HS"):
        assert isinstance(key, bytes)
        return hmac.new(key, data, getattr(hashlib, "sha" + alg[2:])).digest()
    if alg == "EdDSA":
        assert isinstance(key, ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey)
        return key.sign(data)
    digest = _HASHES[alg[2:]]()
    if alg.startswith("RS"):
        assert isinstance(key, rsa.RSAPrivateKey)
        return key.sign(data, padding.PKCS1v15(), digest)
    if alg.startswith("PS"):
        assert isinstance(key, rsa.RSAPrivateKey)
        pss = padding.PSS(mgf=padding.MGF1(digest), salt_length=digest.digest_size)
        return key.sign(data, pss, digest)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    r, s = utils.decode_dss_signature(key.sign(data, ec.ECDSA(digest)))
    size = (key.curve.key_size + 7) // 8
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def make_jws(
    header: dict[str, Any] | str | bytes,
    payload: dict[str, Any] | str | bytes,
    key: PrivateKey | bytes | None,
    alg: str | None = None,
) -> str:
    """A compact JWS signed over exactly the given header and payload bytes.

    A dict is serialised compactly; str/bytes are used as they are (for duplicate
    members, odd spacing). ``alg`` defaults to the header's; ``key=None`` gives an empty
    signature.
    """
    header_bytes = _bytes(header)
    payload_bytes = _bytes(payload)
    signing_input = f"{b64u(header_bytes)}.{b64u(payload_bytes)}"
    if key is None:
        return signing_input + "."
    if alg is None:
        assert isinstance(header, dict)
        alg = str(header["alg"])
    return f"{signing_input}.{b64u(sign(alg, key, signing_input.encode()))}"


def _bytes(value: dict[str, Any] | str | bytes) -> bytes:
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":")).encode()
    if isinstance(value, str):
        return value.encode()
    return value


@functools.cache
def self_signed_der(name: str) -> bytes:
    """A self-signed certificate (DER) for ``rsa_key(name)``, for x5c/x5t tests."""
    key = rsa_key(name)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"test {name}")])
    now = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.DER)


def x5t_of(der: bytes) -> str:
    return b64u(hashlib.sha1(der).digest())


def pem_public_key(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
