"""The app's own credentials in the local environment, as the Developer Portal hands them out.

Real apps get a client id, a client secret and an RSA key pair from SuperOffice's Developer
Portal; the private key comes as .NET RSA XML (`<RSAKeyValue><Modulus>...`). Locally they
are generated once under `<state dir>/app/`, so the simulator (which plays SuperOffice and
must know the secret and the public key) and the app (which signs system tokens with the
private key) share them across restarts:

    client-id         the client id (`local.defaults.LOCAL_CLIENT_ID`)
    client-secret     a random secret, also the `SO-AppToken` / `ApplicationToken`
    private-key.pem   PKCS#8 PEM
    private-key.xml   the same key as RSA XML, exactly the Developer Portal's format
    public-key.pem    SubjectPublicKeyInfo PEM: what SuperOffice verifies signatures with

Creation is race-free without locks, as for the simulator's signing key: the secret and
the private key are published with `os.link` (exactly one writer wins, everyone reads the
winner), and the other files are pure functions of those two, written atomically.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Final

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from local import defaults
from local.superid_keys import (
    SigningKeyError,
    _publish_new_key,
    _read_private_key,
    _read_text,
    _write_atomically,
    _write_temporary,
)

SUBDIRECTORY: Final = "app"
CLIENT_ID_FILE: Final = "client-id"
CLIENT_SECRET_FILE: Final = "client-secret"  # noqa: S105 - a file name
PRIVATE_KEY_PEM_FILE: Final = "private-key.pem"
PRIVATE_KEY_XML_FILE: Final = "private-key.xml"
PUBLIC_KEY_PEM_FILE: Final = "public-key.pem"

# The element order .NET's RSA.ToXmlString writes, which the Developer Portal hands out.
_XML_ELEMENTS: Final = ("Modulus", "Exponent", "P", "Q", "DP", "DQ", "InverseQ", "D")
_XML_ELEMENT: Final = re.compile(r"<(\w+)>\s*([A-Za-z0-9+/=\s]*?)\s*</\1>")
_FILE_MODE: Final = 0o600


class AppCredentialsError(RuntimeError):
    """The stored credentials cannot be used; the message names the file."""


@dataclass(frozen=True, repr=False)
class AppCredentials:
    """The local app's client id, client secret and RSA key pair (XML and PEM)."""

    client_id: str
    client_secret: str
    private_key_xml: str
    private_key_pem: str
    public_key_pem: str

    def __repr__(self) -> str:
        # Only what is public: these objects end up in logs and test failure output.
        return f"AppCredentials(client_id={self.client_id!r}, secrets=<hidden>)"

    @cached_property
    def private_key(self) -> rsa.RSAPrivateKey:
        key = serialization.load_pem_private_key(self.private_key_pem.encode("ascii"), None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise AppCredentialsError("the app's private key is not an RSA key")
        return key

    @cached_property
    def public_key(self) -> rsa.RSAPublicKey:
        return public_key_from_pem(self.public_key_pem)


def credentials_directory(state_dir: Path) -> Path:
    return state_dir / SUBDIRECTORY


def load_or_create_app_credentials(state_dir: Path) -> AppCredentials:
    """The credentials under `state_dir/app/`, created there on first use."""
    directory = credentials_directory(state_dir)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)

    secret_path = directory / CLIENT_SECRET_FILE
    if not secret_path.exists():
        _publish_once(secret_path, secrets.token_hex(16).encode("ascii"))
    client_secret = _read_secret(secret_path)

    key_path = directory / PRIVATE_KEY_PEM_FILE
    if not key_path.exists():
        _publish_new_key(key_path)
    try:
        private_key = _read_private_key(key_path)
    except SigningKeyError as error:
        raise AppCredentialsError(str(error)) from error

    private_key_pem = key_path.read_text("ascii")
    private_key_xml = private_key_to_xml(private_key)
    public_key_pem = public_key_to_pem(private_key.public_key())
    client_id = defaults.LOCAL_CLIENT_ID
    # Derived files: every process computes the same bytes, so concurrent writes agree.
    _ensure_file(directory / CLIENT_ID_FILE, client_id + "\n")
    _ensure_file(directory / PRIVATE_KEY_XML_FILE, private_key_xml + "\n")
    _ensure_file(directory / PUBLIC_KEY_PEM_FILE, public_key_pem)
    return AppCredentials(
        client_id=client_id,
        client_secret=client_secret,
        private_key_xml=private_key_xml,
        private_key_pem=private_key_pem,
        public_key_pem=public_key_pem,
    )


