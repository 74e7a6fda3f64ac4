"""The simulator's SuperID signing key: an RSA key pair and its self-signed certificate.

Generated on first use under `<state dir>/superoffice/` and reused afterwards, so tokens
minted by `python -m local token` stay valid across restarts of the simulator, and the
certificate handed to the functions (SUPEROFFICE_SIGNING_CERTIFICATE) keeps matching.

Several local tools may start at the same moment (simulator, runner, a test), so creation
is race-free without locks:
- the key is written to a private temporary file and published with `os.link`, which
  fails if the name exists: exactly one key wins, every process then reads that one, and
  a half-written key is never visible under the final name;
- the certificate is a pure function of the key (fixed validity dates, serial derived
  from the public key, deterministic PKCS#1 v1.5 signature), so processes that create it
  concurrently write identical bytes, and `os.replace` makes each write atomic.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import hashlib
import os
import tempfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

KEY_FILE_NAME = "signing-key.pem"
CERTIFICATE_FILE_NAME = "signing-cert.pem"
SUBDIRECTORY = "superoffice"
CERTIFICATE_COMMON_NAME = "SuperOffice Local Simulator Federated Login"

_KEY_BITS = 2048
# Fixed dates keep the certificate deterministic; fifty years is "never expires" locally.
_NOT_BEFORE = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
_NOT_AFTER = datetime.datetime(2075, 1, 1, tzinfo=datetime.UTC)


class SigningKeyError(RuntimeError):
    """The stored key or certificate cannot be used; the message names the file."""


@dataclass(frozen=True)
class SigningKey:
    """The simulator's signing key, its certificate and the public JWK SuperID publishes."""

    private_key: rsa.RSAPrivateKey
    certificate_pem: str
    key_path: Path
    certificate_path: Path

    @cached_property
    def certificate_der(self) -> bytes:
        return x509.load_pem_x509_certificate(self.certificate_pem.encode("ascii")).public_bytes(
            serialization.Encoding.DER
        )

    @cached_property
    def x5t(self) -> str:
        """base64url(SHA-1(certificate DER)): the `x5t` of the JWK and of every token header."""
        digest = hashlib.sha1(self.certificate_der, usedforsecurity=False).digest()
        return _b64url(digest)

    @property
    def thumbprint_hex(self) -> str:
        """The same thumbprint as SuperOffice shows it ("SuperOffice Certificate ID")."""
        return hashlib.sha1(self.certificate_der, usedforsecurity=False).hexdigest().upper()

    @property
    def public_jwk(self) -> dict[str, Any]:
        """The JWKS entry, shaped like SuperOffice's: with `x5t` and `x5c`, without `kid`."""
        numbers = self.private_key.public_key().public_numbers()
        return {
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "n": _b64url_uint(numbers.n),
            "e": _b64url_uint(numbers.e),
            "x5t": self.x5t,
            "x5c": [base64.b64encode(self.certificate_der).decode("ascii")],
        }

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.public_jwk]}


def key_directory(state_dir: Path) -> Path:
    return state_dir / SUBDIRECTORY


def load_or_create_signing_key(state_dir: Path) -> SigningKey:
    """The signing key under `state_dir/superoffice/`, created there on first use.

    `state_dir` is the local state root (`.local`, or `$LOCAL_STATE_DIR`).
    """
    directory = key_directory(state_dir)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    key_path = directory / KEY_FILE_NAME
    certificate_path = directory / CERTIFICATE_FILE_NAME

    if not key_path.exists():
        _publish_new_key(key_path)
    private_key = _read_private_key(key_path)

    expected = certificate_for(private_key)
    if _read_text(certificate_path) != expected:
        # Missing, or left from an earlier key: derive it from the key that is in force.
        _write_atomically(certificate_path, expected.encode("ascii"), mode=0o644)
    return SigningKey(
        private_key=private_key,
        certificate_pem=expected,
        key_path=key_path,
        certificate_path=certificate_path,
    )


def certificate_for(private_key: rsa.RSAPrivateKey) -> str:
    """The self-signed certificate of `private_key`, as PEM; always the same bytes per key."""
    public_key = private_key.public_key()
    spki = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    # A positive serial below 2**159, as RFC 5280 requires, unique per key.
    serial = int.from_bytes(hashlib.sha256(spki).digest()[:20], "big") >> 1
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CERTIFICATE_COMMON_NAME)])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(_NOT_BEFORE)
        .not_valid_after(_NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(private_key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _publish_new_key(key_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=_KEY_BITS)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    temporary = _write_temporary(key_path.parent, pem, mode=0o600)
    try:
        # Atomic and exclusive: if another process published its key first, ours is
        # dropped and both use theirs.
        os.link(temporary, key_path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()


def _read_private_key(key_path: Path) -> rsa.RSAPrivateKey:
    try:
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as error:
        raise SigningKeyError(
            f"{key_path} is not a usable PEM private key ({error}); delete it to generate a new one"
        ) from error
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < _KEY_BITS:
        raise SigningKeyError(
            f"{key_path} is not an RSA key of at least {_KEY_BITS} bits; "
            "delete it to generate a new one"
        )
    return key


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text("ascii")
    except (FileNotFoundError, UnicodeDecodeError):
        return None


def _write_temporary(directory: Path, data: bytes, *, mode: int) -> Path:
    descriptor, name = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".pem")
    try:
        os.fchmod(descriptor, mode)
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)
        raise
    return Path(name)


def _write_atomically(path: Path, data: bytes, *, mode: int) -> None:
    temporary = _write_temporary(path.parent, data, mode=mode)
    try:
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_uint(value: int) -> str:
    return _b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))
