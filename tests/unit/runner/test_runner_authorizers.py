"""Lambda authorizers: identity sources, 401/403, context passed on, caching."""

from __future__ import annotations

from typing import Any

import pytest

from local.runner.authorizers import (
    AuthorizerCache,
    AuthorizerSpec,
    authorize,
    authorizers_from_template,
    decision_from_result,
    identity_values,
)
from local.tables import load_local_template

COOKIE = AuthorizerSpec(
    "Session", "Auth", ("$request.header.Cookie", "$context.routeKey", "$context.path"), 300
)
BEARER = AuthorizerSpec("Bearer", "Auth", ("$request.header.Authorization",), 0)


def event(
    *, cookies: list[str] | None = None, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "headers": headers or {},
        "routeKey": "GET /tenants/{ctx}",
        "requestContext": {"routeKey": "GET /tenants/{ctx}", "http": {"path": "/tenants/C1"}},
    }
    if cookies:
        result["cookies"] = cookies
    return result


class FakeAuthorizer:
    def __init__(self, answer: Any, ok: bool = True) -> None:
        self.answer = answer
        self.ok = ok
        self.calls: list[dict[str, Any]] = []

    def __call__(self, function_id: str, auth_event: dict[str, Any]) -> tuple[bool, Any]:
        self.calls.append(auth_event)
        return self.ok, self.answer


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def run(
    spec: AuthorizerSpec, request: dict[str, Any], fake: FakeAuthorizer, cache: AuthorizerCache
):  # type: ignore[no-untyped-def]
    return authorize(
        spec,
        request,
        cache=cache,
        invoke=fake,
        build_event=lambda values: {"identitySource": values},
    )


def test_identity_values_in_order() -> None:
    values = identity_values(COOKIE, event(cookies=["a=1", "b=2"]))
    assert values == ["a=1; b=2", "GET /tenants/{ctx}", "/tenants/C1"]
    assert identity_values(BEARER, event(headers={"authorization": "Bearer x"})) == ["Bearer x"]


@pytest.mark.parametrize(
    ("spec", "request_event"),
    [
        (COOKIE, event()),
        (BEARER, event(cookies=["a=1"])),
        (BEARER, event(headers={"authorization": ""})),
    ],
)
def test_missing_identity_is_401_without_calling_the_authorizer(
    spec: AuthorizerSpec, request_event: dict[str, Any]
) -> None:
    fake = FakeAuthorizer({"isAuthorized": True})
    decision = run(spec, request_event, fake, AuthorizerCache())
    assert decision.status == 401
    assert fake.calls == []


def test_deny_is_403_and_allow_passes_the_context() -> None:
    denied = run(
        BEARER,
        event(headers={"authorization": "x"}),
        FakeAuthorizer({"isAuthorized": False}),
        AuthorizerCache(),
    )
    assert denied.status == 403
    fake = FakeAuthorizer({"isAuthorized": True, "context": {"ctx": "C1", "administrator": True}})
    allowed = run(BEARER, event(headers={"authorization": "x"}), fake, AuthorizerCache())
    assert allowed.allowed
    assert allowed.context == {"ctx": "C1", "administrator": True}
    assert fake.calls == [{"identitySource": ["x"]}]


@pytest.mark.parametrize(
    ("ok", "answer"),
    [
        (False, {"errorType": "Sandbox.Timedout"}),
        (True, "yes"),
        (True, {"isAuthorized": "true"}),
        (True, {"isAuthorized": True, "context": []}),
    ],
)
def test_failing_or_malformed_authorizer_is_500(ok: bool, answer: Any) -> None:
    assert decision_from_result(ok, answer).status == 500


def test_decisions_are_cached_by_identity_values_for_the_ttl() -> None:
    clock = Clock()
    cache = AuthorizerCache(clock)
    fake = FakeAuthorizer({"isAuthorized": True, "context": {"n": 1}})
    one = event(cookies=["s=one"])
    two = event(cookies=["s=two"])
    run(COOKIE, one, fake, cache)
    run(COOKIE, one, fake, cache)
    assert len(fake.calls) == 1  # cached
    run(COOKIE, two, fake, cache)
    assert len(fake.calls) == 2  # other identity, other entry
    fake.answer = {"isAuthorized": False}
    clock.now += 299
    assert run(COOKIE, one, fake, cache).allowed
    clock.now += 2
    assert run(COOKIE, one, fake, cache).status == 403  # expired: asked again
    assert run(COOKIE, one, fake, cache).status == 403  # denials are cached too
    assert len(fake.calls) == 3


def test_ttl_zero_and_failures_are_not_cached() -> None:
    fake = FakeAuthorizer({"isAuthorized": True})
    cache = AuthorizerCache()
    for _ in range(2):
        run(BEARER, event(headers={"authorization": "x"}), fake, cache)
    assert len(fake.calls) == 2
    failing = FakeAuthorizer(None, ok=False)
    cached_spec = AuthorizerSpec("Cached", "Auth", ("$request.header.Authorization",), 300)
    for _ in range(2):
        assert run(cached_spec, event(headers={"authorization": "x"}), failing, cache).status == 500
    assert len(failing.calls) == 2


def test_authorizers_of_template_yaml() -> None:
    template = load_local_template()
    found, default = authorizers_from_template(template, template.functions())
    assert default is None
    assert found["SessionCookieAuthorizer"] == AuthorizerSpec(
        "SessionCookieAuthorizer",
        "TokenValidationFunction",
        ("$request.header.Cookie", "$context.routeKey", "$context.path"),
        0,  # AuthorizerCacheSeconds is 0 locally
    )
    assert found["BearerTokenAuthorizer"].identity_sources[0] == "$request.header.Authorization"
