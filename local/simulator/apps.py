"""The apps SuperOffice knows: client id and secret, redirect URIs, public key.

As in the Developer Portal, redirect URIs are registered per app; for local development
any `http://127.0.0.1:<port>` or `http://localhost:<port>` URI is accepted too, so the app
can run on whatever port is free.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from functools import cached_property
from typing import Final
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import rsa

from local.app_credentials import AppCredentials, public_key_from_pem
from local.id_tokens import LOCAL_APP_NAME

LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "localhost"})


@dataclass(frozen=True, repr=False)
class RegisteredApp:
    client_id: str
    client_secret: str
    public_key_pem: str
    # Shown on the consent page and the prefix of its system tokens (`LocalApp-8k8Q7DmBgo`).
    name: str = LOCAL_APP_NAME
    redirect_uris: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"RegisteredApp(client_id={self.client_id!r}, name={self.name!r})"

    @cached_property
    def public_key(self) -> rsa.RSAPublicKey:
        return public_key_from_pem(self.public_key_pem)

    def allows_redirect_uri(self, uri: str) -> bool:
        return uri in self.redirect_uris or is_loopback_uri(uri)

    def has_secret(self, secret: str) -> bool:
        return hmac.compare_digest(secret.encode("utf-8"), self.client_secret.encode("utf-8"))


def is_loopback_uri(uri: str) -> bool:
    """`http://127.0.0.1[:port]/...` or `http://localhost[:port]/...`; no userinfo, no fragment."""
    try:
        parts = urlsplit(uri)
        _ = parts.port  # ValueError for a port that is not a number
    except ValueError:
        return False
    return (
        parts.scheme == "http"
        and parts.hostname in LOOPBACK_HOSTS
        and "@" not in parts.netloc
        and not parts.fragment
        and "#" not in uri
    )


def app_from_credentials(
    credentials: AppCredentials, *, redirect_uris: tuple[str, ...] = ()
) -> RegisteredApp:
    return RegisteredApp(
        client_id=credentials.client_id,
        client_secret=credentials.client_secret,
        public_key_pem=credentials.public_key_pem,
        redirect_uris=redirect_uris,
    )
