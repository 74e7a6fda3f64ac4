"""Typed configuration, read once at cold start.

A handler calls `load_config()` at module level; a missing or wrong setting raises
`ConfigError` naming the setting, so a misconfigured deployment fails on its first
invocation with one clear line instead of misbehaving later.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from urllib.parse import urlsplit

from superoffice_app.environments import ENVIRONMENT_NAMES, Environment, known_environment

ENVIRONMENT_SETTING = "SUPEROFFICE_ENVIRONMENT"
CLIENT_ID_SETTING = "SUPEROFFICE_CLIENT_ID"
LOCAL_BASE_URL_SETTING = "SUPEROFFICE_LOCAL_BASE_URL"
CERTIFICATE_SETTING = "SUPEROFFICE_SIGNING_CERTIFICATE"
APP_BASE_URL_SETTING = "APP_BASE_URL"

_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_CLIENT_ID = re.compile(r"^[A-Za-z0-9._-]{8,128}$")


class ConfigError(RuntimeError):
    """The deployment's configuration is unusable; the message names the setting."""


@dataclass(frozen=True)
class AppConfig:
    environment: Environment
    client_id: str
    # The app's public base URL (no trailing slash): issuer of its session tokens and
    # home of its session JWKS.
    app_base_url: str

    @property
    def session_issuer(self) -> str:
        return self.app_base_url

    @property
    def session_jwks_url(self) -> str:
        return self.app_base_url + "/.well-known/jwks.json"


def required_setting(env: Mapping[str, str], name: str) -> str:
    """The setting's value, or ConfigError naming it when it is missing or blank."""
    value = env.get(name, "").strip()
    if not value:
        raise ConfigError(f"{name} is not set")
    return value


def _base_url(env: Mapping[str, str], name: str, *, allow_http: bool) -> str:
    value = required_setting(env, name).rstrip("/")
    parts = urlsplit(value)
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes or not parts.netloc or parts.query or parts.fragment:
        wanted = "an http(s)" if allow_http else "an https"
        raise ConfigError(f"{name} must be {wanted} URL without query, got {value!r}")
    return value


def load_environment(env: Mapping[str, str]) -> Environment:
    """The environment selected by SUPEROFFICE_ENVIRONMENT, completed from settings."""
    name = required_setting(env, ENVIRONMENT_SETTING).lower()
    if name not in ENVIRONMENT_NAMES:
        raise ConfigError(
            f"{ENVIRONMENT_SETTING}={name!r} is not one of {', '.join(ENVIRONMENT_NAMES)}"
        )
    local_base = None
    if name == "local":
        local_base = _base_url(env, LOCAL_BASE_URL_SETTING, allow_http=True)
    environment = known_environment(name, local_base_url=local_base)

    certificate = env.get(CERTIFICATE_SETTING, "").strip()
    if certificate:
        from superoffice_app.certificates import (  # noqa: PLC0415 - production-only cost
            CertificateError,
            jwk_from_certificate_pem,
        )

        try:
            jwk = jwk_from_certificate_pem(certificate)
        except CertificateError as error:
            raise ConfigError(f"{CERTIFICATE_SETTING}: {error}") from error
        known = {key.get("x5t") for key in environment.published_keys}
        if jwk["x5t"] not in known:
            environment = replace(
                environment,
                published_keys=(*environment.published_keys, MappingProxyType(jwk)),
            )
    elif environment.requires_configured_certificate:
        raise ConfigError(
            f"{CERTIFICATE_SETTING} is not set: the {name} environment's signing certificate "
            "is not public, so the deployment must supply it (PEM)"
        )
    return environment


def load_config(env: Mapping[str, str] | None = None) -> AppConfig:
    """Read and validate every setting the functions share."""
    source = os.environ if env is None else env
    environment = load_environment(source)
    client_id = required_setting(source, CLIENT_ID_SETTING)
    if not _CLIENT_ID.match(client_id):
        raise ConfigError(f"{CLIENT_ID_SETTING} does not look like a SuperOffice client id")
    # Plain http only where nothing crosses a network: the local environment, or the app on
    # a loopback address (a developer's local stack signing in against real SOD).
    raw_base = source.get(APP_BASE_URL_SETTING, "")
    loopback = urlsplit(raw_base.strip()).hostname in _LOOPBACK_HOSTS
    app_base_url = _base_url(
        source, APP_BASE_URL_SETTING, allow_http=environment.name == "local" or loopback
    )
    return AppConfig(environment=environment, client_id=client_id, app_base_url=app_base_url)
