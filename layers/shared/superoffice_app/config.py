"""Typed configuration, read once at cold start.

A handler calls `load_config()` at module level; a missing or wrong setting raises
`ConfigError` naming the setting, so a misconfigured deployment fails on its first
invocation with one clear line instead of misbehaving later.
"""

# No `from __future__ import annotations` here: a NamedTuple's string annotations are
# compiled one by one when the class is made, which the authorizer's cold start pays
# (tests/unit/layer/test_function_init.py keeps it so).

import os
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple

from superoffice_app.environments import (
    ENVIRONMENT_NAMES,
    NAMED_HOSTS,
    Environment,
    custom_environment,
    known_environment,
)
from superoffice_app.urls import split_url

if TYPE_CHECKING:
    from ipaddress import IPv4Address, IPv6Address

ENVIRONMENT_SETTING = "SUPEROFFICE_ENVIRONMENT"
CLIENT_ID_SETTING = "SUPEROFFICE_CLIENT_ID"
LOCAL_BASE_URL_SETTING = "SUPEROFFICE_LOCAL_BASE_URL"
BASE_URL_SETTING = "SUPEROFFICE_BASE_URL"
CERTIFICATE_SETTING = "SUPEROFFICE_SIGNING_CERTIFICATE"
APP_BASE_URL_SETTING = "APP_BASE_URL"

_CLIENT_ID = re.compile(r"^[A-Za-z0-9._-]{8,128}$")


def is_loopback_host(host: str | None) -> bool:
    """`localhost` or a loopback IP literal (127.0.0.0/8, ::1): this machine only."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    address = _ip_address(host)
    return address is not None and address.is_loopback


def _unreachable_from_outside(host: str | None) -> bool:
    """A host SuperOffice's servers cannot call: loopback, or a private or link-local IP."""
    if is_loopback_host(host):
        return True
    address = _ip_address(host or "")
    if address is None:
        return False
    return address.is_private or address.is_link_local or address.is_unspecified


# Every character an IP literal (with an IPv6 zone's `%`) can hold; a host with another is
# a name. `ipaddress` is imported only for a host that may be a literal: the authorizer's
# cold start reads one configured host name, and the import would be a tenth of its budget.
_IP_LITERAL_CHARS = frozenset("0123456789abcdefABCDEF.:")


def _ip_address(host: str) -> "IPv4Address | IPv6Address | None":
    if "%" not in host and not set(host) <= _IP_LITERAL_CHARS:
        return None
    import ipaddress  # noqa: PLC0415

    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


class ConfigError(RuntimeError):
    """The deployment's configuration is unusable; the message names the setting."""


class AppConfig(NamedTuple):
    """The settings every function shares. A NamedTuple, not a frozen dataclass: the
    authorizer reads it at cold start, where importing `dataclasses` costs too much."""

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

    @property
    def superoffice_can_call_back(self) -> bool:
        """Whether SuperOffice can reach the app's base URL (webhooks and their test event).

        Not when the app listens on a loopback or private address (a developer's local
        stack) while SuperOffice is a real one: only the local simulator runs on the same
        machine. A public URL (`--public-url`, a tunnel) makes it reachable again.
        """
        if self.environment.reaches_loopback:
            return True
        return not _unreachable_from_outside(_hostname(self.app_base_url))


def required_setting(env: Mapping[str, str], name: str) -> str:
    """The setting's value, or ConfigError naming it when it is missing or blank."""
    value = env.get(name, "").strip()
    if not value:
        raise ConfigError(f"{name} is not set")
    return value


def _hostname(url: str) -> str | None:
    try:
        return split_url(url).hostname
    except ValueError:
        return None


def _base_url(env: Mapping[str, str], name: str, *, allow_http: bool) -> str:
    value = required_setting(env, name).rstrip("/")
    schemes = ("https", "http") if allow_http else ("https",)
    try:
        parts = split_url(value)
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in schemes
        or not parts.netloc
        or parts.query
        or parts.fragment
    ):
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
    if name == "custom":
        environment = custom_environment(_custom_base_url(env))
    else:
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
            environment = environment._replace(
                published_keys=(*environment.published_keys, MappingProxyType(jwk)),
            )
    elif environment.requires_configured_certificate:
        raise ConfigError(
            f"{CERTIFICATE_SETTING} is not set: the {name} environment's signing certificate "
            "is not public, so the deployment must supply it (PEM)"
        )
    return environment


def _custom_base_url(env: Mapping[str, str]) -> str:
    """SUPEROFFICE_BASE_URL: https (http only on loopback), not a named environment's host.

    Tickets, the client secret and the private key's signatures go there. A named host is
    refused so that `custom` cannot bypass that environment's rules (production's
    certificate must be configuration).
    """
    value = _base_url(env, BASE_URL_SETTING, allow_http=True)
    parts = split_url(value)  # _base_url has read it
    if parts.has_userinfo:
        raise ConfigError(f"{BASE_URL_SETTING} must not carry credentials")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise ConfigError(
            f"{BASE_URL_SETTING} must be an https URL (http only on a loopback address), "
            f"got {value!r}"
        )
    named = NAMED_HOSTS.get((parts.hostname or "").lower())
    if named is not None:
        raise ConfigError(
            f"{BASE_URL_SETTING} is the {named} environment's host: set "
            f"{ENVIRONMENT_SETTING}={named} instead of custom"
        )
    return value


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
    loopback = is_loopback_host(_hostname(raw_base.strip()))
    app_base_url = _base_url(
        source, APP_BASE_URL_SETTING, allow_http=environment.name == "local" or loopback
    )
    return AppConfig(environment=environment, client_id=client_id, app_base_url=app_base_url)