def private_key_to_xml(key: rsa.RSAPrivateKey) -> str:
    """The key as .NET RSA XML: standard base64, big-endian, fixed lengths as .NET writes them.

    .NET's RSA.FromXmlString refuses P, Q, DP, DQ and InverseQ shorter than half the
    modulus and D shorter than the modulus, so leading zero bytes are kept.
    """
    private = key.private_numbers()
    public = private.public_numbers
    size = (public.n.bit_length() + 7) // 8
    half = (size + 1) // 2
    values = {
        "Modulus": _unsigned(public.n, size),
        "Exponent": _unsigned(public.e),
        "P": _unsigned(private.p, half),
        "Q": _unsigned(private.q, half),
        "DP": _unsigned(private.dmp1, half),
        "DQ": _unsigned(private.dmq1, half),
        "InverseQ": _unsigned(private.iqmp, half),
        "D": _unsigned(private.d, size),
    }
    body = "".join(
        f"<{name}>{base64.b64encode(values[name]).decode('ascii')}</{name}>"
        for name in _XML_ELEMENTS
    )
    return f"<RSAKeyValue>{body}</RSAKeyValue>"


def private_key_from_xml(xml: str) -> rsa.RSAPrivateKey:
    """Read .NET RSA XML (whitespace between and inside elements allowed); ValueError if bad."""
    text = xml.strip()
    if not (text.startswith("<RSAKeyValue>") and text.endswith("</RSAKeyValue>")):
        raise ValueError("not an <RSAKeyValue> document")
    found: dict[str, int] = {}
    for match in _XML_ELEMENT.finditer(text[len("<RSAKeyValue>") : -len("</RSAKeyValue>")]):
        name, value = match.group(1), re.sub(r"\s+", "", match.group(2))
        if name in found:
            raise ValueError(f"<{name}> appears twice")
        try:
            found[name] = int.from_bytes(base64.b64decode(value, validate=True), "big")
        except ValueError as error:
            raise ValueError(f"<{name}> is not base64") from error
    missing = [name for name in _XML_ELEMENTS if name not in found]
    if missing:
        raise ValueError(f"missing elements: {', '.join(missing)}")
    numbers = rsa.RSAPrivateNumbers(
        p=found["P"],
        q=found["Q"],
        d=found["D"],
        dmp1=found["DP"],
        dmq1=found["DQ"],
        iqmp=found["InverseQ"],
        public_numbers=rsa.RSAPublicNumbers(e=found["Exponent"], n=found["Modulus"]),
    )
    return numbers.private_key()


def public_key_to_pem(key: rsa.RSAPublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def public_key_from_pem(pem: str) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(pem.encode("ascii"))
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key


def _unsigned(value: int, length: int | None = None) -> bytes:
    minimal = max(1, (value.bit_length() + 7) // 8)
    return value.to_bytes(max(minimal, length or 0), "big")


def _publish_once(path: Path, data: bytes) -> None:
    """Create `path` with `data` unless another process got there first (then keep theirs)."""
    temporary = _write_temporary(path.parent, data, mode=_FILE_MODE)
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()


def _read_secret(path: Path) -> str:
    secret = (_read_text(path) or "").strip()
    if not secret:
        raise AppCredentialsError(f"{path} is empty or unreadable; delete it to generate a new one")
    return secret


def _ensure_file(path: Path, content: str) -> None:
    if _read_text(path) != content:
        _write_atomically(path, content.encode("ascii"), mode=_FILE_MODE)
