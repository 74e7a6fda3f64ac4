"""The sealed sign-in cookie: round trip, tampering, expiry, wrong key, rotation, garbage."""

from __future__ import annotations

import base64
import json
import os
import re

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st

from superoffice_app.onboarding.login_cookie import (
    KEY_INFO,
    LOGIN_LIFETIME_SECONDS,
    LoginPurpose,
    PendingSignIn,
    open_login,
    seal_login,
    states_match,
)
from superoffice_app.superoffice.oidc import new_authorization
from superoffice_app.tokens import Secret, SessionKeyRing

NOW = 1_800_000_000
KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))


def pending(**changes: object) -> PendingSignIn:
    authorization = new_authorization()
    values: dict[str, object] = {
        "purpose": LoginPurpose.INSTALL,
        "state": authorization.state,
        "nonce": authorization.nonce,
        "code_verifier": Secret(authorization.code_verifier),
        "ctx_hint": "Cust10001",
        "expires_at": NOW + LOGIN_LIFETIME_SECONDS,
    }
    values.update(changes)
    return PendingSignIn(**values)  # type: ignore[arg-type]


def raw_of(cookie: str) -> bytes:
    body = cookie.removeprefix("v1.")
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))


def cookie_of(raw: bytes) -> str:
    return "v1." + base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.mark.parametrize("purpose", list(LoginPurpose))
@pytest.mark.parametrize("ctx_hint", ["Cust10001", None])
def test_round_trip(purpose: LoginPurpose, ctx_hint: str | None) -> None:
    sealed = pending(purpose=purpose, ctx_hint=ctx_hint)
    opened = open_login(seal_login(sealed, KEY), [KEY], NOW)
    assert opened is not None
    assert opened.purpose is purpose
    assert (opened.state, opened.nonce, opened.ctx_hint, opened.expires_at) == (
        sealed.state,
        sealed.nonce,
        ctx_hint,
        sealed.expires_at,
    )
    assert opened.code_verifier.reveal() == sealed.code_verifier.reveal()


def test_the_cookie_shows_nothing_it_holds_and_fits_a_cookie() -> None:
    sealed = pending()
    cookie = seal_login(sealed, KEY)
    assert cookie.startswith("v1.")
    assert len(cookie) < 600
    assert re.fullmatch(r"v1\.[A-Za-z0-9_-]+", cookie)
    for value in (sealed.state, sealed.nonce, sealed.code_verifier.reveal(), "Cust10001"):
        assert value not in cookie
    # Sealing twice gives two cookies (a fresh GCM nonce each time).
    assert seal_login(sealed, KEY) != cookie
    assert sealed.code_verifier.reveal() not in repr(sealed)


def test_every_flipped_bit_is_refused() -> None:
    raw = raw_of(seal_login(pending(), KEY))
    for index in range(len(raw)):
        for bit in (0x01, 0x80):
            tampered = bytearray(raw)
            tampered[index] ^= bit
            assert open_login(cookie_of(bytes(tampered)), [KEY], NOW) is None, index


def test_truncated_or_extended_cookies_are_refused() -> None:
    raw = raw_of(seal_login(pending(), KEY))
    for changed in (raw[:-1], raw[:12], raw[:13], raw + b"\x00", b""):
        assert open_login(cookie_of(changed), [KEY], NOW) is None


def test_expiry() -> None:
    cookie = seal_login(pending(expires_at=NOW + 600), KEY)
    assert open_login(cookie, [KEY], NOW + 599) is not None
    assert open_login(cookie, [KEY], NOW + 600) is None
    assert open_login(cookie, [KEY], NOW + 86_400) is None


def test_a_wrong_key_is_refused() -> None:
    cookie = seal_login(pending(), KEY)
    assert open_login(cookie, [OTHER_KEY], NOW) is None
    assert open_login(cookie, [], NOW) is None
    assert open_login(cookie, [b"short"], NOW) is None


