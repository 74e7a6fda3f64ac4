"""TokenValidationFunction's graph: its settings and the validators, with their key sources.

Kept apart from the other graphs so the authorizer imports only the token library: no
boto3, no httpx-based SuperOffice client, no store (its cold start is the budget of
issue 14).
"""

# No `from __future__ import annotations` here: a NamedTuple's string annotations are
# compiled one by one when the class is made, which the authorizer's cold start pays
# (tests/unit/layer/test_function_init.py keeps it so).

import time
from collections.abc import Callable, Mapping
from typing import Final, NamedTuple

from superoffice_app.authorizer import TokenAuthorizer
from superoffice_app.config import AppConfig, load_config
from superoffice_app.tokens import (
    IdTokenValidator,
    KeySet,
    RemoteKeySet,
    SessionTokenValidator,
)

# The app's session JWKS is read again this often: the JWKS route's Cache-Control max-age
# and AppSecrets' cache, so a key withdrawn from the ring stops verifying within minutes.
SESSION_KEYS_REFRESH_SECONDS: Final = 300.0
# While the JWKS route cannot be read (Secrets Manager slow or down), the last good keys
# keep verifying sessions for this long after they were read; then the authorizer denies
# (fails closed). One session's lifetime: no session outlives the outage's grace.
SESSION_KEYS_MAX_STALE_SECONDS: Final = 3600.0


class AuthorizerSettings(NamedTuple):
    """TokenValidationFunction's settings: the shared ones (issuer, client id, keys).

    A NamedTuple, not a frozen dataclass like the other functions' settings: importing
    `dataclasses` would cost the authorizer's cold start about a third of its budget.
    """

    app: AppConfig


def load_authorizer_settings(env: Mapping[str, str] | None = None) -> AuthorizerSettings:
    return AuthorizerSettings(app=load_config(env))


def session_key_source(
    config: AppConfig,
    *,
    fetch: Callable[[str], Mapping[str, object]] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> RemoteKeySet:
    """The app's session keys, from its JWKS route: none until the first download.

    ``fetch`` and ``clock`` are for tests; the default downloads with ``fetch_jwks``.
    """
    return RemoteKeySet(
        config.session_jwks_url,
        KeySet.from_jwks({"keys": []}),
        fetch=fetch,
        clock=clock,
        refresh_after_seconds=SESSION_KEYS_REFRESH_SECONDS,
        max_stale_seconds=SESSION_KEYS_MAX_STALE_SECONDS,
    )


def build_authorizer(settings: AuthorizerSettings) -> TokenAuthorizer:
    """Validators whose keys are cached for the life of the Lambda instance.

    SuperOffice keys: the environment's published certificates, plus its JWKS fetched
    when a token names a key we do not have. Session keys: the app's own JWKS, read again
    every few minutes, kept (for a bounded time) while it cannot be read. A cold instance
    that cannot read it has no session key and denies every session until it can.
    """
    config = settings.app
    environment = config.environment
    superoffice_keys = RemoteKeySet(
        environment.jwks_url, KeySet.from_jwks(environment.published_jwks())
    )
    return TokenAuthorizer(
        id_tokens=IdTokenValidator(environment.issuer, config.client_id, superoffice_keys),
        sessions=SessionTokenValidator(config.session_issuer, session_key_source(config)),
    )


def cold_start() -> TokenAuthorizer:
    """The authorizer of this Lambda instance, from its environment."""
    return build_authorizer(load_authorizer_settings())
