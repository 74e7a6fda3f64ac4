"""SignIn with the pending sign-in sealed in the browser's cookie, over fakes.

What the integration tests show against the simulator, here for each way a callback can
be wrong: no cookie, another browser's, a tampered, expired or garbage one, a retired
key, a replayed answer (SuperID refuses the spent code).
"""

from __future__ import annotations

import base64
import hashlib
import time
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from superoffice_app.config import AppConfig
from superoffice_app.environments import known_environment
from superoffice_app.onboarding.errors import OnboardingError
from superoffice_app.onboarding.login_cookie import KEY_INFO, LoginPurpose, open_login
from superoffice_app.onboarding.signin import SignIn, SignInStart
from superoffice_app.store import TenantStatus
from superoffice_app.superoffice.oidc import OidcError, TokenResponse
from superoffice_app.tokens import Secret, SessionKeyRing
from superoffice_app.web.errors import problem_for
from superoffice_app.web.problems import Problem

APP = "https://app.example.com"
ID_TOKEN = "header.payload.signature"


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@dataclass
class FakeIdTokens:
    nonces: list[str | None] = field(default_factory=list)

    def validate(self, token: object, nonce: str | None = None) -> Any:
        assert token == ID_TOKEN
        self.nonces.append(nonce)
        return SimpleNamespace(
            ctx="Cust10001", is_administrator=True, associate_id=1, upn=None, email=None
        )


@dataclass
class FakeSuperId:
    """The token endpoint: each code redeemed once, as SuperID does."""

    issued: set[str] = field(default_factory=lambda: {"code-1"})
    verifiers: list[str] = field(default_factory=list)

    def exchange(self, code: str, verifier: str) -> TokenResponse:
        self.verifiers.append(verifier)
        if code not in self.issued:
            raise OidcError("invalid_grant", "the code is unknown or was already used")
        self.issued.remove(code)
        return TokenResponse(ID_TOKEN, Secret("8A:access"), None, 3600)


class FakeTenants:
    def get(self, ctx: str) -> Any:
        return SimpleNamespace(status=TenantStatus.ACTIVE)


@dataclass
class World:
    sign_in: SignIn
    ring: list[SessionKeyRing]
    clock: Clock
    superid: FakeSuperId
    id_tokens: FakeIdTokens

    def start(self, purpose: LoginPurpose = LoginPurpose.SIGNIN) -> tuple[SignInStart, str]:
        start = self.sign_in.start(purpose, "Cust10001")
        (state,) = parse_qs(urlsplit(start.location).query)["state"]
        return start, state


@pytest.fixture
def world() -> World:
    ring = [SessionKeyRing.generate("k1")]
    clock = Clock()
    superid = FakeSuperId()
    id_tokens = FakeIdTokens()
    config = AppConfig(
        known_environment("local", local_base_url="http://127.0.0.1:9"), "client-1", APP
    )
    sign_in = SignIn(
        config,
        lambda: ring[0].derived_keys(KEY_INFO),
        FakeTenants(),  # type: ignore[arg-type]
        id_tokens,  # type: ignore[arg-type]
        superid.exchange,
        lambda: pytest.fail("nothing is installed in these tests"),
        clock,
    )
    return World(sign_in, ring, clock, superid, id_tokens)


def page(error: OnboardingError) -> Problem:
    """The page the function shows for ``error`` (web/errors.py's table)."""
    return problem_for(error)


def expired(error: OnboardingError) -> bool:
    problem = page(error)
    return problem.status == 400 and "expired or was already used" in problem.title


def test_start_seals_what_it_sent_to_superid(world: World) -> None:
    start, state = world.start()
    query = parse_qs(urlsplit(start.location).query)
    pending = open_login(start.login_cookie, world.ring[0].derived_keys(KEY_INFO), world.clock())
    assert pending is not None
    assert pending.state == state
    assert query["nonce"] == [pending.nonce]
    assert pending.purpose is LoginPurpose.SIGNIN
    assert pending.ctx_hint == "Cust10001"
    assert 590 <= pending.expires_at - world.clock() <= 600
    digest = hashlib.sha256(pending.code_verifier.reveal().encode()).digest()
    assert query["code_challenge"] == [base64.urlsafe_b64encode(digest).rstrip(b"=").decode()]
    assert state not in start.login_cookie
    assert start.login_cookie not in repr(start)


def test_a_bad_tenant_hint_is_a_400(world: World) -> None:
    with pytest.raises(OnboardingError) as raised:
        world.sign_in.start(LoginPurpose.INSTALL, "Cust1/../x")
    assert page(raised.value).status == 400