def test_sealed_under_another_purpose_label_is_refused() -> None:
    """Same key, same layout, other associated data: not a sign-in cookie."""
    document = {"p": "install", "s": "A" * 43, "n": "n", "v": "v" * 43, "c": None, "e": NOW + 60}
    nonce = os.urandom(12)
    sealed = AESGCM(KEY).encrypt(nonce, json.dumps(document).encode(), b"something else")
    assert open_login(cookie_of(nonce + sealed), [KEY], NOW) is None


def test_a_sign_in_started_before_a_key_rotation_completes_after_it() -> None:
    ring = SessionKeyRing.generate("old")
    cookie = seal_login(pending(), ring.derived_keys(KEY_INFO)[0])
    rotated = ring.rotated("new")
    assert open_login(cookie, rotated.derived_keys(KEY_INFO), NOW) is not None
    # New sign-ins are sealed with the new signer's key, which the old ring cannot open.
    fresh = seal_login(pending(), rotated.derived_keys(KEY_INFO)[0])
    assert open_login(fresh, ring.derived_keys(KEY_INFO), NOW) is None
    # Once the old key is retired, its sign-ins no longer open.
    assert open_login(cookie, rotated.retire("old").derived_keys(KEY_INFO), NOW) is None


def test_derived_keys_depend_on_the_ring_key_and_the_label() -> None:
    ring = SessionKeyRing.generate("k1").rotated("k2")
    keys = ring.derived_keys(KEY_INFO)
    assert len(keys) == 2
    assert all(len(key) == 32 for key in keys)
    assert keys[0] != keys[1]
    assert ring.derived_keys(KEY_INFO) == keys  # deterministic: every instance agrees
    assert SessionKeyRing.from_json(ring.to_json()).derived_keys(KEY_INFO) == keys
    assert set(ring.derived_keys(b"another use")).isdisjoint(keys)
    with pytest.raises(ValueError, match="info"):
        ring.derived_keys(b"")


GARBAGE = [
    "",
    "v1.",
    "v1",
    "v2." + "A" * 100,
    "v1.!!!!",
    "v1.A",
    "v1." + "A" * 5000,
    "v1.ÅÆØ",
    "v1.\x00\x00",
    "v1.AAAA====",
    "q3Jx8mK0aZyHfA7bC2dE4fG6hI8jK0lM1nO3pQ5rS7t",  # a state, as the old cookie held
    "v1.+/+/" + "A" * 60,
]


@pytest.mark.parametrize("cookie", GARBAGE)
def test_garbage_is_refused_without_raising(cookie: str) -> None:
    assert open_login(cookie, [KEY], NOW) is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=1200))
def test_no_text_makes_opening_raise(cookie: str) -> None:
    assert open_login(cookie, [KEY], NOW) is None
    assert open_login("v1." + cookie, [KEY], NOW) is None


@pytest.mark.parametrize(
    "content",
    [
        b"not json",
        b"[]",
        b'{"p": "install"}',
        b'{"p": "nope", "s": "' + b"A" * 43 + b'", "n": "n", "v": "' + b"v" * 43 + b'", "e": 1}',
        b'{"p": "install", "p": "signin"}',
        b"\xff\xfe",
    ],
)
def test_authentic_but_malformed_content_is_refused(content: bytes) -> None:
    nonce = os.urandom(12)
    sealed = AESGCM(KEY).encrypt(nonce, content, b"__Host-so_login v1")
    assert open_login(cookie_of(nonce + sealed), [KEY], NOW) is None


def test_states_match_in_constant_time_and_any_text() -> None:
    sealed = pending()
    assert states_match(sealed, sealed.state)
    assert not states_match(sealed, sealed.state[:-1] + "x")
    assert not states_match(sealed, "")
    assert not states_match(sealed, "Å" * 43)
    assert not states_match(sealed, "\ud800")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"state": "short"}, "state"),
        ({"nonce": ""}, "nonce"),
        ({"code_verifier": Secret("x")}, "code_verifier"),
        ({"ctx_hint": "Cust1#x"}, "ctx_hint"),
        ({"expires_at": True}, "expires_at"),
        ({"purpose": "other"}, "other"),
    ],
)
def test_only_well_formed_sign_ins_are_sealed(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        pending(**changes)


def test_sealing_needs_a_256_bit_key() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        seal_login(pending(), b"k" * 16)
