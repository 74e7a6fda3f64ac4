"""SessionKeyRing: issuing, rotation without logging anyone out, storage as JSON."""

from __future__ import annotations

import base64
import json
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from tokens_testkit import rsa_key

from superoffice_app.tokens import (
    KeyNotFoundError,
    SessionKeyRing,
    SessionTokenValidator,
    StaticKeys,
)

APP = "https://app.example.com"
NOW = 1_700_000_000


def validator(ring: SessionKeyRing) -> SessionTokenValidator:
    return SessionTokenValidator(APP, StaticKeys(ring.keyset()), clock=lambda: NOW + 1)


def issue(ring: SessionKeyRing, **changes: Any) -> str:
    options: dict[str, Any] = {
        "issuer": APP,
        "ctx": "Cust12345",
        "associate_id": 5,
        "admin": False,
        "now": NOW,
    }
    options.update(changes)
    return ring.issue(**options)


def segment(token: str, index: int) -> dict[str, Any]:
    part = token.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def ring() -> SessionKeyRing:
    return SessionKeyRing.generate("2026-01")


def test_issued_token_has_the_fixed_header_and_claims(ring: SessionKeyRing) -> None:
    token = issue(ring, admin=True, name="Jane Doe", lifetime_seconds=600)
    assert segment(token, 0) == {"alg": "ES256", "kid": "2026-01", "typ": "so-session+jwt"}
    claims = segment(token, 1)
    jti = claims.pop("jti")
    assert isinstance(jti, str)
    assert len(jti) >= 16
    assert claims == {
        "iss": APP,
        "aud": APP,
        "sub": "Cust12345:5",
        "ctx": "Cust12345",
        "associate_id": 5,
        "admin": True,
        "iat": NOW,
        "nbf": NOW,
        "exp": NOW + 600,
        "name": "Jane Doe",
    }


def test_issued_token_verifies_with_pyjwt_and_the_published_jwks(ring: SessionKeyRing) -> None:
    token = issue(ring)
    jwk = jwt.PyJWK(ring.public_jwks()["keys"][0])  # type: ignore[index]
    claims = jwt.decode(
        token,
        jwk.key,
        algorithms=["ES256"],
        audience=APP,
        issuer=APP,
        options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
    )
    assert claims["sub"] == "Cust12345:5"
    assert validator(ring).validate(token).sub == "Cust12345:5"


def test_default_lifetime_is_an_hour_and_jti_is_unique(ring: SessionKeyRing) -> None:
    first, second = segment(issue(ring), 1), segment(issue(ring), 1)
    assert first["exp"] - first["iat"] == 3600
    assert first["jti"] != second["jti"]


def test_without_now_the_current_time_is_used(ring: SessionKeyRing) -> None:
    import time

    before = int(time.time())
    claims = segment(ring.issue(issuer=APP, ctx="Cust1", associate_id=1, admin=False), 1)
    assert before <= claims["iat"] <= int(time.time())


