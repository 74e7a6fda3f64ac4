"""SuperOffice's published signing certificates, as JWKs.

The SOD and Stage federated-login certificates ship in `data/` as PEM (the source of truth)
and, pre-converted, in `data/published-keys.json`. Loading the JSON costs microseconds;
parsing certificates at every cold start would cost time for nothing. A unit test keeps
the JSON equal to the certificates; after changing a certificate regenerate it with
`python -m superoffice_app.certificates`.

Every function reads this at cold start, the authorizer too, so it uses what is loaded
anyway: `os.path` rather than `pathlib`, cryptography's SHA-1 rather than `hashlib` (whose
OpenSSL load alone costs more than the rest of this module).
"""

from __future__ import annotations

import binascii
import json
import os
from functools import cache
from typing import Any

from cryptography.hazmat.primitives import hashes

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
PUBLISHED_KEYS_FILE = os.path.join(DATA_DIR, "published-keys.json")
CERTIFICATE_FILES = {
    "sod": os.path.join(DATA_DIR, "sod-federated-login.crt"),
    "stage": os.path.join(DATA_DIR, "stage-federated-login.crt"),
}


class CertificateError(ValueError):
    """A configured certificate is not a usable RSA signing certificate."""


# binascii rather than base64: base64 imports struct, and this module is on every
# function's cold-start path (the authorizer's budget is half the floor).
_STANDARD_TO_URL = bytes.maketrans(b"+/", b"-_")
_URL_TO_STANDARD = bytes.maketrans(b"-_", b"+/")


def _b64(data: bytes) -> str:
    return binascii.b2a_base64(data, newline=False).decode("ascii")


def _b64url(data: bytes) -> str:
    return (
        binascii.b2a_base64(data, newline=False)
        .translate(_STANDARD_TO_URL)
        .rstrip(b"=")
        .decode("ascii")
    )


def jwk_from_certificate_pem(pem: str | bytes) -> dict[str, Any]:
    """The public JWK of an RSA certificate, with `x5t` = base64url(SHA-1(DER)).

    The certificate is read with a minimal DER walk rather than `cryptography.x509`, whose
    import alone would add ~45 ms to the cold start of every production function. Only
    the public key is needed: the certificate is configuration we trust, not a chain to
    validate.
    """
    text = pem.decode("ascii", "replace") if isinstance(pem, bytes) else pem
    # Settings often carry PEM with literal "\n" sequences; restore real line breaks.
    text = text.replace("\\n", "\n").strip()
    if not (text.startswith(_PEM_BEGIN) and text.endswith(_PEM_END)):
        raise CertificateError("not a PEM-encoded X.509 certificate")
    body = "".join(text[len(_PEM_BEGIN) : -len(_PEM_END)].split())
    try:
        der = binascii.a2b_base64(body.encode("ascii"), strict_mode=True)
    except (ValueError, binascii.Error) as error:
        raise CertificateError("not a PEM-encoded X.509 certificate") from error
    n, e = _rsa_public_numbers(der)
    sha1 = hashes.Hash(hashes.SHA1())  # noqa: S303 - names the certificate (x5t), no security
    sha1.update(der)
    thumbprint = sha1.finalize()
    return {
        "kty": "RSA",
        "use": "sig",
        "alg": "RS256",
        "n": _b64url(n),
        "e": _b64url(e),
        "x5t": _b64url(thumbprint),
        "x5c": [_b64(der)],
    }


_PEM_BEGIN = "-----BEGIN CERTIFICATE-----"
_PEM_END = "-----END CERTIFICATE-----"
_SEQUENCE, _INTEGER, _BIT_STRING, _CONTEXT_0 = 0x30, 0x02, 0x03, 0xA0
# AlgorithmIdentifier { rsaEncryption (1.2.840.113549.1.1.1), NULL }
_RSA_ENCRYPTION_OID = bytes.fromhex("06092a864886f70d010101")


