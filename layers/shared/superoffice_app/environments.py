"""The SuperOffice environments a deployment can serve, described once and immutably.

Each deployment serves exactly one environment (protocol section 1). `local` is the
SuperOffice simulator of the local stack: same paths, base URL from a setting. `custom`
is any other SuperOffice at a configured base URL (a new environment, a SuperOffice
reached through a proxy, the simulator standing in for a foreign one): SuperOffice's
documented paths on that base, its signing keys from its published JWKS.

Every function reads its environment at cold start, the authorizer too, so this module
imports little: `Environment` is a NamedTuple rather than a frozen dataclass (importing
`dataclasses` costs the authorizer about a third of its cold-start budget), and the
maintenance windows (datetime, dataclasses) are loaded when first asked for.
"""

# No `from __future__ import annotations` here: a NamedTuple's string annotations are
# compiled one by one when the class is made, which the authorizer's cold start pays
# (tests/unit/layer/test_function_init.py keeps it so).

from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn

from superoffice_app.urls import split_url

if TYPE_CHECKING:
    from superoffice_app.maintenance import MaintenanceWindow

# Paths on the login host (protocol section 2); the same in every environment.
DISCOVERY_PATH = "/login/.well-known/openid-configuration"
AUTHORIZE_PATH = "/login/common/oauth/authorize"
TOKEN_PATH = "/login/common/oauth/tokens"  # noqa: S105 - a URL path, not a password
JWKS_PATH = "/login/.well-known/jwks"
SYSTEM_USER_PATH = "/Login/api/PartnerSystemUser/Authenticate"
STATE_API_PATH = "/api/state/{ctx}"

SYSTEM_USER_ISSUER = "SuperOffice AS"


class Environment(NamedTuple):
    """Everything that differs between SuperOffice environments. Immutable."""

    name: str
    login_base: str
    issuer: str
    # Public JWKs of the signing certificates SuperOffice publishes for this environment
    # (SOD and Stage ship in the layer; production's comes from configuration).
    published_keys: tuple[MappingProxyType[str, Any], ...] = ()
    # Whether SuperOffice Online's documented maintenance windows apply (`maintenance_windows`).
    online_maintenance: bool = False
    # Production's certificate is not public: a deployment must supply it.
    requires_configured_certificate: bool = False
    certificate_thumbprint: str | None = None
    # Plain http from SuperOffice (its login host, the state API's `Api`) is accepted only
    # from a SuperOffice on this machine: the simulator, or a custom one on loopback.
    allows_http: bool = False
    # Whether this SuperOffice can call an app listening on this machine's loopback
    # interface (webhook test events and deliveries): only the local stack's simulator.
    reaches_loopback: bool = False

    def __setattr__(self, name: str, value: object) -> NoReturn:
        # The error a frozen dataclass raises, as this class was one; imported only here.
        from dataclasses import FrozenInstanceError  # noqa: PLC0415

        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    @property
    def maintenance_windows(self) -> "tuple[MaintenanceWindow, ...]":
        """The windows in which SuperOffice may be unavailable (none the app knows of: ())."""
        if not self.online_maintenance:
            return ()
        from superoffice_app.maintenance import SUPEROFFICE_ONLINE_WINDOWS  # noqa: PLC0415

        return SUPEROFFICE_ONLINE_WINDOWS

    @property
    def discovery_url(self) -> str:
        return self.login_base + DISCOVERY_PATH

    @property
    def authorize_url(self) -> str:
        return self.login_base + AUTHORIZE_PATH

    @property
    def token_url(self) -> str:
        return self.login_base + TOKEN_PATH

    @property
    def jwks_url(self) -> str:
        return self.login_base + JWKS_PATH

    @property
    def system_user_url(self) -> str:
        return self.login_base + SYSTEM_USER_PATH

    def state_api_url(self, ctx: str) -> str:
        from urllib.parse import quote  # noqa: PLC0415 - not on the authorizer's path

        return self.login_base + STATE_API_PATH.format(ctx=quote(ctx, safe=""))

    def tenant_authorize_url(self, ctx: str) -> str:
        """The authorize endpoint that skips SuperID's tenant picker."""
        from urllib.parse import quote  # noqa: PLC0415 - not on the authorizer's path

        return f"{self.login_base}/login/{quote(ctx, safe='')}/oauth/authorize"

    def published_jwks(self) -> dict[str, Any]:
        return {"keys": [dict(key) for key in self.published_keys]}


def _frozen_keys(jwks: dict[str, Any]) -> tuple[MappingProxyType[str, Any], ...]:
    return tuple(MappingProxyType(dict(key)) for key in jwks.get("keys", []))


# The login hosts of the named environments (protocol section 1).
NAMED_HOSTS = {
    "sod.superoffice.com": "sod",
    "qaonline.superoffice.com": "stage",
    "online.superoffice.com": "production",
}


def known_environment(name: str, *, local_base_url: str | None = None) -> Environment:
    """The description of a named environment; `local` needs the simulator's base URL."""
    from superoffice_app.certificates import published_jwks  # noqa: PLC0415 - reads a file

    hosts = {named: f"https://{host}" for host, named in NAMED_HOSTS.items()}
    thumbprints = {
        "sod": "16B7FB8C3F9AB06885A800C64E64C97C4AB5E98C",
        "stage": "484903A7732B928C7980A39D38E947EA119F1089",
    }
    if name in hosts:
        return Environment(
            name=name,
            login_base=hosts[name],
            issuer=hosts[name],
            published_keys=_frozen_keys(published_jwks(name)),
            online_maintenance=True,
            requires_configured_certificate=name == "production",
            certificate_thumbprint=thumbprints.get(name),
        )
    if name == "local":
        if not local_base_url:
            raise ValueError("the local environment needs the simulator's base URL")
        base = local_base_url.rstrip("/")
        # The simulator keeps no maintenance schedule of its own: maintenance is injected
        # per tenant as a fault, so the local stack never silently skips work by the clock.
        return Environment(
            name="local", login_base=base, issuer=base, allows_http=True, reaches_loopback=True
        )
    raise KeyError(name)


def custom_environment(base_url: str) -> Environment:
    """A SuperOffice at `base_url` (already validated): documented paths, no shipped keys.

    Its id_tokens are verified with the keys of its JWKS (`{base}/login/.well-known/jwks`,
    downloaded on first use) plus a configured certificate, if any. A host of SuperOffice
    Online keeps Online's maintenance windows; any other host has none the app knows of.
    It is treated as a real SuperOffice even on this machine: it is not assumed to reach
    an app on the loopback interface (that is what `local` is for).
    """
    base = base_url.rstrip("/")
    parts = split_url(base)  # validated by the caller
    host = parts.hostname or ""
    online = host == "superoffice.com" or host.endswith(".superoffice.com")
    return Environment(
        name="custom",
        login_base=base,
        issuer=base,
        online_maintenance=online,
        allows_http=parts.scheme == "http",
    )


ENVIRONMENT_NAMES = ("sod", "stage", "production", "local", "custom")
