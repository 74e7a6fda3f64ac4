"""`--public-url https://...`: the app's base URL when a tunnel makes the local stack public.

SuperOffice's servers cannot call `127.0.0.1`: with the app on a loopback address, an
install against a real SuperOffice skips the CRM webhooks (their registration test and
their deliveries are calls back to the app). An HTTPS tunnel (ngrok, cloudflared, ...)
forwarding to the app's local port gives it a public address; with that address as
`AppBaseUrl` the redirect URI, the webhook targets and the session issuer are public, and
the install registers everything. The stack still listens on the loopback interface only.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def public_url(value: str) -> str:
    """The validated public base URL (no trailing slash); ValueError says what is wrong.

    https (a tunnel terminates TLS), a host that is not loopback or private (SuperOffice
    must reach it), no credentials, path, query or fragment: the tunnel forwards the
    whole host to the app's routes, which live at the root.
    """
    text = value.strip().rstrip("/")
    parts = urlsplit(text)
    try:
        _ = parts.port  # ValueError for a port that is not a number
        usable = (
            parts.scheme == "https"
            and bool(parts.hostname)
            and parts.username is None
            and not parts.path
            and not parts.query
            and not parts.fragment
        )
    except ValueError:
        usable = False
    if not usable:
        raise ValueError(
            f"--public-url {value!r}: use the tunnel's https://host[:port], without "
            "credentials, path, query or fragment"
        )
    if _not_public(parts.hostname or ""):
        raise ValueError(
            f"--public-url {value!r}: SuperOffice cannot reach that address; use the "
            "tunnel's public host name"
        )
    return text


def _not_public(host: str) -> bool:
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return (
        address.is_loopback or address.is_private or address.is_link_local or address.is_unspecified
    )
