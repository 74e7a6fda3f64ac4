"""The HTTP API's routes, read from the `HttpApi` events of the template's functions.

Matching follows API Gateway's HTTP API: a request goes to the most specific route (at
each path segment a literal beats `{param}`, which beats a greedy `{proxy+}`), an exact
method beats `ANY`, and `$default` catches the rest. No match: 404.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import unquote

from local.template import FunctionSpec, TemplateError

HTTP_API_EVENT: Final = "HttpApi"
DEFAULT_ROUTE_KEY: Final = "$default"
# API Gateway's HTTP API waits at most this long for an integration (and by default).
MAX_INTEGRATION_TIMEOUT_MS: Final = 30_000
_PARAMETER: Final = re.compile(r"^\{([A-Za-z0-9_.-]+)(\+?)\}$")
_LITERAL, _SINGLE, _GREEDY = 0, 1, 2


@dataclass(frozen=True)
class ApiRoute:
    """One route: `GET /tenants/{ctx}` -> a function, maybe behind an authorizer."""

    method: str  # upper case, or ANY
    path: str  # the route's path template; "" for $default
    function_id: str
    authorizer: str | None
    integration_timeout_ms: int = MAX_INTEGRATION_TIMEOUT_MS

    @property
    def route_key(self) -> str:
        return DEFAULT_ROUTE_KEY if not self.path else f"{self.method} {self.path}"

    def segments(self) -> list[tuple[int, str]]:
        kinds: list[tuple[int, str]] = []
        for segment in self.path.split("/")[1:]:
            found = _PARAMETER.match(segment)
            if found is None:
                kinds.append((_LITERAL, segment))
            else:
                kinds.append((_GREEDY if found.group(2) else _SINGLE, found.group(1)))
        return kinds

    def match(self, path: str) -> dict[str, str] | None:
        """The path parameters when `path` (raw, percent-encoded) fits this route."""
        if not self.path:
            return {}
        wanted = self.segments()
        given = path.split("/")[1:]
        parameters: dict[str, str] = {}
        for index, (kind, text) in enumerate(wanted):
            if kind == _GREEDY:
                rest = given[index:]
                if not rest or rest == [""]:
                    return None
                parameters[text] = unquote("/".join(rest))
                return parameters
            if index >= len(given):
                return None
            if kind == _LITERAL and given[index] != text:
                return None
            if kind == _SINGLE:
                if not given[index]:
                    return None
                parameters[text] = unquote(given[index])
        return parameters if len(given) == len(wanted) else None

    def specificity(self) -> tuple[Any, ...]:
        """Sort key: smaller is more specific."""
        if not self.path:
            return (1,)
        return (0, tuple(kind for kind, _ in self.segments()), self.method == "ANY")


@dataclass(frozen=True)
class RouteMatch:
    route: ApiRoute
    path_parameters: Mapping[str, str]


class RouteTable:
    def __init__(self, routes: Iterable[ApiRoute]) -> None:
        self.routes = sorted(routes, key=ApiRoute.specificity)
        keys = [route.route_key for route in self.routes]
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        if duplicates:
            raise TemplateError(f"HTTP API routes defined twice: {', '.join(duplicates)}")

    def match(self, method: str, path: str) -> RouteMatch | None:
        for route in self.routes:
            # Methods are case-sensitive (RFC 9110): `get` is no route's GET, as on AWS.
            if route.method not in ("ANY", method):
                continue
            parameters = route.match(path)
            if parameters is not None:
                return RouteMatch(route, parameters)
        return None


def routes_from_functions(
    functions: Mapping[str, FunctionSpec], *, default_authorizer: str | None = None
) -> RouteTable:
    """Every `HttpApi` event of every function, as routes."""
    routes: list[ApiRoute] = []
    for logical_id, function in sorted(functions.items()):
        for event_name, event in sorted(function.events.items()):
            if not isinstance(event, dict) or event.get("Type") != HTTP_API_EVENT:
                continue
            where = f"{logical_id} event {event_name}"
            properties = event.get("Properties") or {}
            path = str(properties.get("Path", ""))
            method = str(properties.get("Method", "ANY")).upper()
            if path and not path.startswith("/"):
                raise TemplateError(f"{where}: Path must start with '/'")
            if str(properties.get("PayloadFormatVersion", "2.0")) != "2.0":
                raise TemplateError(f"{where}: only payload format 2.0 is served locally")
            auth = properties.get("Auth") or {}
            authorizer = auth.get("Authorizer", default_authorizer)
            timeout = int(properties.get("TimeoutInMillis", MAX_INTEGRATION_TIMEOUT_MS))
            routes.append(
                ApiRoute(
                    method="ANY" if method in ("ANY", "X-AMAZON-APIGATEWAY-ANY-METHOD") else method,
                    path=path,
                    function_id=logical_id,
                    authorizer=None if authorizer in (None, "NONE") else str(authorizer),
                    integration_timeout_ms=min(timeout, MAX_INTEGRATION_TIMEOUT_MS),
                )
            )
    return RouteTable(routes)
