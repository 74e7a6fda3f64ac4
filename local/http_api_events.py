"""Events API Gateway's HTTP API (payload format 2.0) sends to Lambda functions.

`python -m local token --event` prints an authorizer event from here; the local runner
builds the events of real requests with the same functions, so both look like AWS's.
"""

from __future__ import annotations

import base64
import re
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qsl, quote, urlsplit

from local import defaults
from local.naming import LocalNames

_PATH_PARAMETER: Final = re.compile(r"\{([A-Za-z0-9_]+)\+?\}")
_METHODS: Final = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"})
DEFAULT_HTTP_API: Final = "HttpApi"
DEFAULT_SOURCE_IP: Final = "127.0.0.1"
DEFAULT_USER_AGENT: Final = "superoffice-app-local"


@dataclass(frozen=True)
class Route:
    """`GET /tenants/{ctx}`: a method and a path template, as in an HTTP API route key."""

    method: str
    path_template: str
    query_string: str = ""

    @classmethod
    def parse(cls, text: str) -> Route:
        """Read `METHOD /path[?query]`; raises ValueError with a readable message."""
        parts = text.strip().split()
        if len(parts) != 2:
            raise ValueError(f"route {text!r} is not 'METHOD /path', e.g. 'GET /tenants/{{ctx}}'")
        method, target = parts[0].upper(), parts[1]
        if method not in _METHODS:
            raise ValueError(f"route {text!r}: {method} is not an HTTP method")
        path, _, query = target.partition("?")
        if not path.startswith("/"):
            raise ValueError(f"route {text!r}: the path must start with '/'")
        return cls(method=method, path_template=path, query_string=query)

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path_template}"

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(_PATH_PARAMETER.findall(self.path_template))

    def path(self, parameters: Mapping[str, str]) -> str:
        """The concrete path, each `{name}` replaced by its (percent-encoded) value."""
        missing = [name for name in self.parameter_names if name not in parameters]
        if missing:
            raise ValueError(f"route {self.route_key}: no value for {', '.join(missing)}")
        return _PATH_PARAMETER.sub(
            lambda match: quote(parameters[match.group(1)], safe=""), self.path_template
        )


def request_context(
    *,
    route_key: str,
    method: str,
    path: str,
    names: LocalNames,
    api_id: str,
    domain_name: str,
    source_ip: str = DEFAULT_SOURCE_IP,
    user_agent: str = DEFAULT_USER_AGENT,
    now: float | None = None,
) -> dict[str, Any]:
    moment = time.time() if now is None else now
    return {
        "accountId": names.account_id,
        "apiId": api_id,
        "domainName": domain_name,
        "domainPrefix": domain_name.split(".", 1)[0],
        "http": {
            "method": method,
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": user_agent,
        },
        "requestId": _request_id(),
        "routeKey": route_key,
        "stage": "$default",
        "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(moment)),
        "timeEpoch": int(moment * 1000),
    }


def authorizer_request_event(
    route: Route,
    *,
    path_parameters: Mapping[str, str],
    headers: Mapping[str, str],
    cookies: Sequence[str] = (),
    identity_source: Sequence[str] | None = None,
    names: LocalNames | None = None,
    api_id: str | None = None,
    app_base_url: str = defaults.APP_BASE_URL,
    source_ip: str = DEFAULT_SOURCE_IP,
    now: float | None = None,
) -> dict[str, Any]:
    """A REQUEST authorizer event, payload 2.0, as API Gateway sends it to the authorizer.

    `identity_source` defaults to the values of the template's bearer authorizer
    (`$request.header.Authorization`, `$context.routeKey`, `$context.path`).
    """
    names = names or LocalNames.from_environment()
    api_id = api_id or names.api_id(DEFAULT_HTTP_API)
    path = route.path(path_parameters)
    app = urlsplit(app_base_url)
    all_headers = {
        "accept": "*/*",
        "content-length": "0",
        "host": app.netloc,
        "user-agent": DEFAULT_USER_AGENT,
        "x-amzn-trace-id": _trace_id(now),
        "x-forwarded-for": source_ip,
        "x-forwarded-port": str(app.port or (443 if app.scheme == "https" else 80)),
        "x-forwarded-proto": app.scheme,
    }
    # HTTP API lower-cases header names and moves cookies out of the headers.
    all_headers.update({name.lower(): value for name, value in headers.items()})
    all_headers.pop("cookie", None)
    if identity_source is None:
        identity_source = [all_headers.get("authorization", ""), route.route_key, path]
    context = request_context(
        route_key=route.route_key,
        method=route.method,
        path=path,
        names=names,
        api_id=api_id,
        domain_name=app.hostname or app.netloc,
        source_ip=source_ip,
        user_agent=all_headers["user-agent"],
        now=now,
    )
    event: dict[str, Any] = {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": names.arn("execute-api", f"{api_id}/$default/{route.method}{path}"),
        "identitySource": list(identity_source),
        "routeKey": route.route_key,
        "rawPath": path,
        "rawQueryString": route.query_string,
    }
    if cookies:
        event["cookies"] = list(cookies)
    event["headers"] = all_headers
    if route.query_string:
        # Repeated parameters are joined with commas, as HTTP API does.
        query: dict[str, str] = {}
        for name, value in parse_qsl(route.query_string, keep_blank_values=True):
            query[name] = f"{query[name]},{value}" if name in query else value
        event["queryStringParameters"] = query
    event["requestContext"] = context
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    return event


def _request_id() -> str:
    # API Gateway's request ids look like "JKJaXmPLvHcESHA=".
    return base64.b64encode(secrets.token_bytes(10)).decode("ascii")


def _trace_id(now: float | None) -> str:
    moment = int(time.time() if now is None else now)
    return f"Root=1-{moment:08x}-{secrets.token_hex(12)}"
