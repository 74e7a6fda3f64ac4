"""Payload 2.0 events built from requests: headers, cookies, query, body encoding."""

from __future__ import annotations

import base64

import pytest

from local.naming import LocalNames
from local.runner.api_events import authorizer_event, integration_event, is_text_content_type
from local.runner.http_exchange import HttpRequest
from local.runner.routes import ApiRoute, RouteMatch

NAMES = LocalNames()
ROUTE = RouteMatch(ApiRoute("POST", "/tenants/{ctx}", "F", None), {"ctx": "Cust10001"})


def event_for(request: HttpRequest) -> dict:  # type: ignore[type-arg]
    return integration_event(
        request, ROUTE, names=NAMES, api_id="abc123", host="127.0.0.1", port=3000, now=1_700_000_000
    )


def test_headers_lower_cased_joined_and_cookies_split_out() -> None:
    event = event_for(
        HttpRequest(
            "POST",
            "/tenants/Cust10001?a=1&a=2&b=",
            [
                ("Accept", "text/html"),
                ("X-Thing", "one"),
                ("x-thing", "two"),
                ("Cookie", "a=1; __Host-so_session=tok"),
                ("User-Agent", "browser"),
            ],
        )
    )
    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /tenants/{ctx}"
    assert event["rawPath"] == "/tenants/Cust10001"
    assert event["rawQueryString"] == "a=1&a=2&b="
    assert event["cookies"] == ["a=1", "__Host-so_session=tok"]
    assert "cookie" not in event["headers"]
    assert event["headers"]["x-thing"] == "one,two"
    assert event["headers"]["accept"] == "text/html"
    assert event["headers"]["x-forwarded-proto"] == "http"
    assert event["queryStringParameters"] == {"a": "1,2", "b": ""}
    assert event["pathParameters"] == {"ctx": "Cust10001"}
    assert event["isBase64Encoded"] is False
    assert "body" not in event
    context = event["requestContext"]
    assert context["http"] == {
        "method": "POST",
        "path": "/tenants/Cust10001",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "browser",
    }
    assert context["stage"] == "$default"
    assert context["routeKey"] == "POST /tenants/{ctx}"
    assert context["timeEpoch"] == 1_700_000_000_000
    assert context["apiId"] == "abc123"
    assert context["accountId"] == NAMES.account_id
    assert context["domainName"] == "127.0.0.1"
    assert context["requestId"]
    assert context["time"] == "14/Nov/2023:22:13:20 +0000"


def test_empty_parts_are_left_out() -> None:
    event = event_for(HttpRequest("POST", "/tenants/Cust10001", []))
    assert "cookies" not in event
    assert "queryStringParameters" not in event


@pytest.mark.parametrize(
    ("content_type", "as_text"),
    [
        ("text/plain", True),
        ("text/html; charset=utf-8", True),
        ("application/json", True),
        ("application/problem+json", True),
        ("application/x-www-form-urlencoded", False),
        ("multipart/form-data; boundary=x", False),
        ("application/octet-stream", False),
        (None, False),
    ],
)
def test_body_is_text_only_for_text_types(content_type: str | None, as_text: bool) -> None:
    assert is_text_content_type(content_type) is as_text
    headers = [("Content-Type", content_type)] if content_type else []
    event = event_for(HttpRequest("POST", "/tenants/Cust10001", headers, b"a=1&b=%C3%A5"))
    assert event["isBase64Encoded"] is (not as_text)
    body = event["body"]
    decoded = body.encode() if as_text else base64.b64decode(body)
    assert decoded == b"a=1&b=%C3%A5"


def test_authorizer_event_is_the_request_without_body() -> None:
    request = HttpRequest(
        "POST", "/tenants/Cust10001", [("Content-Type", "text/plain"), ("Cookie", "a=1")], b"x"
    )
    event = event_for(request)
    auth = authorizer_event(event, identity_source=["a=1"], names=NAMES)
    assert auth["type"] == "REQUEST"
    assert auth["version"] == "2.0"
    assert auth["identitySource"] == ["a=1"]
    assert auth["routeArn"] == (
        "arn:aws:execute-api:eu-west-1:123456789012:abc123/$default/POST/tenants/Cust10001"
    )
    assert auth["cookies"] == ["a=1"]
    assert auth["pathParameters"] == {"ctx": "Cust10001"}
    assert "body" not in auth
    assert "isBase64Encoded" not in auth
