"""Strict base64url and strict JSON, the two encodings a JWS is made of.

Python's own decoders are lenient where a verifier must not be: ``base64`` skips
characters outside the alphabet and accepts non-canonical trailing bits, ``json`` keeps
the last of duplicate members, reads ``NaN``/``Infinity`` and turns ``1e999`` into an
infinite float (an ``exp`` that never comes). Two readers that disagree about what a
token says is how signature checks get bypassed, so these functions accept exactly one
spelling of each value and raise ``ValueError`` for everything else.
"""

from __future__ import annotations

import binascii
from typing import Final

from superoffice_app.strict_json import loads_strict

__all__ = ["b64url_decode", "b64url_decode_padded", "b64url_encode", "loads_strict"]

# binascii rather than base64, which imports struct: this module is on the authorizer's
# cold-start path.
_URL_TO_STANDARD: Final = bytes.maketrans(b"-_", b"+/")
_STANDARD_TO_URL: Final = bytes.maketrans(b"+/", b"-_")
_PADDING: Final = {0: b"", 2: b"==", 3: b"="}
# The last character of a 2- or 3-character group carries 4 or 2 unused bits, which a
# canonical encoding leaves zero: these are the characters whose low bits are zero.
_CANONICAL_LAST: Final = {2: frozenset("AQgw"), 3: frozenset("AEIMQUYcgkosw048")}


def b64url_encode(data: bytes) -> str:
    """Base64url without padding (RFC 7515 section 2)."""
    encoded = binascii.b2a_base64(data, newline=False).translate(_STANDARD_TO_URL)
    return encoded.rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url, refusing every non-canonical spelling.

    Only ``[A-Za-z0-9_-]``, no padding, no whitespace, a length that is not 1 modulo 4,
    and unused trailing bits zero (so re-encoding the bytes gives back ``text``).
    """
    remainder = len(text) % 4
    # binascii's strict mode refuses characters outside the standard alphabet and
    # whitespace, but accepts '+', '/' and surplus '=': those are refused here first.
    if remainder == 1 or "=" in text or "+" in text or "/" in text:
        raise ValueError("not base64url")
    if remainder and text[-1] not in _CANONICAL_LAST[remainder]:
        raise ValueError("non-canonical base64url")
    data = text.encode("ascii").translate(_URL_TO_STANDARD)
    return binascii.a2b_base64(data + _PADDING[remainder], strict_mode=True)


def b64url_decode_padded(text: str) -> bytes:
    """Like ``b64url_decode`` but tolerating correct ``=`` padding.

    For JWKS members: they come from a trusted publisher over TLS, and some publishers
    pad. Tokens never get this tolerance.
    """
    stripped = text.rstrip("=")
    padding = len(text) - len(stripped)
    if padding and padding != -len(stripped) % 4:
        raise ValueError("bad base64url padding")
    return b64url_decode(stripped)
