"""The stack under test (its base URL) and the SuperOffice environment it signs in with.

A deployed stack is https; plain http is accepted only on a loopback address, where the
local stack runs (its TLS checks are then skipped, not passed). The base URL may carry a
path (a custom domain's base path mapping): the app's redirect URI is that URL plus
`/callback`, as `AppBaseUrl` makes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final
from urllib.parse import SplitResult, urlsplit

from local.runner.real_superoffice import NAMED_HOSTS, is_loopback

# SuperID's authorize endpoint, the same path in every environment
# (superoffice_app.environments.AUTHORIZE_PATH; a unit test keeps the two equal).
AUTHORIZE_PATH: Final = "/login/common/oauth/authorize"
LOCAL: Final = "local"
ENVIRONMENTS: Final = (*NAMED_HOSTS.values(), LOCAL)
LOGIN_HOSTS: Final = {name: host for host, name in NAMED_HOSTS.items()}


@dataclass(frozen=True)
class Target:
    """The stack's base URL, without a trailing slash."""

    base_url: str

    @property
    def parts(self) -> SplitResult:
        return urlsplit(self.base_url)

    @property
    def is_https(self) -> bool:
        return self.parts.scheme == "https"

    @property
    def host(self) -> str:
        return self.parts.hostname or ""

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def plain_http_url(self) -> str:
        """The same host over http on its default port (to see it refused or redirected)."""
        parts = self.parts
        return f"http://{parts.hostname}{parts.path}/install"


def parse_target(text: str) -> Target:
    """The stack at `text`; ValueError says what is wrong with it."""
    parts = urlsplit(text.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError(f"{text!r} is not an http(s) URL with a host")
    if parts.query or parts.fragment:
        raise ValueError(f"{text!r} has a query or fragment; give the stack's base URL")
    if parts.username or parts.password:
        raise ValueError("the URL must not carry credentials")
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise ValueError(f"{text!r} has an invalid port") from None
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ValueError(
            f"{text!r}: plain http only on a loopback address (the local stack); "
            "a deployed stack is https"
        )
    return Target(f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/"))


def environment_of(location: SplitResult) -> str | None:
    """The environment whose SuperID a Location header points at, if it is a known one."""
    host = (location.hostname or "").lower()
    if host in NAMED_HOSTS:
        return NAMED_HOSTS[host]
    return LOCAL if is_loopback(host) else None


def expected_authorize_url(environment: str) -> str:
    if environment == LOCAL:
        return f"http://127.0.0.1:<simulator port>{AUTHORIZE_PATH}"
    return f"https://{LOGIN_HOSTS[environment]}{AUTHORIZE_PATH}"


def is_authorize_url(location: SplitResult, environment: str) -> bool:
    """Whether `location` is that environment's SuperID authorize endpoint."""
    if location.path != AUTHORIZE_PATH:
        return False
    if environment == LOCAL:
        # The simulator's port is the local stack's choice; its host is loopback.
        return location.scheme in ("http", "https") and is_loopback(location.hostname or "")
    return location.scheme == "https" and location.netloc.lower() == LOGIN_HOSTS[environment]