def _read(der: bytes, offset: int, tag: int) -> tuple[bytes, int]:
    """The content of the DER element of type `tag` at `offset`, and the offset after it."""
    if offset + 2 > len(der) or der[offset] != tag:
        raise CertificateError("not an X.509 certificate (unexpected DER structure)")
    length, position = der[offset + 1], offset + 2
    if length & 0x80:
        size = length & 0x7F
        if not 1 <= size <= 4 or position + size > len(der):
            raise CertificateError("not an X.509 certificate (bad DER length)")
        length = int.from_bytes(der[position : position + size], "big")
        position += size
    end = position + length
    if end > len(der):
        raise CertificateError("not an X.509 certificate (truncated)")
    return der[position:end], end


def _unsigned(integer: bytes) -> bytes:
    stripped = integer.lstrip(b"\x00")
    if not stripped:
        raise CertificateError("the certificate's RSA key is malformed")
    return stripped


def _rsa_public_numbers(der: bytes) -> tuple[bytes, bytes]:
    """Modulus and exponent (big-endian, unsigned) from Certificate.tbsCertificate.SPKI."""
    certificate, _ = _read(der, 0, _SEQUENCE)
    tbs, _ = _read(certificate, 0, _SEQUENCE)
    offset = 0
    if tbs[:1] == bytes([_CONTEXT_0]):  # explicit version
        _, offset = _read(tbs, 0, _CONTEXT_0)
    _, offset = _read(tbs, offset, _INTEGER)  # serialNumber
    for _field in ("signature", "issuer", "validity", "subject"):
        _, offset = _read(tbs, offset, _SEQUENCE)
    spki, _ = _read(tbs, offset, _SEQUENCE)
    algorithm, after = _read(spki, 0, _SEQUENCE)
    if not algorithm.startswith(_RSA_ENCRYPTION_OID):
        raise CertificateError("the certificate's key is not an RSA key")
    bits, _ = _read(spki, after, _BIT_STRING)
    if bits[:1] != b"\x00":
        raise CertificateError("the certificate's RSA key is malformed")
    rsa_key, _ = _read(bits[1:], 0, _SEQUENCE)
    modulus, after = _read(rsa_key, 0, _INTEGER)
    exponent, _ = _read(rsa_key, after, _INTEGER)
    return _unsigned(modulus), _unsigned(exponent)


def thumbprint_hex(jwk: dict[str, Any]) -> str:
    """The "SuperOffice Certificate ID": the SHA-1 thumbprint in upper-case hex."""
    x5t = str(jwk["x5t"])
    padded = x5t.encode("ascii").translate(_URL_TO_STANDARD) + b"=" * (-len(x5t) % 4)
    return binascii.a2b_base64(padded).hex().upper()


@cache
def _published() -> dict[str, list[dict[str, Any]]]:
    with open(PUBLISHED_KEYS_FILE, encoding="utf-8") as file:
        data: dict[str, list[dict[str, Any]]] = json.load(file)
    return data


def published_jwks(environment: str) -> dict[str, Any]:
    """The JWKS of the certificates SuperOffice publishes for `environment` (may be empty)."""
    return {"keys": [dict(key) for key in _published().get(environment, [])]}


def generate_published_keys() -> dict[str, list[dict[str, Any]]]:
    """Recompute `published-keys.json` from the certificate files."""
    return {
        name: [jwk_from_certificate_pem(_read_bytes(path))]
        for name, path in sorted(CERTIFICATE_FILES.items())
    }


def _read_bytes(path: str) -> bytes:
    with open(path, "rb") as file:
        return file.read()


if __name__ == "__main__":
    with open(PUBLISHED_KEYS_FILE, "w", encoding="utf-8") as out:
        out.write(json.dumps(generate_published_keys(), indent=2) + "\n")
    print(f"wrote {PUBLISHED_KEYS_FILE}")
