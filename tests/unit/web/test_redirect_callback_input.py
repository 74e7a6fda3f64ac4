"""RedirectCallbackFunction's handler with hostile input and unreachable AWS services.

No service runs here: every AWS endpoint is a closed port of 127.0.0.1, so whatever
reaches DynamoDB, KMS or Secrets Manager finds them unreachable. Each finding of issue 11
on this function is reproduced: bodies that are not UTF-8 and non-ASCII CSRF tokens were
500s, a path whose tenant is not a context identifier reached the routes, and an outage
was a 500. Whatever the input, the answer is a 4xx, or a 503 with Retry-After saying the
outage is temporary; never a 500, never a traceback.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from superoffice_app.store import (
    ConflictError,
    TenantNotFoundError,
    TransitionError,
)
from superoffice_app.web import problems
from tests.conftest import LambdaContext, load_function_module

ADMIN = {"ctx": "Cust10001", "associate_id": 5, "administrator": True, "token_kind": "session"}
SESSION_COOKIE = "__Host-so_session=header.payload.signature"
# Every `{ctx}` route of the function (template.yaml), as (method, route path).
TENANT_ROUTES = [
    ("GET", "/tenants/{ctx}"),
    ("GET", "/tenants/{ctx}/uninstall"),
    ("POST", "/tenants/{ctx}/uninstall"),
    ("POST", "/tenants/{ctx}/sync"),
    ("GET", "/api/tenants/{ctx}"),
]
OTHER_ROUTES = [
    ("GET", "/install"),
    ("GET", "/signin"),
    ("GET", "/uninstall"),
    ("GET", "/callback"),
    ("POST", "/callback"),
    ("GET", "/.well-known/jwks.json"),
    ("GET", "/panels/contact"),
]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def offline_handler(service: str, log_level: str) -> Iterator[ModuleType]:
    """The function imported with every AWS endpoint and SuperOffice at a closed port."""
    unreachable = f"http://127.0.0.1:{closed_port()}"
    settings = {
        "SUPEROFFICE_ENVIRONMENT": "local",
        "SUPEROFFICE_LOCAL_BASE_URL": unreachable,
        "SUPEROFFICE_CLIENT_ID": "local-dev-client",
        "APP_BASE_URL": "http://127.0.0.1:3000",
        "POWERTOOLS_SERVICE_NAME": service,
        "POWERTOOLS_LOG_LEVEL": log_level,
        "TENANTS_TABLE": "tenants",
        "APP_KEY_ID": "alias/app",
        "CLIENT_SECRET_NAME": "app/client-secret",
        "PRIVATE_KEY_SECRET_NAME": "app/private-key",
        "SESSION_KEY_SECRET_NAME": "app/session-keys",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ENDPOINT_URL": unreachable,  # DynamoDB, KMS, Secrets Manager, SQS: all down
    }
    with pytest.MonkeyPatch.context() as patch:
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "SYNC_QUEUE_URL", "RECORDS_TABLE"):
            patch.delenv(name, raising=False)
        for name in [n for n in os.environ if n.startswith("AWS_ENDPOINT_URL_")]:
            patch.delenv(name)
        for name, value in settings.items():
            patch.setenv(name, value)
        yield load_function_module("redirect_callback")


@pytest.fixture(scope="module")
def handler() -> Iterator[ModuleType]:
    with offline_handler("redirect-callback-input", "CRITICAL") as module:
        yield module


def event(
    method: str,
    path: str,
    route: str,
    *,
    body: bytes | None = None,
    query: str = "",
    cookies: list[str] | None = None,
    headers: dict[str, str] | None = None,
    authorizer: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An HTTP API (payload 2.0) event as API Gateway builds it; form bodies are base64."""
    route_key = f"{method} {route}"
    built: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": query,
        "headers": {"host": "127.0.0.1:3000", **(headers or {})},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "127.0.0.1",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "test",
            },
            "requestId": "req-1",
            "routeKey": route_key,
            "stage": "$default",
            "timeEpoch": 0,
        },
        "isBase64Encoded": False,
    }
    if cookies:
        built["cookies"] = cookies
    if query:
        built["queryStringParameters"] = dict(parse_qsl(query, keep_blank_values=True))
    if authorizer is not None:
        built["requestContext"]["authorizer"] = {"lambda": authorizer}
    if body is not None:
        built["body"] = base64.b64encode(body).decode("ascii")
        built["isBase64Encoded"] = True
    return built


