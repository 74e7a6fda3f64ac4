"""Strict base64url and strict JSON: exactly one accepted spelling of each value."""

from __future__ import annotations

import base64
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from superoffice_app.tokens.encoding import (
    b64url_decode,
    b64url_decode_padded,
    b64url_encode,
    loads_strict,
)


@pytest.mark.parametrize(
    "data", [b"", b"f", b"fo", b"foo", b"foob", b"\xfb\xff\xfe", bytes(range(256))]
)
def test_base64url_round_trips(data: bytes) -> None:
    text = b64url_encode(data)
    assert "=" not in text
    assert b64url_decode(text) == data


@pytest.mark.parametrize(
    "text",
    [
        "Zg==",  # padding
        "Zg=",
        "Zm9v\n",
        " Zm9v",
        "Zm 9v",
        "Zm9v\t",
        "+/8A",  # standard alphabet
        "Zh",  # non-canonical: unused bits set (Zg is canonical for b"f")
        "Zm9",  # canonical would be Zm8
        "Zm9vY",  # length 1 mod 4
        "A",
        "Zm9v.",
        "Zm9v%3D",
        "\u0660\u0661",  # non-ASCII digits
        "Ｚｍ９ｖ",  # full-width letters
    ],
)
def test_base64url_refuses_every_other_spelling(text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 -- the only error it raises
        b64url_decode(text)


def test_python_itself_would_have_accepted_some_of_them() -> None:
    # Why the module exists: the standard library is lenient.
    assert base64.urlsafe_b64decode("Zh==") == b"f"
    assert base64.urlsafe_b64decode("Zm9v\n") == b"foo"


def test_padded_variant_for_jwks_accepts_only_correct_padding() -> None:
    assert b64url_decode_padded("Zg==") == b"f"
    assert b64url_decode_padded("Zg") == b"f"
    assert b64url_decode_padded("Zm8=") == b"fo"
    for bad in ("Zg=", "Zg===", "Zm9v=", "Zh=="):
        with pytest.raises(ValueError):  # noqa: PT011
            b64url_decode_padded(bad)


def test_strict_json_reads_ordinary_json() -> None:
    assert loads_strict(b'{"a":[1,2.5,"x",true,null,{"b":-3}]}') == {
        "a": [1, 2.5, "x", True, None, {"b": -3}]
    }
    assert loads_strict('{"a":"\\u00e9"}') == {"a": "é"}


@pytest.mark.parametrize(
    "text",
    [
        b'{"a":1,"a":2}',  # duplicate member
        b'{"a":{"b":1,"b":1}}',  # duplicate, nested
        b'[{"x":1,"x":1}]',
        b'{"a":NaN}',
        b'{"a":Infinity}',
        b'{"a":-Infinity}',
        b'{"a":1e999}',  # would be an infinite float
        b'{"a":-1e400}',
        b'{"a":' + b"1" * 33 + b"}",  # integer too long
        b"[" * 100_000 + b"]" * 100_000,  # too deep
        b"\xef\xbb\xbf{}",  # BOM
        b"\xff",  # not UTF-8
        b'{"a":1} x',
        b"",
        b"{'a':1}",
        b'{"a":"\x01"}',  # raw control character
    ],
)
def test_strict_json_refuses(text: bytes) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        loads_strict(text)


def test_strict_json_keeps_32_digit_integers() -> None:
    assert loads_strict(b"[" + b"9" * 32 + b"]") == [int("9" * 32)]


def _reference_decode(text: str) -> bytes:
    """The slow, obviously strict definition: alphabet, length, and exact re-encoding."""
    if len(text) % 4 == 1 or re.fullmatch(r"[A-Za-z0-9_-]*", text) is None:
        raise ValueError(text)
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != text:
        raise ValueError(text)
    return raw


@settings(max_examples=400, deadline=None)
@given(
    st.text(
        alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/ \n\x00é",
        max_size=24,
    )
)
def test_base64url_agrees_with_the_reference_definition(text: str) -> None:
    try:
        expected: bytes | None = _reference_decode(text)
    except ValueError:
        expected = None
    try:
        actual: bytes | None = b64url_decode(text)
    except ValueError:
        actual = None
    assert actual == expected


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64))
def test_base64url_round_trips_any_bytes(data: bytes) -> None:
    assert b64url_decode(b64url_encode(data)) == data
