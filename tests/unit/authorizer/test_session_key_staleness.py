"""The authorizer's session keys while the app's JWKS route cannot be read.

Issue 11: with Secrets Manager slow, the JWKS route failed and a valid session was
refused with 403. Now a warm authorizer keeps verifying with the keys it last read, for
at most SESSION_KEYS_MAX_STALE_SECONDS after that read, and reads them again every
SESSION_KEYS_REFRESH_SECONDS; a cold one without keys denies (fails closed).

The handler module is the deployed one, with its session keys wired by
`wiring.authorizer.session_key_source` (the same settings `build_authorizer` uses) over a
fake download and clock: locally every invocation is a fresh process, so staleness can
only be seen in-process.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from local.tables import load_local_template
from superoffice_app.authorizer import TokenAuthorizer
from superoffice_app.config import load_config
from superoffice_app.cookies import SESSION_COOKIE_NAME
from superoffice_app.tokens import (
    IdTokenValidator,
    KeySet,
    KeySetError,
    SessionKeyRing,
    SessionTokenValidator,
    StaticKeys,
)
from superoffice_app.tokens.fetch import FETCH_TIMEOUT_SECONDS
from superoffice_app.wiring.authorizer import (
    SESSION_KEYS_MAX_STALE_SECONDS,
    SESSION_KEYS_REFRESH_SECONDS,
    session_key_source,
)
from tests.conftest import LambdaContext, load_function_module
from tests.unit.authorizer.conftest import APP, CLIENT_ID, ISSUER, authorizer_event
from tests.unit.authorizer.test_handler import SOD_SETTINGS


class Clock:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


class JwksRoute:
    """The app's `/.well-known/jwks.json` as the authorizer downloads it: up or failing."""

    def __init__(self, ring: SessionKeyRing) -> None:
        self.document: dict[str, object] = ring.public_jwks()
        self.failing = False
        self.calls = 0

    def __call__(self, url: str) -> dict[str, object]:
        self.calls += 1
        assert url == f"{APP}/.well-known/jwks.json"
        if self.failing:  # what fetch_jwks raises for the route's 503 or a timeout
            raise KeySetError("JWKS endpoint did not answer 200")
        return self.document


@pytest.fixture
def jwks_route(session_ring: SessionKeyRing) -> JwksRoute:
    return JwksRoute(session_ring)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def handler_module(
    monkeypatch: pytest.MonkeyPatch,
    superoffice_jwks: dict[str, Any],
    jwks_route: JwksRoute,
    clock: Clock,
) -> ModuleType:
    for key, value in SOD_SETTINGS.items():
        monkeypatch.setenv(key, value)
    module = load_function_module("token_validation")
    config = load_config()
    assert config.session_issuer == APP
    monkeypatch.setattr(
        module,
        "AUTHORIZER",
        TokenAuthorizer(
            id_tokens=IdTokenValidator(
                ISSUER, CLIENT_ID, StaticKeys(KeySet.from_jwks(superoffice_jwks))
            ),
            sessions=SessionTokenValidator(
                config.session_issuer, session_key_source(config, fetch=jwks_route, clock=clock)
            ),
        ),
    )
    return module


def allowed(module: ModuleType, token: str) -> bool:
    event = authorizer_event(cookies=[f"{SESSION_COOKIE_NAME}={token}"])
    result: dict[str, Any] = module.lambda_handler(event, LambdaContext())
    return bool(result["isAuthorized"])


def test_a_warm_authorizer_keeps_allowing_sessions_while_the_jwks_route_fails(
    handler_module: ModuleType,
    session_token: Callable[..., str],
    jwks_route: JwksRoute,
    clock: Clock,
) -> None:
    assert allowed(handler_module, session_token())
    assert jwks_route.calls == 1
    jwks_route.failing = True  # Secrets Manager slow: the route answers 503
    clock.now += SESSION_KEYS_REFRESH_SECONDS
    # Each token verified afresh (the identity cache holds verified tokens only).
    assert allowed(handler_module, session_token(associate_id=6))
    assert jwks_route.calls == 2  # it tried, failed, and kept the keys it had
    clock.now += SESSION_KEYS_MAX_STALE_SECONDS - SESSION_KEYS_REFRESH_SECONDS
    assert allowed(handler_module, session_token(associate_id=7))


def test_keys_older_than_the_maximum_staleness_are_not_trusted(
    handler_module: ModuleType,
    session_token: Callable[..., str],
    jwks_route: JwksRoute,
    clock: Clock,
) -> None:
    assert allowed(handler_module, session_token())
    jwks_route.failing = True
    clock.now += SESSION_KEYS_MAX_STALE_SECONDS + 1
    assert not allowed(handler_module, session_token(associate_id=6))
    jwks_route.failing = False  # the route answers again: so does the authorizer
    clock.now += 30
    assert allowed(handler_module, session_token(associate_id=7))


def test_a_key_withdrawn_from_the_ring_stops_verifying_after_the_refresh_interval(
    handler_module: ModuleType,
    session_token: Callable[..., str],
    jwks_route: JwksRoute,
    clock: Clock,
) -> None:
    assert allowed(handler_module, session_token())
    jwks_route.document = SessionKeyRing.generate().public_jwks()  # rotated, old key gone
    clock.now += SESSION_KEYS_REFRESH_SECONDS
    assert not allowed(handler_module, session_token(associate_id=6))


def test_a_cold_authorizer_without_keys_denies(
    handler_module: ModuleType, session_token: Callable[..., str], jwks_route: JwksRoute
) -> None:
    jwks_route.failing = True
    assert not allowed(handler_module, session_token())
    assert jwks_route.calls == 1


def test_the_download_leaves_room_inside_the_authorizers_timeout() -> None:
    function = load_local_template().function("TokenValidationFunction")
    assert function.timeout >= FETCH_TIMEOUT_SECONDS + 3
