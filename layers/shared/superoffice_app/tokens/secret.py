"""A wrapper that keeps a credential out of logs, reprs and tracebacks.

Claims objects hold SuperOffice's ``system_token`` and system-user tickets. Whoever logs
such an object, formats it into an f-string or prints it in a traceback sees
``Secret('***')``; only an explicit ``reveal()`` returns the value.
"""

from __future__ import annotations

from typing import Final

__all__ = ["Secret"]

_MASK: Final = "Secret('***')"


class Secret:
    """An opaque string credential. ``reveal()`` is the only way to read it."""

    __slots__ = ("__value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("Secret holds a str")
        self.__value = value

    def reveal(self) -> str:
        """Return the credential. Call it only where the value is sent or encrypted."""
        return self.__value

    def __repr__(self) -> str:
        return _MASK

    def __str__(self) -> str:
        return _MASK

    def __format__(self, format_spec: str) -> str:
        return _MASK

    def __eq__(self, other: object) -> bool:
        # Constant time, and only against another Secret: comparing with a plain string
        # is refused so a secret is never matched against user input by accident.
        if not isinstance(other, Secret):
            return NotImplemented
        import hmac  # noqa: PLC0415 - rarely compared; hashlib's OpenSSL load stays off cold starts

        return hmac.compare_digest(
            self.__value.encode("utf-8", "surrogatepass"),
            other.__value.encode("utf-8", "surrogatepass"),
        )

    def __hash__(self) -> int:
        # A one-way digest, so equal secrets hash equal without hash() echoing the value.
        import hashlib  # noqa: PLC0415 - see __eq__

        digest = hashlib.sha256(self.__value.encode("utf-8", "surrogatepass")).digest()
        return int.from_bytes(digest[:8], "big")

    def __copy__(self) -> Secret:
        return self  # immutable: a copy may share the value (dataclasses.asdict copies)

    def __deepcopy__(self, memo: dict[int, object]) -> Secret:
        return self

    def __reduce__(self) -> tuple[object, ...]:
        # Pickling would write the value in clear to wherever the pickle goes.
        raise TypeError("a Secret cannot be pickled")
