"""Reading form posts: anything that is not one plain UTF-8 form is BadForm, never a crash."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from superoffice_app.web.forms import MAX_FIELDS, MAX_FORM_BYTES, BadForm, parse_form


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def test_a_plain_form_is_read_as_api_gateway_hands_it_over() -> None:
    body = b"csrf_token=abc&action=pause&empty=&name=J%C3%B8rgen+Hansen"
    expected = {"csrf_token": "abc", "action": "pause", "empty": "", "name": "Jørgen Hansen"}
    assert parse_form(b64(body), is_base64=True) == expected
    assert parse_form(body.decode(), is_base64=False) == expected


@pytest.mark.parametrize("body", [None, ""])
def test_no_body_is_an_empty_form(body: str | None) -> None:
    assert parse_form(body, is_base64=True) == {}


@pytest.mark.parametrize(
    ("body", "is_base64", "message"),
    [
        # The finding: a form post whose bytes are not UTF-8 was a 500.
        (b64(b"\xff\xfe=\x80"), True, "not UTF-8"),
        (b64(b"state=%ff%fe"), True, "not UTF-8"),  # percent-encoded bytes, same thing
        ("state=\ud800", False, "not UTF-8"),  # a lone surrogate in a text body
        ("not base64!", True, "could not be read"),
        (b64(b"a=1&a=2"), True, "more than once"),
        (b64(b"csrf_token=x&action=pause&csrf_token=y"), True, "more than once"),
        (b64(b"&".join(b"f%d=1" % n for n in range(MAX_FIELDS + 1))), True, "too many"),
        (b64(b"a=" + b"x" * MAX_FORM_BYTES), True, "too large"),
        ("a=" + "x" * MAX_FORM_BYTES, False, "too large"),
        ("A" * (MAX_FORM_BYTES * 2), True, "too large"),  # refused before decoding
    ],
    ids=[
        "body-not-utf8",
        "field-not-utf8",
        "lone-surrogate",
        "bad-base64",
        "repeated-field",
        "repeated-csrf-token",
        "too-many-fields",
        "too-large",
        "too-large-text",
        "too-large-base64",
    ],
)
def test_what_is_not_one_plain_form_is_refused(body: str, is_base64: bool, message: str) -> None:
    with pytest.raises(BadForm, match=message):
        parse_form(body, is_base64=is_base64)


def test_the_message_quotes_nothing_of_the_request() -> None:
    hostile = "<script>alert(1)</script>"
    with pytest.raises(BadForm) as refused:
        parse_form(b64(f"{hostile}=1&{hostile}=2".encode()), is_base64=True)
    assert "script" not in str(refused.value)


@given(st.binary(max_size=512), st.booleans())
def test_any_bytes_give_a_form_or_bad_form(data: bytes, as_base64: bool) -> None:
    body = b64(data) if as_base64 else data.decode("latin-1")
    try:
        fields = parse_form(body, is_base64=as_base64)
    except BadForm:
        return
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in fields.items())


@given(st.text(max_size=512))
def test_any_text_gives_a_form_or_bad_form(text: str) -> None:
    try:
        fields = parse_form(text, is_base64=False)
    except BadForm:
        return
    assert len(fields) <= MAX_FIELDS
