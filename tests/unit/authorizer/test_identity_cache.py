"""The authorizer's cache of verified identities: reuse, expiry, bounds, and no shortcuts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from superoffice_app.authorizer import (
    Identity,
    IdentityCache,
    TokenAuthorizer,
    parse_authorizer_event,
)
from superoffice_app.cookies import SESSION_COOKIE_NAME
from superoffice_app.tokens import IdTokenValidator, SessionTokenValidator
from tests.unit.authorizer.conftest import authorizer_event

ALICE = Identity(kind="session", ctx="Cust1", associate_id=1, administrator=True)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


class CountingValidator:
    """Wraps a validator and counts how often it really verifies a token."""

    def __init__(self, inner: IdTokenValidator | SessionTokenValidator) -> None:
        self.inner = inner
        self.calls = 0

    def validate(self, token: str) -> Any:
        self.calls += 1
        return self.inner.validate(token)


@pytest.fixture
def counted(
    authorizer: TokenAuthorizer,
) -> tuple[TokenAuthorizer, CountingValidator, CountingValidator]:
    ids = CountingValidator(authorizer._id_tokens)
    sessions = CountingValidator(authorizer._sessions)
    return TokenAuthorizer(ids, sessions), ids, sessions  # type: ignore[arg-type]


def allowed(authorizer: TokenAuthorizer, event: dict[str, Any]) -> bool:
    return authorizer.decide(parse_authorizer_event(event)).allowed


def test_a_token_is_verified_once_then_reused(
    counted: tuple[TokenAuthorizer, CountingValidator, CountingValidator],
    id_token: Callable[..., str],
) -> None:
    authorizer, ids, _ = counted
    token = id_token(admin=True)
    assert allowed(authorizer, authorizer_event(bearer=token))
    assert allowed(authorizer, authorizer_event("POST /tenants/{ctx}/uninstall", bearer=token))
    assert ids.calls == 1


def test_cached_identity_still_meets_the_route_rules(
    counted: tuple[TokenAuthorizer, CountingValidator, CountingValidator],
    session_token: Callable[..., str],
) -> None:
    authorizer, _, sessions = counted
    cookie = f"{SESSION_COOKIE_NAME}={session_token('Cust12345', admin=False)}"
    assert allowed(authorizer, authorizer_event(cookies=[cookie]))
    assert not allowed(authorizer, authorizer_event(ctx="Cust99999", cookies=[cookie]))
    assert not allowed(
        authorizer, authorizer_event("POST /tenants/{ctx}/uninstall", cookies=[cookie])
    )
    assert sessions.calls == 1


def test_failed_tokens_are_not_cached(
    counted: tuple[TokenAuthorizer, CountingValidator, CountingValidator],
) -> None:
    authorizer, ids, _ = counted
    for _ in range(3):
        assert not allowed(authorizer, authorizer_event(bearer="a.b.c"))
    assert ids.calls == 3
    assert len(authorizer._cache) == 0


def test_an_id_token_seen_as_bearer_is_still_refused_in_the_cookie(
    counted: tuple[TokenAuthorizer, CountingValidator, CountingValidator],
    id_token: Callable[..., str],
) -> None:
    authorizer, _, _ = counted
    token = id_token()
    assert allowed(authorizer, authorizer_event(bearer=token))
    assert not allowed(authorizer, authorizer_event(cookies=[f"{SESSION_COOKIE_NAME}={token}"]))


def test_entries_expire_with_their_token() -> None:
    clock = Clock()
    cache = IdentityCache(clock=clock)
    cache.put("t", ALICE, expires_at=1_010.0)
    assert cache.get("t") == ALICE
    clock.now = 1_010.0
    assert cache.get("t") is None
    assert len(cache) == 0


def test_the_cache_is_bounded_least_recently_used_first() -> None:
    cache = IdentityCache(max_entries=2, clock=Clock())
    cache.put("a", ALICE, expires_at=9e9)
    cache.put("b", ALICE, expires_at=9e9)
    assert cache.get("a") == ALICE  # a is now the most recently used
    cache.put("c", ALICE, expires_at=9e9)
    assert cache.get("b") is None
    assert cache.get("a") == ALICE
    assert cache.get("c") == ALICE
    assert len(cache) == 2
