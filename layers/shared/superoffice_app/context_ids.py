"""SuperOffice context identifiers (``Cust12345``): the one definition and the one check.

A tenant's ``ctx`` arrives from outside in paths, query strings, notification bodies,
webhook bodies and queue messages. It becomes part of DynamoDB keys, URLs and KMS
encryption contexts, so every entry point checks it here, once, before anything else
uses it; code behind the entry points may then rely on it.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["CTX_PATTERN", "BadContextIdentifier", "is_ctx", "parse_ctx"]

# "Cust" and up to 12 ASCII digits (re's [0-9] is ASCII only, unlike \d).
CTX_PATTERN: Final = re.compile(r"Cust[0-9]{1,12}")


class BadContextIdentifier(ValueError):
    """Not a context identifier. The message never repeats the value (it is hostile)."""


def is_ctx(value: object) -> bool:
    return isinstance(value, str) and CTX_PATTERN.fullmatch(value) is not None


def parse_ctx(value: object, what: str = "the tenant") -> str:
    """``value`` when it is a context identifier, else BadContextIdentifier naming ``what``."""
    if not is_ctx(value):
        raise BadContextIdentifier(
            f"{what} is not a SuperOffice context identifier (Cust followed by digits)"
        )
    assert isinstance(value, str)  # is_ctx said so; for the type checker
    return value
