"""The local app's credentials: created once, race-free, private key as RSA XML and PEM."""

from __future__ import annotations

import base64
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from local import defaults
from local.app_credentials import (
    AppCredentialsError,
    credentials_directory,
    load_or_create_app_credentials,
    private_key_from_xml,
    private_key_to_xml,
)

FILES = ["client-id", "client-secret", "private-key.pem", "private-key.xml", "public-key.pem"]


def test_creates_every_file_private(tmp_path: Path) -> None:
    credentials = load_or_create_app_credentials(tmp_path)
    directory = credentials_directory(tmp_path)
    assert sorted(p.name for p in directory.iterdir()) == FILES
    for path in directory.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    assert credentials.client_id == defaults.LOCAL_CLIENT_ID
    assert re.fullmatch(r"[0-9a-f]{32}", credentials.client_secret)
    assert (directory / "client-secret").read_text().strip() == credentials.client_secret
    assert (directory / "private-key.xml").read_text().strip() == credentials.private_key_xml
    assert (directory / "private-key.pem").read_text() == credentials.private_key_pem
    assert (directory / "public-key.pem").read_text() == credentials.public_key_pem
    assert credentials.private_key.key_size == 2048


def test_xml_pem_and_public_key_are_one_key_pair(tmp_path: Path) -> None:
    credentials = load_or_create_app_credentials(tmp_path)
    from_xml = private_key_from_xml(credentials.private_key_xml)
    assert from_xml.private_numbers() == credentials.private_key.private_numbers()
    message = b"LocalApp-abc.202601011200"
    signature = from_xml.sign(message, padding.PKCS1v15(), hashes.SHA256())
    credentials.public_key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())


def test_xml_has_the_developer_portal_shape(tmp_path: Path) -> None:
    xml = load_or_create_app_credentials(tmp_path).private_key_xml
    names = re.findall(r"<(\w+)>", xml)
    assert names == ["RSAKeyValue", "Modulus", "Exponent", "P", "Q", "DP", "DQ", "InverseQ", "D"]
    values = dict(re.findall(r"<(\w+)>([^<]*)</\1>", xml))
    assert values["Exponent"] == "AQAB"
    # .NET's fixed lengths: modulus and D 256 bytes, the CRT parts 128 bytes.
    lengths = {name: len(base64.b64decode(value)) for name, value in values.items()}
    assert lengths == {
        "Modulus": 256,
        "Exponent": 3,
        "P": 128,
        "Q": 128,
        "DP": 128,
        "DQ": 128,
        "InverseQ": 128,
        "D": 256,
    }


def test_second_load_reuses_everything(tmp_path: Path) -> None:
    first = load_or_create_app_credentials(tmp_path)
    second = load_or_create_app_credentials(tmp_path)
    assert second == first


def test_derived_files_are_restored_from_the_key(tmp_path: Path) -> None:
    first = load_or_create_app_credentials(tmp_path)
    directory = credentials_directory(tmp_path)
    (directory / "private-key.xml").unlink()
    (directory / "public-key.pem").write_text("stale")
    second = load_or_create_app_credentials(tmp_path)
    assert second == first
    assert (directory / "public-key.pem").read_text() == first.public_key_pem


def test_repr_hides_the_secrets(tmp_path: Path) -> None:
    credentials = load_or_create_app_credentials(tmp_path)
    text = repr(credentials) + str(credentials)
    assert credentials.client_id in text
    assert credentials.client_secret not in text
    assert "RSAKeyValue" not in text
    assert "PRIVATE KEY" not in text


def test_unusable_files_are_reported(tmp_path: Path) -> None:
    directory = credentials_directory(tmp_path)
    directory.mkdir(parents=True)
    (directory / "client-secret").write_text("   ")
    with pytest.raises(AppCredentialsError, match="client-secret is empty"):
        load_or_create_app_credentials(tmp_path)
    (directory / "client-secret").write_text("s3cret")
    (directory / "private-key.pem").write_text("not a key")
    with pytest.raises(AppCredentialsError, match=r"private-key\.pem is not a usable"):
        load_or_create_app_credentials(tmp_path)


def test_concurrent_first_use_ends_with_one_set(tmp_path: Path) -> None:
    script = (
        "import sys; from pathlib import Path\n"
        "from local.app_credentials import load_or_create_app_credentials\n"
        "c = load_or_create_app_credentials(Path(sys.argv[1]))\n"
        "print(c.client_secret, c.public_key_pem.splitlines()[1])\n"
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
    answers = {process.communicate(timeout=30)[0].strip() for process in processes}
    assert all(process.returncode == 0 for process in processes)
    final = load_or_create_app_credentials(tmp_path)
    assert answers == {f"{final.client_secret} {final.public_key_pem.splitlines()[1]}"}
    assert sorted(p.name for p in credentials_directory(tmp_path).iterdir()) == FILES


# Small keys keep key generation fast; the codec does not care about the size.
_KEYS = [rsa.generate_private_key(public_exponent=65537, key_size=size) for size in (1024, 1536)]


@settings(max_examples=10, deadline=None)
@given(key=st.sampled_from(_KEYS), spaced=st.booleans())
def test_xml_round_trip(key: rsa.RSAPrivateKey, spaced: bool) -> None:
    xml = private_key_to_xml(key)
    if spaced:
        # Keys pasted from the portal often arrive pretty-printed or wrapped.
        xml = xml.replace("><", ">\n  <").replace("AQAB", "AQ\nAB")
    assert private_key_from_xml(xml).private_numbers() == key.private_numbers()


def test_xml_of_an_openssl_key_matches_its_numbers() -> None:
    key = _KEYS[0]
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    loaded = serialization.load_pem_private_key(pem, None)
    assert isinstance(loaded, rsa.RSAPrivateKey)
    modulus = re.search(r"<Modulus>([^<]+)</Modulus>", private_key_to_xml(loaded))
    assert modulus is not None
    assert (
        int.from_bytes(base64.b64decode(modulus.group(1)), "big")
        == key.public_key().public_numbers().n
    )


@pytest.mark.parametrize(
    "xml",
    [
        "<RSAKeyValue></RSAKeyValue>",
        "<Key><Modulus>AQAB</Modulus></Key>",
        private_key_to_xml(_KEYS[0]).replace("<D>", "<D>!!"),
        private_key_to_xml(_KEYS[0]).replace("<P>", "<P>AQAB"),
        private_key_to_xml(_KEYS[0]).replace("</Exponent>", "</Exponent><Exponent>AQAB</Exponent>"),
    ],
)
def test_bad_xml_is_refused(xml: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the codec has one error type
        private_key_from_xml(xml)