def test_the_callback_uses_the_sealed_verifier_and_nonce(world: World) -> None:
    start, state = world.start()
    pending = open_login(start.login_cookie, world.ring[0].derived_keys(KEY_INFO), world.clock())
    assert pending is not None
    done = world.sign_in.complete({"state": state, "code": "code-1"}, start.login_cookie)
    assert done.location == "/tenants/Cust10001"
    assert done.purpose is LoginPurpose.SIGNIN
    assert world.superid.verifiers == [pending.code_verifier.reveal()]
    assert world.id_tokens.nonces == [pending.nonce]


def test_a_replayed_answer_is_expired_even_with_the_cookie_kept(world: World) -> None:
    start, state = world.start()
    answer = {"state": state, "code": "code-1"}
    world.sign_in.complete(answer, start.login_cookie)
    with pytest.raises(OnboardingError) as raised:
        world.sign_in.complete(answer, start.login_cookie)
    assert expired(raised.value)


def test_the_answer_without_a_cookie_is_refused_before_superid_is_asked(world: World) -> None:
    _, state = world.start()
    with pytest.raises(OnboardingError) as raised:
        world.sign_in.complete({"state": state, "code": "code-1"}, None)
    assert expired(raised.value)
    assert world.superid.verifiers == []


def test_another_browsers_cookie_is_refused(world: World) -> None:
    _, state = world.start()
    theirs, _ = world.start()
    with pytest.raises(OnboardingError) as raised:
        world.sign_in.complete({"state": state, "code": "code-1"}, theirs.login_cookie)
    assert expired(raised.value)
    assert world.superid.verifiers == []


def test_an_expired_sign_in_is_refused(world: World) -> None:
    start, state = world.start()
    world.clock.now += 601
    with pytest.raises(OnboardingError) as raised:
        world.sign_in.complete({"state": state, "code": "code-1"}, start.login_cookie)
    assert expired(raised.value)


def test_a_tampered_cookie_is_refused(world: World) -> None:
    start, state = world.start()
    cookie = start.login_cookie
    tampered = cookie[:-2] + ("A" if cookie[-2] != "A" else "B") + cookie[-1]
    with pytest.raises(OnboardingError) as raised:
        world.sign_in.complete({"state": state, "code": "code-1"}, tampered)
    assert expired(raised.value)


def test_a_rotation_keeps_the_sign_in_and_a_retirement_ends_it(world: World) -> None:
    start, state = world.start()
    world.ring[0] = world.ring[0].rotated("k2")
    assert world.sign_in.complete({"state": state, "code": "code-1"}, start.login_cookie)
    start, state = world.start()  # sealed with k2 now
    world.superid.issued.add("code-2")
    world.ring[0] = world.ring[0].rotated("k3").retire("k2")
    with pytest.raises(OnboardingError) as raised:
        world.sign_in.complete({"state": state, "code": "code-2"}, start.login_cookie)
    assert expired(raised.value)


@pytest.mark.parametrize(
    "cookie", ["", "garbage", "v1.", "v1." + "A" * 400, "v1.ÅÅÅ", "\x00", "v1." + "_" * 2000]
)
def test_garbage_cookies_get_the_clear_400(world: World, cookie: str) -> None:
    _, state = world.start()
    with pytest.raises(OnboardingError) as raised:
        world.sign_in.complete({"state": state, "code": "code-1"}, cookie)
    assert expired(raised.value)


def test_consent_denied_needs_the_right_browser_too(world: World) -> None:
    start, state = world.start()
    with pytest.raises(OnboardingError) as raised:
        world.sign_in.complete({"state": state, "error": "access_denied"}, start.login_cookie)
    assert page(raised.value).status == 403
    with pytest.raises(OnboardingError) as raised:
        world.sign_in.complete({"state": state, "error": "access_denied"}, None)
    assert expired(raised.value)


def test_other_token_endpoint_refusals_stay_a_failed_sign_in(world: World) -> None:
    start, state = world.start()

    def refuse(code: str, verifier: str) -> TokenResponse:
        raise OidcError("invalid_client", "bad secret")

    world.sign_in._exchange_code = refuse  # type: ignore[method-assign]
    with pytest.raises(OnboardingError) as raised:
        world.sign_in.complete({"state": state, "code": "code-1"}, start.login_cookie)
    assert page(raised.value).status == 502
    assert "invalid_client" in page(raised.value).what_happened


@pytest.mark.parametrize("error", ["server_error", "invalid_request", "Æ\U000a6242"])
def test_an_error_in_the_answer_is_the_browsers_input_so_a_4xx(world: World, error: str) -> None:
    # Issue 11 (found by the fuzz suite): anyone can send any `error` back; it was a 502.
    start, state = world.start()
    with pytest.raises(OnboardingError) as raised:
        world.sign_in.complete({"state": state, "error": error}, start.login_cookie)
    assert page(raised.value).status == 400
    assert error not in page(raised.value).what_happened
