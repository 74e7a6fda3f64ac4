"""A real SuperOffice for the local stack: `--superoffice sod|stage|URL --credentials FILE`.

The stack's functions then sign in, read the state API and call the tenant API at that
SuperOffice instead of the simulator, with the app's own credentials from FILE. `sod` and
`stage` are the named environments (their certificates ship in the layer); a URL is a
`custom` environment: SuperOffice's documented paths on that base, its signing keys from
its published JWKS (or a certificate in FILE). Production is not offered: its
certificate is configuration of a deployment, and a production tenant is no place for a
laptop's stack.

FILE is JSON, kept out of git:

    {"client_id": "...", "client_secret": "...",
     "private_key": "<RSAKeyValue>...</RSAKeyValue> or PEM",
     "signing_certificate": "-----BEGIN CERTIFICATE-----... (optional)"}
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from local.app_credentials import private_key_from_xml

NAMED: Final = ("sod", "stage")
CUSTOM: Final = "custom"
# The named environments' hosts (as superoffice_app.environments has them): a URL on one
# of them is that environment, whose rules a `custom` one must not bypass.
NAMED_HOSTS: Final = {
    "sod.superoffice.com": "sod",
    "qaonline.superoffice.com": "stage",
    "online.superoffice.com": "production",
}
REQUIRED_FIELDS: Final = ("client_id", "client_secret", "private_key")
OPTIONAL_FIELDS: Final = ("signing_certificate",)
_CERTIFICATE_BEGIN: Final = "-----BEGIN CERTIFICATE-----"


@dataclass(frozen=True)
class RealSuperOffice:
    """A real SuperOffice to sign in against, with that app's credentials."""

    environment: str  # sod, stage or custom
    client_id: str
    client_secret: str = field(repr=False)
    private_key: str = field(repr=False)  # RSA XML from the Developer Portal, or PEM
    base_url: str = ""  # custom: SuperOffice's base URL
    signing_certificate: str = field(default="", repr=False)  # PEM, optional

    @classmethod
    def from_file(cls, target: str, path: Path) -> RealSuperOffice:
        """`target` is `sod`, `stage` or a base URL; ValueError names what is wrong."""
        environment, base_url = superoffice_target(target)
        values = _read_credentials(path)
        return cls(
            environment=environment,
            base_url=base_url,
            client_id=values["client_id"],
            client_secret=values["client_secret"],
            private_key=values["private_key"],
            signing_certificate=values.get("signing_certificate", ""),
        )

    @property
    def login_url(self) -> str:
        """Where the app signs in (for the banner)."""
        hosts = {name: f"https://{host}" for host, name in NAMED_HOSTS.items()}
        return self.base_url or hosts.get(self.environment, "")

    def parameters(self) -> dict[str, str]:
        """The template parameters that point the functions at this SuperOffice."""
        return {
            "EnvironmentName": self.environment,
            "ClientId": self.client_id,
            # SOD's and Stage's certificates ship in the layer; a custom SuperOffice's
            # keys come from its JWKS unless FILE names a certificate.
            "SigningCertificate": self.signing_certificate,
            "LocalBaseUrl": "",
            "SuperOfficeBaseUrl": self.base_url,
        }

    def secret_values(self) -> dict[str, str]:
        return {"client_secret": self.client_secret, "private_key": self.private_key}


def superoffice_target(value: str) -> tuple[str, str]:
    """(environment, base URL) for `--superoffice`: a named one, or `custom` at a URL.

    The URL is SuperOffice's base (its login host): https, or http on a loopback address
    (a SuperOffice on this machine, such as a second simulator), no credentials, query or
    fragment. The functions check it again at their start (`SUPEROFFICE_BASE_URL`).
    """
    text = value.strip()
    if text.lower() in NAMED:
        return text.lower(), ""
    parts = urlsplit(text)
    try:
        _ = parts.port  # ValueError for a port that is not a number
        usable = (
            parts.scheme in ("https", "http")
            and bool(parts.hostname)
            and parts.username is None
            and not parts.query
            and not parts.fragment
        )
    except ValueError:
        usable = False
    if not usable:
        raise ValueError(
            f"--superoffice {value!r}: use sod, stage, or SuperOffice's base URL "
            "(https://host, without credentials, query or fragment)"
        )
    if parts.scheme == "http" and not is_loopback(parts.hostname or ""):
        raise ValueError(f"--superoffice {value!r}: http only on a loopback address; use https")
    named = NAMED_HOSTS.get((parts.hostname or "").lower())
    if named in NAMED:
        raise ValueError(f"--superoffice {value!r} is {named}: use --superoffice {named}")
    if named is not None:
        raise ValueError(
            f"--superoffice {value!r} is production, which the local stack does not offer: "
            "its certificate is a deployment's configuration"
        )
    return CUSTOM, text.rstrip("/")


def is_loopback(host: str) -> bool:
    """`localhost` or a loopback IP literal: this machine only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _read_credentials(path: Path) -> dict[str, str]:
    wanted = f"{path}: needs a JSON object with client_id, client_secret and private_key"
    try:
        data: Any = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(f"{wanted} ({type(error).__name__})") from None
    if not isinstance(data, dict):
        raise ValueError(wanted)
    unknown = sorted(set(data) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS))
    if unknown:
        raise ValueError(f"{wanted}; unknown: {', '.join(map(str, unknown))}")
    values: dict[str, str] = {}
    for name in (*REQUIRED_FIELDS, *OPTIONAL_FIELDS):
        value = data.get(name)
        if value is None and name in OPTIONAL_FIELDS:
            continue
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{wanted}; {name} is missing or not a non-empty string")
        values[name] = value.strip()
    _check_private_key(path, values["private_key"])
    certificate = values.get("signing_certificate")
    if certificate is not None and not certificate.startswith(_CERTIFICATE_BEGIN):
        raise ValueError(f"{path}: signing_certificate is not a PEM certificate")
    return values


def _check_private_key(path: Path, text: str) -> None:
    """The key must be usable: a bad one would fail only at the first install, obscurely.

    Read as the layer's `load_private_key` reads it (RSA XML, or PEM whose line breaks
    may be literal `\\n` sequences); the functions check it again when they use it.
    """
    key: object = None
    try:
        if text.startswith("<"):
            key = private_key_from_xml(text)
        elif text.startswith("-----BEGIN"):
            pem = text.replace("\\n", "\n") if "\n" not in text else text
            key = serialization.load_pem_private_key(pem.encode("ascii"), None)
    except (ValueError, TypeError, UnicodeEncodeError):
        key = None
    if not isinstance(key, rsa.RSAPrivateKey):
        # Never the key itself in the message: it is a secret.
        raise ValueError(f"{path}: private_key is neither RSA XML nor an RSA PEM private key")
