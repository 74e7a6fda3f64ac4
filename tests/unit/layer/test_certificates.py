"""Reading SuperOffice's signing certificates without cryptography.x509 at run time."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from superoffice_app.certificates import CertificateError, jwk_from_certificate_pem

DATA = Path(__file__).parents[3] / "layers/shared/superoffice_app/data"


def b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def expected_with_x509(pem: bytes) -> tuple[str, str, str]:
    """The same facts through cryptography.x509: the independent reference."""
    certificate = x509.load_pem_x509_certificate(pem)
    key = certificate.public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    der = certificate.public_bytes(serialization.Encoding.DER)
    x5t = base64.urlsafe_b64encode(hashlib.sha1(der).digest()).rstrip(b"=").decode()
    numbers = key.public_numbers()
    return b64url_uint(numbers.n), b64url_uint(numbers.e), x5t


def self_signed(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM)


@pytest.mark.parametrize("name", ["sod-federated-login.crt", "stage-federated-login.crt"])
def test_published_certificates_read_as_x509_reads_them(name: str) -> None:
    pem = (DATA / name).read_bytes()
    jwk = jwk_from_certificate_pem(pem)
    assert (jwk["n"], jwk["e"], jwk["x5t"]) == expected_with_x509(pem)


def test_a_fresh_rsa_certificate_reads_as_x509_reads_it() -> None:
    pem = self_signed(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    jwk = jwk_from_certificate_pem(pem.decode())
    assert (jwk["n"], jwk["e"], jwk["x5t"]) == expected_with_x509(pem)
    assert jwk["x5c"][0] == "".join(pem.decode().splitlines()[1:-1])


def test_an_ec_certificate_is_refused() -> None:
    pem = self_signed(ec.generate_private_key(ec.SECP256R1()))
    with pytest.raises(CertificateError, match="not an RSA key"):
        jwk_from_certificate_pem(pem)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----",
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
        "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----",
    ],
)
def test_garbage_is_refused_with_certificate_error(text: str) -> None:
    with pytest.raises(CertificateError):
        jwk_from_certificate_pem(text)


def test_truncated_certificate_is_refused() -> None:
    pem = (DATA / "sod-federated-login.crt").read_text()
    lines = pem.strip().splitlines()
    cut = "\n".join([lines[0], *lines[1:8], lines[-1]])
    with pytest.raises(CertificateError):
        jwk_from_certificate_pem(cut)
