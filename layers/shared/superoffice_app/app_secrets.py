"""The app's own secrets (client secret, RSA private key, session key ring).

They live in Secrets Manager, one secret each, named by the deployment's settings, and are
read through Powertools parameters with caching, so a warm function does not call Secrets
Manager per request while a rotated secret is picked up within `max_age` seconds. A read
that fails because Secrets Manager is unreachable or slow raises `AppSecretError` caused
by botocore's error: `outages.is_outage` says so, and pages answer 503, not 500.

`wiring.settings` imports `SecretNames` for every function, so the token classes (the
session key ring brings cryptography's key modules, about 15 ms) are imported by the read
that needs them, not at cold start.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

    from superoffice_app.tokens import Secret, SessionKeyRing

CACHE_SECONDS = 300


class AppSecretError(RuntimeError):
    """A secret is missing or unusable; the message names the secret, never its value."""


@dataclass(frozen=True)
class SecretNames:
    client_secret: str
    private_key: str
    session_keys: str


class _PowertoolsFetch:
    """Powertools' cached secrets, through a client with the app's short timeouts.

    The provider (and its boto3 client) is made on the first read: a function that never
    reads a secret never imports boto3. A Secrets Manager that does not answer fails the
    read within seconds (``aws_clients``); the error keeps botocore's as its cause, so
    ``outages.is_outage`` tells it from a missing secret.
    """

    def __init__(self) -> None:
        self._provider: Any = None

    def __call__(self, name: str) -> str:
        if self._provider is None:
            from aws_lambda_powertools.utilities.parameters import (  # noqa: PLC0415 - boto3
                SecretsProvider,
            )

            from superoffice_app import aws_clients  # noqa: PLC0415

            self._provider = SecretsProvider(boto_config=aws_clients.config("secretsmanager"))
        value = self._provider.get(name, max_age=CACHE_SECONDS)
        if not isinstance(value, str):
            raise AppSecretError(f"secret {name} is not a string secret")
        return value


class AppSecrets:
    """Typed access to the app's secrets; each parsed once per cached value."""

    def __init__(self, names: SecretNames, fetch: Callable[[str], str] | None = None) -> None:
        self._names = names
        self._fetch = fetch if fetch is not None else _PowertoolsFetch()
        self._parsed_key: tuple[str, RSAPrivateKey] | None = None
        self._parsed_ring: tuple[str, SessionKeyRing] | None = None

    def _read(self, name: str) -> str:
        try:
            value = self._fetch(name)
        except AppSecretError:
            raise
        except Exception as error:  # boto3/Powertools raise many types; name the secret only
            raise AppSecretError(
                f"secret {name} could not be read ({type(error).__name__})"
            ) from error
        if not value.strip():
            raise AppSecretError(f"secret {name} is empty")
        return value

    def client_secret(self) -> Secret:
        from superoffice_app.tokens import Secret  # noqa: PLC0415

        return Secret(self._read(self._names.client_secret).strip())

    def private_key(self) -> RSAPrivateKey:
        from superoffice_app.superoffice.private_key import (  # noqa: PLC0415
            PrivateKeyError,
            load_private_key,
        )

        text = self._read(self._names.private_key)
        if self._parsed_key is None or self._parsed_key[0] != text:
            try:
                self._parsed_key = (text, load_private_key(text))
            except PrivateKeyError as error:
                raise AppSecretError(f"secret {self._names.private_key}: {error}") from error
        return self._parsed_key[1]

    def session_keys(self) -> SessionKeyRing:
        text = self._read(self._names.session_keys)
        if self._parsed_ring is None or self._parsed_ring[0] != text:
            try:
                from superoffice_app.tokens import SessionKeyRing  # noqa: PLC0415

                self._parsed_ring = (text, SessionKeyRing.from_json(text))
            except ValueError as error:
                raise AppSecretError(
                    f"secret {self._names.session_keys} is not a session key ring"
                ) from error
        return self._parsed_ring[1]

    def __repr__(self) -> str:
        return f"AppSecrets({self._names!r})"
