"""Signed system tokens: checked as SuperOffice checks them (timestamp, then signature)."""

from __future__ import annotations

import base64
import datetime

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from local.simulator.system_user_auth import (
    SystemUserError,
    parse_signed_system_token,
    timestamp_seconds,
    verify_signed_system_token,
)

APP_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
TOKEN = "LocalApp-8k8Q7DmBgo"
NOW = datetime.datetime(2026, 3, 5, 12, 30, 20, tzinfo=datetime.UTC).timestamp()


def sign(token: str, moment: float, key: rsa.RSAPrivateKey = APP_KEY) -> str:
    """What a partner app sends: `<token>.<yyyyMMddHHmm>.<base64 PKCS#1 v1.5 SHA-256>`."""
    stamp = datetime.datetime.fromtimestamp(moment, datetime.UTC).strftime("%Y%m%d%H%M")
    message = f"{token}.{stamp}".encode()
    signature = key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    return f"{token}.{stamp}.{base64.b64encode(signature).decode('ascii')}"


def verify(signed: str, *, now: float = NOW, token: str = TOKEN) -> None:
    verify_signed_system_token(signed, system_token=token, public_key=APP_KEY.public_key(), now=now)


def error_of(signed: str, **kwargs: float | str) -> SystemUserError:
    with pytest.raises(SystemUserError) as raised:
        verify(signed, **kwargs)  # type: ignore[arg-type]
    return raised.value


def test_a_fresh_signature_is_accepted() -> None:
    verify(sign(TOKEN, NOW))


@pytest.mark.parametrize("minutes", [-5, -3, 0, 4, 5])
def test_timestamps_within_five_minutes_are_accepted(minutes: int) -> None:
    verify(sign(TOKEN, NOW + minutes * 60))


@pytest.mark.parametrize("minutes", [-6, 6, -60 * 24])
def test_timestamps_further_off_are_invalid_timestamp(minutes: int) -> None:
    error = error_of(sign(TOKEN, NOW + minutes * 60))
    assert error.code == 6
    assert error.message.startswith("6: InvalidTimestamp")


def test_minute_resolution_does_not_cost_a_minute() -> None:
    # Signed at 12:25:59 (stamp 1225), checked at 12:30:58: still within five minutes.
    signed_at = datetime.datetime(2026, 3, 5, 12, 25, 59, tzinfo=datetime.UTC).timestamp()
    verify(sign(TOKEN, signed_at), now=signed_at + 299)


def test_a_signature_by_another_key_is_invalid_signature() -> None:
    error = error_of(sign(TOKEN, NOW, OTHER_KEY))
    assert error.code == 7
    assert error.message.startswith("7: InvalidSignature")


def test_a_tampered_timestamp_is_invalid_signature() -> None:
    token, stamp, signature = parse_signed_system_token(sign(TOKEN, NOW))
    later = str(int(stamp) + 1)
    assert error_of(f"{token}.{later}.{signature}").code == 7


def test_url_safe_base64_is_not_standard_base64() -> None:
    # Over a few minutes' signatures, one surely holds a + or a / (each has 344 characters).
    signed = next(s for s in (sign(TOKEN, NOW + m * 60) for m in range(5)) if {"+", "/"} & set(s))
    urlsafe = signed.replace("+", "-").replace("/", "_")
    assert error_of(urlsafe).code == 7


def test_another_system_token_is_denied() -> None:
    assert error_of(sign("LocalApp-other", NOW)).code == 4


@pytest.mark.parametrize("signed", ["", "LocalApp-x", "LocalApp-x.202603051230", "..", "a.b."])
def test_malformed_tokens_are_invalid_signature(signed: str) -> None:
    assert error_of(signed).code == 7


@pytest.mark.parametrize("stamp", ["2026030512300", "20260305123", "20261305123x", "202613051230"])
def test_malformed_timestamps_are_invalid_timestamp(stamp: str) -> None:
    signed = sign(TOKEN, NOW)
    token, _, signature = parse_signed_system_token(signed)
    assert error_of(f"{token}.{stamp}.{signature}").code == 6


def test_system_tokens_may_contain_dots() -> None:
    dotted = "My.App-abc"
    verify(sign(dotted, NOW), token=dotted)


def test_timestamp_is_utc() -> None:
    assert timestamp_seconds("197001010001") == 60
