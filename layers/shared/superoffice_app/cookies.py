"""The app's session cookie: its name, how it is set and how it is read back.

The `__Host-` prefix makes browsers refuse the cookie unless it is Secure, has Path=/
and no Domain, so a sibling subdomain cannot plant ("toss") a session cookie of its own.
"""

from __future__ import annotations

from collections.abc import Iterable

SESSION_COOKIE_NAME = "__Host-so_session"


class CookieError(ValueError):
    """The request's cookies cannot be trusted to name one session."""


def find_cookie(cookie_strings: Iterable[str], name: str = SESSION_COOKIE_NAME) -> str | None:
    """The value of cookie `name` among `cookie_strings` ("a=b" items or "a=b; c=d" headers).

    Two different values for the same name mean someone else set one of them, so that is
    refused rather than guessed.
    """
    found: str | None = None
    for text in cookie_strings:
        for part in text.split(";"):
            key, sep, value = part.strip().partition("=")
            if not sep or key != name:
                continue
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            if found is not None and found != value:
                raise CookieError(f"more than one {name} cookie")
            found = value
    return found or None
