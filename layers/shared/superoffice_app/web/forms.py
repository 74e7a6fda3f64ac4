"""Reading an HTML form post (``application/x-www-form-urlencoded``) from an HTTP API event.

The body arrives as API Gateway hands it over: base64 for form posts, text for text
content types. Anyone can send anything, so the form is read strictly, and anything
that is not one plain form is ``BadForm`` (a 400 for the caller), never an exception of
the standard library (which became a 500): base64 that does not decode, bytes that are
not UTF-8 (in the body or percent-encoded in a field), too large, too many fields, a
field sent twice (two values for one name is two readings of one form: which
``csrf_token`` was checked, which ``action`` was done?).
"""

from __future__ import annotations

import base64
import binascii
from typing import Final
from urllib.parse import parse_qsl

__all__ = ["MAX_FIELDS", "MAX_FORM_BYTES", "BadForm", "parse_form"]

# The app's forms have at most a handful of fields and a few hundred bytes; SuperID's
# form_post answer (code, state, session state) a few kilobytes.
MAX_FORM_BYTES: Final = 16 * 1024
MAX_FIELDS: Final = 32


class BadForm(ValueError):
    """The body is not one plain form; the message is safe to show (it quotes nothing)."""


def _body_bytes(body: str, is_base64: bool) -> bytes:
    if is_base64:
        # Base64 is 4 characters per 3 bytes: a longer text cannot fit the limit.
        if len(body) > (MAX_FORM_BYTES // 3 + 1) * 4:
            raise BadForm("The form is too large.")
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise BadForm("The form could not be read.") from None
    if len(body) > MAX_FORM_BYTES:
        raise BadForm("The form is too large.")
    try:
        return body.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: not text any client could send
        raise BadForm("The form is not UTF-8 text.") from None


def parse_form(body: str | None, *, is_base64: bool) -> dict[str, str]:
    """The form's fields by name (blank values kept), or BadForm."""
    if not body:
        return {}
    data = _body_bytes(body, is_base64)
    if len(data) > MAX_FORM_BYTES:
        raise BadForm("The form is too large.")
    try:
        text = data.decode("utf-8")
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except UnicodeDecodeError:
        raise BadForm("The form is not UTF-8 text.") from None
    except ValueError:  # more than MAX_FIELDS fields
        raise BadForm("The form has too many fields.") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise BadForm("The form sends a field more than once.")
    return fields
