"""Wires the authorizer to this deployment's key sources (kept apart so tests need none)."""

from __future__ import annotations

from superoffice_app.authorizer import TokenAuthorizer
from superoffice_app.config import AppConfig
from superoffice_app.tokens import (
    IdTokenValidator,
    KeySet,
    RemoteKeySet,
    SessionTokenValidator,
)


def build_authorizer(config: AppConfig) -> TokenAuthorizer:
    """Validators whose keys are cached for the life of the Lambda instance.

    SuperOffice keys: the environment's published certificates, plus its JWKS fetched
    when a token names a key we do not have. Session keys: the app's own JWKS.
    """
    environment = config.environment
    superoffice_keys = RemoteKeySet(
        environment.jwks_url, KeySet.from_jwks(environment.published_jwks())
    )
    session_keys = RemoteKeySet(config.session_jwks_url, KeySet.from_jwks({"keys": []}))
    return TokenAuthorizer(
        id_tokens=IdTokenValidator(environment.issuer, config.client_id, superoffice_keys),
        sessions=SessionTokenValidator(config.session_issuer, session_keys),
    )
