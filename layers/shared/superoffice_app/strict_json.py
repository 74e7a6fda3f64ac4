"""JSON as this app reads it from anywhere outside: strict, one meaning per document.

Python's ``json`` keeps the last of duplicated members, reads ``NaN``/``Infinity``, turns
``1e999`` into infinity and converts integers of any length (quadratic time). Two readers
that disagree about what a document says is how checks get bypassed (a notification
whose ``ChangeType`` reads one way to a deduplication key and another way to the code
that applies it), so every body, queue message and token payload goes through here:
strict UTF-8, unique members, finite numbers, bounded integers and nesting. Anything
else raises ``BadJson`` (a ``ValueError``) with a message safe to show and log.
"""

from __future__ import annotations

import json
import math
from typing import Any, Final

__all__ = ["BadJson", "loads_strict", "parse_object"]

# 64-bit integers have at most 20 digits; longer numbers have no use here and cost
# quadratic time to convert.
_MAX_INT_DIGITS: Final = 32


class BadJson(ValueError):
    """The text is not strict JSON; the message says why without repeating the input."""


def _refuse_constant(name: str) -> object:
    raise BadJson("the JSON holds a non-finite number")


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BadJson("the JSON holds a non-finite number")
    return value


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        raise BadJson("the JSON holds an integer that is too long")
    return int(text)


def _unique_members(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        repeated = ""
        for name, _ in pairs:
            if name in seen:
                repeated = name
                break
            seen.add(name)
        raise BadJson(f"the JSON object repeats the member {repeated[:40]!r}")
    return result


_DECODER: Final = json.JSONDecoder(
    object_pairs_hook=_unique_members,
    parse_constant=_refuse_constant,
    parse_float=_parse_float,
    parse_int=_parse_int,
    strict=True,
)


def loads_strict(data: bytes | str) -> object:
    """One JSON value from strict UTF-8 (or text), or BadJson.

    Refuses invalid UTF-8, duplicated members, non-finite numbers, integers longer than
    32 digits, control characters in strings and nesting too deep to parse.
    """
    if isinstance(data, bytes | bytearray):
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError:
            raise BadJson("the body is not UTF-8 text") from None
    else:
        text = data
    try:
        return _DECODER.decode(text)
    except BadJson:
        raise
    except RecursionError:
        raise BadJson("the JSON is nested too deeply") from None
    except ValueError:
        raise BadJson("the body is not valid JSON") from None


def parse_object(data: bytes | str, what: str = "the body") -> dict[str, Any]:
    """A JSON object (``loads_strict``), or BadJson naming ``what``."""
    value = loads_strict(data)
    if not isinstance(value, dict):
        raise BadJson(f"{what} is not a JSON object")
    return value
