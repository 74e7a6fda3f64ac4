"""PKCE and SuperID's grants: codes single-use and short-lived, tokens revocable."""

from __future__ import annotations

import threading

import pytest

from local.simulator.grants import (
    ACCESS_TOKEN_LIFETIME_SECONDS,
    CODE_LIFETIME_SECONDS,
    GrantError,
    Grants,
    UserGrant,
)
from local.simulator.pkce import is_valid_challenge, s256_challenge, verifier_matches

# RFC 7636, appendix B.
RFC_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
RFC_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
GRANT = UserGrant(ctx="Cust10001", associate_id=1, client_id="client")
REDIRECT = "http://127.0.0.1:3000/callback"


class FakeClock:
    def __init__(self, now: float = 1_770_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_s256_matches_the_rfc_example() -> None:
    assert s256_challenge(RFC_VERIFIER) == RFC_CHALLENGE
    assert is_valid_challenge(RFC_CHALLENGE)
    assert verifier_matches(RFC_VERIFIER, RFC_CHALLENGE)


@pytest.mark.parametrize(
    "verifier",
    [RFC_VERIFIER[:-1], "x" * 42, RFC_VERIFIER + "!", "", RFC_CHALLENGE],
)
def test_other_verifiers_do_not_match(verifier: str) -> None:
    assert not verifier_matches(verifier, RFC_CHALLENGE)


@pytest.mark.parametrize("challenge", ["", "short", RFC_CHALLENGE + "=", RFC_CHALLENGE[:-1] + "+"])
def test_malformed_challenges_are_refused(challenge: str) -> None:
    assert not is_valid_challenge(challenge)


def grants(clock: FakeClock | None = None) -> tuple[Grants, FakeClock]:
    clock = clock or FakeClock()
    return Grants(threading.RLock(), clock), clock


def issue(store: Grants) -> str:
    return store.issue_code(GRANT, redirect_uri=REDIRECT, code_challenge=RFC_CHALLENGE, nonce="n")


def redeem(store: Grants, code: str, **overrides: str) -> None:
    arguments = {"client_id": "client", "redirect_uri": REDIRECT, "code_verifier": RFC_VERIFIER}
    arguments.update(overrides)
    store.redeem_code(code, **arguments)


def test_a_code_redeems_once() -> None:
    store, _ = grants()
    code = issue(store)
    issued = store.redeem_code(
        code, client_id="client", redirect_uri=REDIRECT, code_verifier=RFC_VERIFIER
    )
    assert issued.grant == GRANT
    assert issued.nonce == "n"
    with pytest.raises(GrantError, match="already used") as error:
        redeem(store, code)
    assert error.value.error == "invalid_grant"


def test_a_code_expires_after_ten_minutes() -> None:
    store, clock = grants()
    fresh, stale = issue(store), issue(store)
    clock.now += CODE_LIFETIME_SECONDS
    redeem(store, fresh)
    clock.now += 1
    with pytest.raises(GrantError, match="expired"):
        redeem(store, stale)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"client_id": "other"}, "another client"),
        ({"redirect_uri": REDIRECT + "/"}, "redirect_uri differs"),
        ({"code_verifier": "x" * 43}, "code_verifier does not match"),
    ],
)
def test_a_failed_redemption_spends_the_code(override: dict[str, str], message: str) -> None:
    store, _ = grants()
    code = issue(store)
    with pytest.raises(GrantError, match=message):
        redeem(store, code, **override)
    with pytest.raises(GrantError, match="already used"):
        redeem(store, code)


def test_access_tokens_expire_and_name_the_tenant() -> None:
    store, clock = grants()
    token = store.issue_access_token(GRANT)
    assert token.startswith("8A:Cust10001.")
    assert store.access(token) == GRANT
    clock.now += ACCESS_TOKEN_LIFETIME_SECONDS
    assert store.access(token) is None
    assert store.access("8A:Cust10001.unknown") is None


def test_refresh_tokens_belong_to_their_client_and_die_on_revoke() -> None:
    store, _ = grants()
    refresh = store.issue_refresh_token(GRANT)
    access = store.issue_access_token(GRANT)
    other = UserGrant(ctx="Cust10002", associate_id=1, client_id="client")
    other_refresh = store.issue_refresh_token(other)
    assert store.refresh(refresh, client_id="client") == GRANT
    with pytest.raises(GrantError, match="another client"):
        store.refresh(refresh, client_id="intruder")
    store.revoke("Cust10001", "client")
    with pytest.raises(GrantError, match="unknown or revoked"):
        store.refresh(refresh, client_id="client")
    assert store.access(access) is None
    assert store.refresh(other_refresh, client_id="client") == other