def call(handler: ModuleType, built: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = handler.lambda_handler(built, LambdaContext())
    return result


def body_of(result: dict[str, Any]) -> str:
    return str(result.get("body") or "")


def assert_no_server_error(result: dict[str, Any]) -> None:
    """A 4xx, a success, or a 503 that says it is temporary; never a 500 or a traceback."""
    status = result["statusCode"]
    assert status < 500 or status == 503, (status, body_of(result)[:300])
    if status == 503:
        assert result["headers"]["Retry-After"].isdigit()
    assert "Traceback" not in body_of(result)


# -- bodies that are not UTF-8, CSRF tokens that are not ASCII --------------------------


@pytest.mark.parametrize(
    ("path", "route"),
    [
        ("/callback", "/callback"),
        ("/tenants/Cust10001/sync", "/tenants/{ctx}/sync"),
        ("/tenants/Cust10001/uninstall", "/tenants/{ctx}/uninstall"),
    ],
)
def test_a_form_that_is_not_utf8_is_400(handler: ModuleType, path: str, route: str) -> None:
    result = call(
        handler,
        event(
            "POST",
            path,
            route,
            body=b"csrf_token=\xff\xfe&action=pause&state=\x80",
            cookies=[SESSION_COOKIE],
            authorizer=ADMIN,
        ),
    )
    assert result["statusCode"] == 400
    assert "not UTF-8" in body_of(result)


def test_a_form_that_repeats_a_field_is_400(handler: ModuleType) -> None:
    result = call(
        handler,
        event(
            "POST",
            "/tenants/Cust10001/sync",
            "/tenants/{ctx}/sync",
            body=b"csrf_token=a&action=resume&action=pause",
            cookies=[SESSION_COOKIE],
            authorizer=ADMIN,
        ),
    )
    assert result["statusCode"] == 400
    assert "more than once" in body_of(result)


@pytest.mark.parametrize("route", ["/tenants/{ctx}/sync", "/tenants/{ctx}/uninstall"])
@pytest.mark.parametrize("token", ["é" * 64, "%C3%A9" * 32, "ＡＢＣ"])  # sent raw, encoded
def test_a_csrf_token_that_is_not_ascii_is_an_expired_form(
    handler: ModuleType, route: str, token: str
) -> None:
    form = f"csrf_token={token}&action=pause"
    result = call(
        handler,
        event(
            "POST",
            route.replace("{ctx}", "Cust10001"),
            route,
            body=form.encode("utf-8"),
            cookies=[SESSION_COOKIE],
            authorizer=ADMIN,
        ),
    )
    assert result["statusCode"] == 403
    assert "This form has expired" in body_of(result)


# -- the tenant in the path ---------------------------------------------------------------

HOSTILE_CTX = [
    "cust10001",
    "Cust",
    "Cust%00",
    "Cust10001%00",
    "..%2F..%2Fetc",
    "Cust10001%2F..",
    "%2E%2E",
    "Cust1234567890123",  # 13 digits
    "Cust１",  # a full-width digit: \d would take it
    "Cust10001%20",
    "%F0%9F%92%A9",
    "Cust-1",
]


@pytest.mark.parametrize(("method", "route"), TENANT_ROUTES)
@pytest.mark.parametrize("ctx", HOSTILE_CTX)
def test_a_path_whose_tenant_is_not_a_context_identifier_is_400(
    handler: ModuleType, method: str, route: str, ctx: str
) -> None:
    # The authorizer's context names the very same value: the function checks it itself.
    result = call(
        handler,
        event(
            method,
            route.replace("{ctx}", ctx),
            route,
            body=b"csrf_token=x&action=pause" if method == "POST" else None,
            cookies=[SESSION_COOKIE],
            authorizer={**ADMIN, "ctx": ctx},
        ),
    )
    assert result["statusCode"] == 400, body_of(result)[:300]
    text = body_of(result)
    assert "does not name a tenant" in text
    if ctx != "Cust":  # the page's own words say "Cust followed by digits"
        assert ctx not in text  # the page never repeats what the request carried
    if route.startswith("/api/"):
        assert json.loads(text)["error"] == "That address does not name a tenant"


# -- outages: unreachable DynamoDB, Secrets Manager ---------------------------------------


def assert_temporarily_unavailable(result: dict[str, Any], *, as_json: bool) -> None:
    assert result["statusCode"] == 503, body_of(result)[:300]
    assert result["headers"]["Retry-After"] == "30"
    text = body_of(result)
    if as_json:
        answer = json.loads(text)
        assert answer["error"] == "The app is briefly unavailable"
        assert "temporary" in answer["message"]
        assert answer["correlation_id"] == "req-1"
    else:
        assert result["headers"]["Content-Type"].startswith("text/html")
        assert "The app is briefly unavailable" in text
        assert "This is temporary" in text
        assert "req-1" in text


def test_the_management_page_says_temporarily_unavailable_when_dynamodb_is_down(
    handler: ModuleType,
) -> None:
    page = call(
        handler,
        event("GET", "/tenants/Cust10001", "/tenants/{ctx}", authorizer=ADMIN),
    )
    assert_temporarily_unavailable(page, as_json=False)
    as_json = call(
        handler,
        event(
            "GET",
            "/tenants/Cust10001",
            "/tenants/{ctx}",
            query="format=json",
            authorizer=ADMIN,
        ),
    )
    assert_temporarily_unavailable(as_json, as_json=True)


def test_the_json_api_answers_503_json_when_dynamodb_is_down(handler: ModuleType) -> None:
    # No Accept header: the API's errors are JSON all the same.
    result = call(
        handler,
        event("GET", "/api/tenants/Cust10001", "/api/tenants/{ctx}", authorizer=ADMIN),
    )
    assert_temporarily_unavailable(result, as_json=True)


def test_the_session_jwks_answers_503_json_when_secrets_manager_is_down(
    handler: ModuleType,
) -> None:
    result = call(handler, event("GET", "/.well-known/jwks.json", "/.well-known/jwks.json"))
    assert_temporarily_unavailable(result, as_json=True)
    assert result["headers"]["Cache-Control"] == "no-store"


def test_starting_a_sign_in_says_temporarily_unavailable_when_secrets_manager_is_down(
    handler: ModuleType,
) -> None:
    result = call(handler, event("GET", "/install", "/install", query="ctx=Cust10001"))
    assert_temporarily_unavailable(result, as_json=False)


def test_a_503_for_superoffice_carries_retry_after_too() -> None:
    assert problems.superoffice_unreachable().retry_after == 30
    assert problems.bad_request("x").retry_after is None


def test_an_unexpected_error_is_still_500_and_says_nothing_of_it(
    handler: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_args: object, **_kwargs: object) -> None:
        raise ValueError("secret-looking detail")

    monkeypatch.setattr(handler, "tenant_view", explode)
    result = call(
        handler,
        event("GET", "/tenants/Cust10001", "/tenants/{ctx}", authorizer=ADMIN),
    )
    assert result["statusCode"] == 500
    assert "Retry-After" not in result["headers"]
    assert "secret-looking detail" not in body_of(result)


# -- any input at all -----------------------------------------------------------------------

texts = st.text(max_size=40)
raw_bytes = st.binary(max_size=200)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    route=st.sampled_from(TENANT_ROUTES + OTHER_ROUTES),
    ctx=st.sampled_from(["Cust10001", *HOSTILE_CTX]) | texts.filter(lambda t: "/" not in t),
    body=st.none() | raw_bytes | st.builds(lambda t: t.encode(), texts),
    query=st.lists(st.tuples(texts, texts), max_size=4),
    cookies=st.lists(texts, max_size=3),
    accept=st.sampled_from(["text/html", "application/json", ""]) | texts,
)
def test_any_request_gets_a_4xx_or_a_temporary_503(
    handler: ModuleType,
    route: tuple[str, str],
    ctx: str,
    body: bytes | None,
    query: list[tuple[str, str]],
    cookies: list[str],
    accept: str,
) -> None:
    method, template = route
    path = template.replace("{ctx}", ctx)
    result = call(
        handler,
        event(
            method,
            path,
            template,
            body=body,
            query=urlencode(query),
            cookies=cookies,
            headers={"accept": accept},
            authorizer={**ADMIN, "ctx": ctx} if "{ctx}" in template else None,
        ),
    )
    assert_no_server_error(result)


