"""`Set-Cookie` values for HTTP answers: one function, the attributes the app always wants.

An HTTP API (payload 2.0) answer lists its cookies in `cookies`, one `Set-Cookie` value
each; API Gateway turns each into a header. The values are built here, in the order and
spelling Powertools' `Cookie` used (`name=value; Path=/; Max-Age=N; HttpOnly; Secure;
SameSite=X`), so browsers see exactly what they saw before this module replaced it.
A name or value a cookie cannot carry (a `;`, a comma, a blank, a control character)
is refused: written into the header it would end the value and start another attribute.
"""

from __future__ import annotations

from typing import Final, Literal

__all__ = ["SameSite", "set_cookie"]

SameSite = Literal["Strict", "Lax", "None"]

# RFC 6265 section 4.1.1: a cookie-octet is US-ASCII except controls, blanks, DQUOTE,
# comma, semicolon and backslash; a name is an RFC 7230 token.
_VALUE_OCTETS: Final = frozenset(
    chr(c) for c in range(0x21, 0x7F) if chr(c) not in {'"', ",", ";", "\\"}
)
_NAME_CHARACTERS: Final = frozenset(
    "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)


def set_cookie(
    name: str,
    value: str,
    *,
    max_age: int,
    same_site: SameSite,
    path: str = "/",
    http_only: bool = True,
    secure: bool = True,
) -> str:
    """The `Set-Cookie` value for cookie `name`; `max_age` 0 (or less) deletes it."""
    if not name or not set(name) <= _NAME_CHARACTERS:
        raise ValueError("a cookie name must be a non-empty HTTP token")
    if not set(value) <= _VALUE_OCTETS:
        raise ValueError(f"the value of cookie {name} has characters a cookie cannot carry")
    if not path.startswith("/") or not set(path) <= _VALUE_OCTETS:
        raise ValueError(f"the path of cookie {name} must be an absolute path")
    if same_site == "None" and not secure:
        # Browsers drop a SameSite=None cookie that is not Secure: refused here, not there.
        raise ValueError(f"cookie {name} is SameSite=None, so it must be Secure")
    parts = [f"{name}={value}", f"Path={path}", f"Max-Age={max(max_age, 0)}"]
    if http_only:
        parts.append("HttpOnly")
    if secure:
        parts.append("Secure")
    parts.append(f"SameSite={same_site}")
    return "; ".join(parts)
