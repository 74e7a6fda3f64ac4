"""The browser session: issued after a sign-in, CSRF derived from it, the trail's person."""

from __future__ import annotations

import time

import pytest

from superoffice_app.onboarding.errors import FormExpired
from superoffice_app.onboarding.login_cookie import LoginPurpose
from superoffice_app.onboarding.session import SESSION_SECONDS, Sessions, csrf_token
from superoffice_app.onboarding.signin import SignedIn
from superoffice_app.tokens import IdTokenClaims, SessionKeyRing

ISSUER = "https://app.example.test"


def signed_in(
    ctx: str = "Cust10001",
    associate_id: int | None = 5,
    upn: str | None = "ann@x",
    email: str | None = "ann@example.test",
) -> SignedIn:
    now = time.time()
    claims = IdTokenClaims(
        sub="sub-1",
        ctx=ctx,
        serial="1",
        associate_id=associate_id,
        is_administrator=True,
        company_name=None,
        email=email,
        upn=upn,
        initials=None,
        identity_provider=None,
        primary_email=None,
        webapi_url=None,
        netserver_url=None,
        nonce=None,
        issued_at=now,
        expires_at=now + 300,
        system_token=None,
    )
    return SignedIn(ctx, claims, f"/tenants/{ctx}", LoginPurpose.SIGNIN)


@pytest.fixture
def ring() -> list[SessionKeyRing]:
    return [SessionKeyRing.generate("k1")]


@pytest.fixture
def sessions(ring: list[SessionKeyRing]) -> Sessions:
    return Sessions(ISSUER, lambda: ring[0])


def test_the_issued_session_is_the_signed_in_administrator_for_an_hour(sessions: Sessions) -> None:
    claims = sessions.validator().validate(sessions.issue(signed_in()))
    assert (claims.ctx, claims.associate_id, claims.admin, claims.name) == (
        "Cust10001",
        5,
        True,
        "ann@x",
    )
    assert claims.expires_at - claims.issued_at == SESSION_SECONDS


def test_a_session_signed_before_a_rotation_still_reads(
    sessions: Sessions, ring: list[SessionKeyRing]
) -> None:
    token = sessions.issue(signed_in())
    ring[0] = ring[0].rotated("k2")
    assert sessions.validator().validate(token).ctx == "Cust10001"


def test_a_form_carries_the_csrf_token_of_this_browsers_session(sessions: Sessions) -> None:
    session = sessions.issue(signed_in())
    assert sessions.check_form(csrf_token(session), session) == session
    assert csrf_token(session) != csrf_token(sessions.issue(signed_in()))


@pytest.mark.parametrize("sent", ["", "0" * 64, "Å" * 64, "\udcff"])
def test_any_other_csrf_token_is_an_expired_form(sessions: Sessions, sent: str) -> None:
    with pytest.raises(FormExpired):
        sessions.check_form(sent, sessions.issue(signed_in()))


def test_a_form_without_a_session_cookie_is_an_expired_form(sessions: Sessions) -> None:
    with pytest.raises(FormExpired):
        sessions.check_form(csrf_token("anything"), None)


def test_a_cookie_that_is_not_text_still_derives_a_token() -> None:
    assert len(csrf_token("\udcff")) == 64


def test_the_trail_names_the_person_of_a_matching_session(sessions: Sessions) -> None:
    person = sessions.person("Cust10001", 5, sessions.issue(signed_in()))
    assert (person.name, person.actor) == ("ann@x", "ann@x (associate 5)")


@pytest.mark.parametrize(
    ("ctx", "associate_id", "token_of"),
    [
        ("Cust10002", 5, signed_in()),  # another tenant's session
        ("Cust10001", 6, signed_in()),  # another associate's session
        ("Cust10001", 5, signed_in(upn=None, email=None)),  # a session without a name
    ],
)
def test_otherwise_the_trail_names_the_associate_the_authorizer_vouched_for(
    sessions: Sessions, ctx: str, associate_id: int, token_of: SignedIn
) -> None:
    session = sessions.issue(token_of)
    person = sessions.person(ctx, associate_id, session)
    assert (person.name, person.actor) == (f"associate {associate_id}",) * 2


def test_a_session_the_ring_no_longer_knows_names_the_associate(
    sessions: Sessions, ring: list[SessionKeyRing]
) -> None:
    session = sessions.issue(signed_in())
    ring[0] = SessionKeyRing.generate("k9")
    assert sessions.person("Cust10001", 5, session).actor == "associate 5"
