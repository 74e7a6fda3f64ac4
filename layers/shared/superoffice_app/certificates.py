"""SuperOffice's published signing certificates, as JWKs.

The SOD and Stage federated-login certificates ship in `data/` as PEM (the source of truth)
and, pre-converted, in `data/published-keys.json`. Loading the JSON costs microseconds;
loading an X.509 certificate needs `cryptography.x509`, whose import alone is ~45 ms of
the authorizer's cold start. A unit test keeps the JSON equal to the certificates; after
changing a certificate regenerate it with `python -m superoffice_app.certificates`.
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).with_name("data")
PUBLISHED_KEYS_FILE = DATA_DIR / "published-keys.json"
CERTIFICATE_FILES = {
    "sod": DATA_DIR / "sod-federated-login.crt",
    "stage": DATA_DIR / "stage-federated-login.crt",
}


class CertificateError(ValueError):
    """A configured certificate is not a usable RSA signing certificate."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _uint(value: int) -> str:
    return _b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def jwk_from_certificate_pem(pem: str | bytes) -> dict[str, Any]:
    """The public JWK of an RSA certificate, with `x5t` = base64url(SHA-1(DER)).

    Imports `cryptography.x509` lazily: only deployments configured with a certificate
    (production) pay for it, once, at cold start.
    """
    from cryptography import x509  # noqa: PLC0415 - deliberate lazy import, see docstring
    from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: PLC0415
    from cryptography.hazmat.primitives.serialization import Encoding  # noqa: PLC0415

    raw = pem.encode("ascii", "replace") if isinstance(pem, str) else pem
    # Settings often carry PEM with literal "\n" sequences; restore real line breaks.
    raw = raw.replace(b"\\n", b"\n").strip() + b"\n"
    try:
        certificate = x509.load_pem_x509_certificate(raw)
    except ValueError as error:
        raise CertificateError("not a PEM-encoded X.509 certificate") from error
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise CertificateError("the certificate's key is not an RSA key")
    numbers = key.public_numbers()
    der = certificate.public_bytes(Encoding.DER)
    thumbprint = hashlib.sha1(der, usedforsecurity=False).digest()
    return {
        "kty": "RSA",
        "use": "sig",
        "alg": "RS256",
        "n": _uint(numbers.n),
        "e": _uint(numbers.e),
        "x5t": _b64url(thumbprint),
        "x5c": [base64.b64encode(der).decode("ascii")],
    }


def thumbprint_hex(jwk: dict[str, Any]) -> str:
    """The "SuperOffice Certificate ID": the SHA-1 thumbprint in upper-case hex."""
    x5t = str(jwk["x5t"])
    return base64.urlsafe_b64decode(x5t + "=" * (-len(x5t) % 4)).hex().upper()


@cache
def _published() -> dict[str, list[dict[str, Any]]]:
    data: dict[str, list[dict[str, Any]]] = json.loads(PUBLISHED_KEYS_FILE.read_text("utf-8"))
    return data


def published_jwks(environment: str) -> dict[str, Any]:
    """The JWKS of the certificates SuperOffice publishes for `environment` (may be empty)."""
    return {"keys": [dict(key) for key in _published().get(environment, [])]}


def generate_published_keys() -> dict[str, list[dict[str, Any]]]:
    """Recompute `published-keys.json` from the certificate files."""
    return {
        name: [jwk_from_certificate_pem(path.read_bytes())]
        for name, path in sorted(CERTIFICATE_FILES.items())
    }


if __name__ == "__main__":
    PUBLISHED_KEYS_FILE.write_text(json.dumps(generate_published_keys(), indent=2) + "\n", "utf-8")
    print(f"wrote {PUBLISHED_KEYS_FILE}")  # noqa: T201 - a developer command
