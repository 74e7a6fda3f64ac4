"""The parts of a configured URL, read without `urllib.parse`.

`urllib.parse` imports `ipaddress` at module level; the two were a fifth of what the
authorizer's cold start adds to the floor, only to read the scheme and host of the two
or three URLs its settings hold (the app's base URL, the JWKS it downloads). `split_url`
reads the URLs a setting may hold, `scheme://[user@]host[:port][/path][?query][#fragment]`,
as `urlsplit` does (the netloc ends at the first `/`, `?` or `#`, the host is lower-cased
and loses the brackets of an IPv6 literal), and is stricter where a setting has no
business being odd: no whitespace or control characters, a port of digits only, a
bracket only around a whole IPv6 host. Anything else is `ValueError`, which the callers
report as a bad setting. Request data never comes here.
"""

# No `from __future__ import annotations` here: a NamedTuple's string annotations are
# compiled one by one when the class is made, which the authorizer's cold start pays
# (tests/unit/layer/test_function_init.py keeps it so).

from typing import NamedTuple

__all__ = ["SplitUrl", "split_url"]

_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789+-.")


class SplitUrl(NamedTuple):
    scheme: str  # lower case
    netloc: str  # as written, userinfo included
    hostname: str | None  # lower case; an IPv6 literal without its brackets
    port: int | None
    has_userinfo: bool
    path: str
    query: str
    fragment: str


def split_url(url: str) -> SplitUrl:
    """`url`'s parts; ValueError when it is not an absolute URL a setting may hold."""
    if any(ord(char) <= 32 or ord(char) == 127 for char in url):
        raise ValueError("a URL without spaces or control characters is expected")
    scheme, separator, rest = url.partition("://")
    scheme = scheme.lower()
    if not separator or not scheme[:1].isalpha() or not set(scheme) <= _SCHEME_CHARS:
        raise ValueError("an absolute URL (scheme://host) is expected")
    rest, _, fragment = rest.partition("#")
    rest, _, query = rest.partition("?")
    netloc, slash, path = rest.partition("/")
    _, at, host_port = netloc.rpartition("@")
    hostname, port = _host_and_port(host_port)
    return SplitUrl(
        scheme=scheme,
        netloc=netloc,
        hostname=hostname,
        port=port,
        has_userinfo=bool(at),
        path=slash + path,
        query=query,
        fragment=fragment,
    )


def _host_and_port(host_port: str) -> tuple[str | None, int | None]:
    if host_port.startswith("["):
        host, bracket, after = host_port[1:].partition("]")
        if not bracket or not host or (after and not after.startswith(":")):
            raise ValueError("a bracketed IPv6 host is malformed")
        port_text = after[1:] if after else None
    else:
        host, colon, port_text_found = host_port.partition(":")
        if "[" in host or "]" in host:
            raise ValueError("a bracket outside an IPv6 host")
        port_text = port_text_found if colon else None
    port = None
    if port_text:  # `host:` with nothing after it has no port, as urlsplit reads it
        if not (port_text.isascii() and port_text.isdigit()) or int(port_text) > 65535:
            raise ValueError("the port is not a number from 0 to 65535")
        port = int(port_text)
    return (host.lower() or None), port