@pytest.mark.parametrize(
    "changes",
    [
        {"issuer": ""},
        {"ctx": "cust1"},
        {"ctx": "Cust1:2"},
        {"associate_id": True},
        {"associate_id": -1},
        {"associate_id": "5"},
        {"admin": 1},
        {"admin": "True"},
        {"lifetime_seconds": 0},
        {"lifetime_seconds": -5},
        {"lifetime_seconds": 8 * 24 * 3600},
        {"lifetime_seconds": True},
        {"lifetime_seconds": 1.5},
        {"name": 5},
    ],
)
def test_issue_refuses_bad_arguments(ring: SessionKeyRing, changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        issue(ring, **changes)


def test_rotation_keeps_old_sessions_valid(ring: SessionKeyRing) -> None:
    old_token = issue(ring)
    rotated = ring.rotated("2026-02")
    assert rotated.kids == ("2026-02", "2026-01")
    assert rotated.active_kid == "2026-02"
    new_token = issue(rotated)
    assert segment(new_token, 0)["kid"] == "2026-02"
    assert validator(rotated).validate(old_token).ctx == "Cust12345"
    assert validator(rotated).validate(new_token).ctx == "Cust12345"
    # The ring it came from is unchanged, and does not know the new key.
    assert ring.kids == ("2026-01",)
    with pytest.raises(KeyNotFoundError):
        validator(ring).validate(new_token)


def test_retiring_a_key_ends_its_sessions(ring: SessionKeyRing) -> None:
    old_token = issue(ring)
    retired = ring.rotated("2026-02").retire("2026-01")
    assert retired.kids == ("2026-02",)
    with pytest.raises(KeyNotFoundError):
        validator(retired).validate(old_token)
    with pytest.raises(ValueError, match="rotate"):
        retired.retire("2026-02")
    with pytest.raises(ValueError, match="kid"):
        retired.retire("no-such-kid")


def test_generated_kids_are_random_and_well_formed() -> None:
    first, second = SessionKeyRing.generate(), SessionKeyRing.generate()
    assert first.active_kid != second.active_kid
    assert first.rotated().active_kid not in (first.active_kid, second.active_kid)


def test_json_round_trip_keeps_every_key(ring: SessionKeyRing) -> None:
    rotated = ring.rotated("2026-02")
    text = rotated.to_json()
    document = json.loads(text)
    assert [entry["kid"] for entry in document["keys"]] == ["2026-02", "2026-01"]
    assert all(
        entry["private_key_pem"].startswith("-----BEGIN PRIVATE KEY-----")
        for entry in document["keys"]
    )
    restored = SessionKeyRing.from_json(text)
    assert restored.kids == rotated.kids
    assert restored.public_jwks() == rotated.public_jwks()
    assert validator(restored).validate(issue(rotated)).ctx == "Cust12345"
    assert validator(rotated).validate(issue(restored)).ctx == "Cust12345"
    assert SessionKeyRing.from_json(text.encode()).kids == rotated.kids


def _pem(key: Any) -> str:
    return key.private_bytes(  # type: ignore[no-any-return]
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.mark.parametrize(
    "document",
    [
        "not json",
        "[]",
        "{}",
        '{"keys": []}',
        '{"keys": {}}',
        '{"keys": ["x"]}',
        '{"keys": [{"kid": "a"}]}',
        '{"keys": [{"kid": "a", "private_key_pem": "garbage"}]}',
        '{"keys": [{"kid": 5, "private_key_pem": "x"}]}',
    ],
)
def test_from_json_refuses_malformed_documents(document: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        SessionKeyRing.from_json(document)


def test_from_json_refuses_keys_that_are_not_p256_and_never_echoes_them() -> None:
    p256 = _pem(ec.generate_private_key(ec.SECP256R1()))
    cases = [
        [{"kid": "a", "private_key_pem": _pem(rsa_key("session-json"))}],
        [{"kid": "a", "private_key_pem": _pem(ec.generate_private_key(ec.SECP384R1()))}],
        [{"kid": "a", "private_key_pem": p256}, {"kid": "a", "private_key_pem": p256}],
        [{"kid": "bad kid with spaces", "private_key_pem": p256}],
        [{"kid": "", "private_key_pem": p256}],
        [
            {
                "kid": "enc",
                "private_key_pem": ec.generate_private_key(ec.SECP256R1())
                .private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.BestAvailableEncryption(b"password"),
                )
                .decode(),
            }
        ],
    ]
    for keys in cases:
        with pytest.raises(ValueError) as caught:  # noqa: PT011
            SessionKeyRing.from_json(json.dumps({"keys": keys}))
        assert "PRIVATE KEY" not in str(caught.value)
        assert caught.value.__cause__ is None


def test_public_jwks_has_public_members_only(ring: SessionKeyRing) -> None:
    (entry,) = ring.public_jwks()["keys"]  # type: ignore[misc]
    assert set(entry) == {"kty", "crv", "x", "y", "kid", "use", "alg", "key_ops"}
    assert (entry["kty"], entry["crv"], entry["use"], entry["alg"], entry["key_ops"]) == (
        "EC",
        "P-256",
        "sig",
        "ES256",
        ["verify"],
    )
    assert len(base64.urlsafe_b64decode(entry["x"] + "=")) == 32
    assert len(base64.urlsafe_b64decode(entry["y"] + "=")) == 32


def test_repr_shows_no_key_material(ring: SessionKeyRing) -> None:
    text = repr(ring)
    assert text == "SessionKeyRing(kids=['2026-01'])"
    document = json.loads(ring.to_json())
    (entry,) = ring.public_jwks()["keys"]  # type: ignore[misc]
    for material in (document["keys"][0]["private_key_pem"], entry["x"], entry["y"]):
        assert material not in text
        assert material not in str(ring)


def test_ring_is_immutable(ring: SessionKeyRing) -> None:
    with pytest.raises(AttributeError):
        ring._keys = ()  # type: ignore[misc]
    with pytest.raises(ValueError):  # noqa: PT011
        SessionKeyRing(())
