"""Events of API Gateway's HTTP API, payload format 2.0, built from real requests.

What API Gateway does and this copies: header names lower-cased, repeated headers joined
by commas, the Cookie header removed from `headers` and split into `cookies`, repeated
query parameters joined by commas, `queryStringParameters` / `pathParameters` / `cookies`
/ `body` left out when empty, and the body passed as text only for text content types
(`text/*`, JSON), otherwise base64 with `isBase64Encoded: true` (form posts included).
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import parse_qsl

from local.http_api_events import request_context
from local.naming import LocalNames
from local.runner.http_exchange import HttpRequest
from local.runner.routes import RouteMatch

_TEXT_TYPES: Final = ("application/json",)


def is_text_content_type(content_type: str | None) -> bool:
    """Whether API Gateway hands this body to the function as text rather than base64."""
    if not content_type:
        return False
    media_type = content_type.split(";", 1)[0].strip().lower()
    return (
        media_type.startswith("text/") or media_type in _TEXT_TYPES or media_type.endswith("+json")
    )


def event_headers(request: HttpRequest, *, host: str, port: int) -> dict[str, str]:
    """The `headers` of the event: lower-cased, joined, no Cookie, API Gateway's additions."""
    headers: dict[str, str] = {}
    for name, value in request.headers:
        key = name.lower()
        if key == "cookie":
            continue
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    headers.setdefault("host", f"{host}:{port}")
    headers.setdefault("content-length", str(len(request.body)))
    headers["x-forwarded-for"] = request.source_ip
    headers["x-forwarded-port"] = str(port)
    headers["x-forwarded-proto"] = "http"
    moment = int(time.time())
    headers.setdefault("x-amzn-trace-id", f"Root=1-{moment:08x}-{secrets.token_hex(12)}")
    return headers


def cookies_of(request: HttpRequest) -> list[str]:
    """The Cookie header(s) split into `name=value` items, as the `cookies` array."""
    cookies: list[str] = []
    for name, value in request.headers:
        if name.lower() == "cookie":
            cookies.extend(item.strip() for item in value.split(";") if item.strip())
    return cookies


def query_parameters(raw_query: str) -> dict[str, str]:
    parameters: dict[str, str] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        parameters[name] = f"{parameters[name]},{value}" if name in parameters else value
    return parameters


def integration_event(
    request: HttpRequest,
    match: RouteMatch,
    *,
    names: LocalNames,
    api_id: str,
    host: str,
    port: int,
    authorizer_context: Mapping[str, Any] | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """The event the route's function receives."""
    headers = event_headers(request, host=host, port=port)
    route_key = match.route.route_key
    context = request_context(
        route_key=route_key,
        method=request.method,
        path=request.raw_path,
        names=names,
        api_id=api_id,
        domain_name=host,
        source_ip=request.source_ip,
        user_agent=headers.get("user-agent", ""),
        now=now,
    )
    if authorizer_context is not None:
        context["authorizer"] = {"lambda": dict(authorizer_context)}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": request.raw_path,
        "rawQueryString": request.raw_query,
    }
    cookies = cookies_of(request)
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    if request.raw_query:
        event["queryStringParameters"] = query_parameters(request.raw_query)
    event["requestContext"] = context
    if match.path_parameters:
        event["pathParameters"] = dict(match.path_parameters)
    if request.body:
        if is_text_content_type(headers.get("content-type")):
            event["body"] = request.body.decode("utf-8", "replace")
            event["isBase64Encoded"] = False
        else:
            event["body"] = base64.b64encode(request.body).decode("ascii")
            event["isBase64Encoded"] = True
    else:
        event["isBase64Encoded"] = False
    return event


def authorizer_event(
    integration: Mapping[str, Any], *, identity_source: list[str], names: LocalNames
) -> dict[str, Any]:
    """The REQUEST authorizer event (2.0): the request's event without its body."""
    context = integration["requestContext"]
    method, path = context["http"]["method"], context["http"]["path"]
    event: dict[str, Any] = {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": names.arn("execute-api", f"{context['apiId']}/$default/{method}{path}"),
        "identitySource": identity_source,
    }
    event.update(
        {
            key: value
            for key, value in integration.items()
            if key not in ("version", "body", "isBase64Encoded")
        }
    )
    event["requestContext"] = {k: v for k, v in context.items() if k != "authorizer"}
    return event