# -- refusals of the tenant store that no route expected -----------------------------------


class RacingUninstaller:
    """An uninstall that loses a race: the tenant moved on between the read and the write."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def uninstall(self, ctx: str, *, actor: str) -> None:
        raise self.error


@pytest.mark.parametrize(
    ("error", "status", "title"),
    [
        (
            TransitionError(
                "Cust10001", status="uninstalled", to="uninstalling", allowed=("active",)
            ),
            409,
            "The tenant changed in the meantime",
        ),
        (
            ConflictError("Cust10001", expected_revision=3, actual_revision=4),
            409,
            "The tenant changed in the meantime",
        ),
        (TenantNotFoundError("Cust10001"), 404, "The app is not installed for this tenant"),
    ],
    ids=["transition", "conflict", "not-found"],
)
def test_a_race_with_the_store_is_a_4xx_not_a_500(
    handler: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    error: Exception,
    status: int,
    title: str,
) -> None:
    monkeypatch.setattr(handler.ONBOARDING, "uninstaller", RacingUninstaller(error))
    session = "header.payload.signature"
    csrf = hashlib.sha256(b"csrf:" + session.encode()).hexdigest()
    result = call(
        handler,
        event(
            "POST",
            "/tenants/Cust10001/uninstall",
            "/tenants/{ctx}/uninstall",
            body=f"csrf_token={csrf}".encode(),
            cookies=[f"__Host-so_session={session}"],
            authorizer=ADMIN,
        ),
    )
    assert result["statusCode"] == status, body_of(result)[:300]
    assert title in body_of(result)


# -- what no route takes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "/tenants/Cust10001"),  # a known path, another method: 404 as before (no 405)
        ("POST", "/install"),
        ("HEAD", "/install"),
        ("GET", "/install/"),
        ("GET", "/tenants/"),
    ],
)
def test_what_no_route_takes_is_the_not_found_page(
    handler: ModuleType, method: str, path: str
) -> None:
    result = call(handler, event(method, path, "$default", authorizer=ADMIN))
    assert result["statusCode"] == 404, body_of(result)[:300]
    assert "Page not found" in body_of(result)
    assert result["headers"]["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    "built",
    [
        {},
        {"rawPath": 7, "requestContext": {"http": {"method": "GET"}}},
        {"rawPath": "/install", "requestContext": "GET"},
        {"rawPath": "/install", "requestContext": {"http": {"method": ["GET"]}}},
        {"rawPath": "install", "requestContext": {"http": {"method": "GET"}}},
        # A route, but no authorizer context: refused as another tenant's (403).
        {"rawPath": "/tenants/Cust10001", "requestContext": {"http": {"method": "GET"}}},
        [],
        None,
        "GET /install",
    ],
    ids=repr,
)
def test_an_event_not_shaped_as_api_gateways_is_a_4xx(handler: ModuleType, built: Any) -> None:
    result = call(handler, built)
    assert 400 <= result["statusCode"] < 500, body_of(result)[:300]
    assert "Traceback" not in body_of(result)
