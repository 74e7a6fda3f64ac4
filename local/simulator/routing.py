"""A small router for the simulator: requests, responses, path templates.

Paths match case-insensitively, as on SuperOffice's (IIS) servers, where
`/Login/api/...` and `/login/api/...` are the same resource. `{name}` matches one path
segment (URL-decoded); `{name*}` matches the rest of the path, left encoded, so an area
can hand it to a router of its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import Message
from typing import Any, Generic, TypeVar
from urllib.parse import unquote

_PARAMETER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(\*?)\}")


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Message
    body: bytes
    client_address: str
    path_parameters: Mapping[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def query_value(self, name: str) -> str | None:
        """The first value of a query parameter, its name matched case-insensitively (ASP.NET)."""
        for key, values in self.query.items():
            if key.lower() == name.lower() and values:
                return values[0]
        return None

    def json(self) -> Any:
        """The body as JSON; ValueError if it is not JSON."""
        return json.loads(self.body or b"null")


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    # Close the connection without answering at all (an injected network failure).
    drop_connection: bool = False

    @classmethod
    def json(
        cls, data: Any, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> Response:
        body = json.dumps(data, indent=2).encode("utf-8") + b"\n"
        return cls(
            status=status,
            body=body,
            headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
        )

    @classmethod
    def error(cls, status: int, error: str, message: str) -> Response:
        return cls.json({"error": error, "message": message}, status=status)

    @classmethod
    def html(cls, page: str, status: int = 200) -> Response:
        return cls(
            status=status,
            body=page.encode("utf-8"),
            headers={
                "Content-Type": "text/html; charset=utf-8",
                # Sign-in pages carry one-time parameters: never cache or frame them.
                "Cache-Control": "no-store",
                "X-Frame-Options": "DENY",
            },
        )

    @classmethod
    def redirect(cls, location: str) -> Response:
        return cls(status=302, headers={"Location": location, "Cache-Control": "no-store"})

    @classmethod
    def no_content(cls) -> Response:
        return cls(status=204)

    @classmethod
    def dropped(cls) -> Response:
        return cls(status=0, drop_connection=True)

    def with_headers(self, headers: Mapping[str, str]) -> Response:
        return Response(self.status, self.body, {**self.headers, **headers}, self.drop_connection)


class HTTPError(Exception):
    """Raised by a handler to answer with an error status; the server shapes the JSON."""

    status = 500
    slug = "internal_error"


class BadRequest(HTTPError):
    """A body that is not the JSON or form it must be, or a value that makes no sense."""

    status = 400
    slug = "bad_request"


class NotFound(HTTPError):
    status = 404
    slug = "not_found"


class Conflict(HTTPError):
    status = 409
    slug = "conflict"


Handler = Callable[[Request], Response]
# The handler type a router holds: `Handler` for the server, others for areas' own routers.
HandlerT = TypeVar("HandlerT")


class RouteNotFound(LookupError):
    pass


class MethodNotAllowed(LookupError):
    def __init__(self, allowed: list[str]) -> None:
        super().__init__(", ".join(allowed))
        self.allowed = allowed


@dataclass(frozen=True)
class _Route(Generic[HandlerT]):
    method: str
    template: str
    pattern: re.Pattern[str]
    handler: HandlerT
    # Rest-of-path parameters stay URL-encoded (see the module docstring).
    raw_parameters: frozenset[str]


class PathRouter(Generic[HandlerT]):
    def __init__(self) -> None:
        self._routes: list[_Route[HandlerT]] = []

    def add(self, method: str, template: str, handler: HandlerT) -> None:
        """Route `METHOD template` to `handler`; the first matching route wins."""
        regex = ""
        position = 0
        raw: set[str] = set()
        for match in _PARAMETER.finditer(template):
            name, rest_of_path = match.group(1), match.group(2) == "*"
            regex += re.escape(template[position : match.start()])
            regex += f"(?P<{name}>.+)" if rest_of_path else f"(?P<{name}>[^/]+)"
            if rest_of_path:
                raw.add(name)
            position = match.end()
        regex += re.escape(template[position:])
        pattern = re.compile(regex, re.IGNORECASE)
        self._routes.append(_Route(method.upper(), template, pattern, handler, frozenset(raw)))

    def routes(self) -> list[tuple[str, str]]:
        """`(METHOD, template)` of every route, in the order they are tried."""
        return [(route.method, route.template) for route in self._routes]

    def match(self, method: str, path: str) -> tuple[HandlerT, dict[str, str]]:
        """The handler and path parameters; RouteNotFound or MethodNotAllowed otherwise."""
        allowed: list[str] = []
        for route in self._routes:
            found = route.pattern.fullmatch(path)
            if found is None:
                continue
            if route.method == method.upper():
                return route.handler, {
                    name: value if name in route.raw_parameters else unquote(value)
                    for name, value in found.groupdict().items()
                }
            allowed.append(route.method)
        if allowed:
            raise MethodNotAllowed(sorted(set(allowed)))
        raise RouteNotFound(path)


# The server's router; areas with a router of their own use PathRouter[TheirHandler].
Router = PathRouter[Handler]
