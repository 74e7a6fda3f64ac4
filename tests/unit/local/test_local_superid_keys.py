"""The simulator's signing key: created once, race-free, certificate derived from the key."""

from __future__ import annotations

import base64
import hashlib
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID

from local import defaults
from local.superid_keys import (
    CERTIFICATE_COMMON_NAME,
    SigningKeyError,
    certificate_for,
    key_directory,
    load_or_create_signing_key,
)
from superoffice_app.certificates import jwk_from_certificate_pem, thumbprint_hex


def test_creates_key_and_certificate(tmp_path: Path) -> None:
    key = load_or_create_signing_key(tmp_path)
    directory = key_directory(tmp_path)
    assert key.key_path == directory / "signing-key.pem"
    assert key.certificate_path == directory / "signing-cert.pem"
    assert stat.S_IMODE(key.key_path.stat().st_mode) == 0o600
    assert key.certificate_path.read_text() == key.certificate_pem
    assert sorted(p.name for p in directory.iterdir()) == ["signing-cert.pem", "signing-key.pem"]

    certificate = x509.load_pem_x509_certificate(key.certificate_pem.encode())
    common_name = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert common_name == CERTIFICATE_COMMON_NAME
    assert certificate.issuer == certificate.subject
    assert isinstance(certificate.signature_hash_algorithm, hashes.SHA256)
    assert key.private_key.key_size == 2048
    assert (certificate.not_valid_after_utc - certificate.not_valid_before_utc).days > 365 * 40


def test_public_jwk_is_what_the_shared_layer_derives_from_the_certificate(tmp_path: Path) -> None:
    key = load_or_create_signing_key(tmp_path)
    jwk = key.public_jwk
    assert jwk == jwk_from_certificate_pem(key.certificate_pem)
    assert set(jwk) == {"kty", "use", "alg", "n", "e", "x5t", "x5c"}
    assert "kid" not in jwk
    der = base64.b64decode(jwk["x5c"][0])
    expected = base64.urlsafe_b64encode(hashlib.sha1(der).digest()).rstrip(b"=").decode()
    assert jwk["x5t"] == key.x5t == expected
    assert thumbprint_hex(jwk) == key.thumbprint_hex
    assert key.jwks() == {"keys": [jwk]}


def test_second_load_reuses_the_key(tmp_path: Path) -> None:
    first = load_or_create_signing_key(tmp_path)
    second = load_or_create_signing_key(tmp_path)
    assert second.public_jwk == first.public_jwk
    assert second.certificate_pem == first.certificate_pem


def test_missing_certificate_is_recreated_identically(tmp_path: Path) -> None:
    first = load_or_create_signing_key(tmp_path)
    first.certificate_path.unlink()
    second = load_or_create_signing_key(tmp_path)
    assert second.certificate_path.read_text() == first.certificate_pem
    assert second.x5t == first.x5t


def test_certificate_of_another_key_is_replaced(tmp_path: Path) -> None:
    other = load_or_create_signing_key(tmp_path / "other")
    key = load_or_create_signing_key(tmp_path)
    key.certificate_path.write_text(other.certificate_pem)
    again = load_or_create_signing_key(tmp_path)
    assert again.certificate_pem == certificate_for(key.private_key)
    assert again.certificate_path.read_text() == again.certificate_pem


def test_unusable_key_file_is_reported(tmp_path: Path) -> None:
    directory = key_directory(tmp_path)
    directory.mkdir(parents=True)
    (directory / "signing-key.pem").write_text("not a key")
    with pytest.raises(SigningKeyError, match=r"signing-key\.pem is not a usable PEM private key"):
        load_or_create_signing_key(tmp_path)


def test_concurrent_first_use_ends_with_one_key(tmp_path: Path) -> None:
    script = (
        "import sys; from pathlib import Path\n"
        "from local.superid_keys import load_or_create_signing_key\n"
        "print(load_or_create_signing_key(Path(sys.argv[1])).x5t)\n"
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(tmp_path)],
            cwd=defaults.REPO_ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    thumbprints = {process.communicate(timeout=30)[0].strip() for process in processes}
    assert all(process.returncode == 0 for process in processes)
    final = load_or_create_signing_key(tmp_path)
    assert thumbprints == {final.x5t}
    # No temporary file is left behind.
    names = sorted(p.name for p in key_directory(tmp_path).iterdir())
    assert names == ["signing-cert.pem", "signing-key.pem"]
