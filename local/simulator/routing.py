"""A small router for the simulator: requests, responses, path templates.

Paths match case-insensitively, as on SuperOffice's (IIS) servers, where
`/Login/api/...` and `/login/api/...` are the same resource.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import Message
from typing import Any
from urllib.parse import unquote

_PARAMETER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


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

    def json(self) -> Any:
        """The body as JSON; ValueError if it is not JSON."""
        return json.loads(self.body or b"null")


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)

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


Handler = Callable[[Request], Response]


class RouteNotFound(LookupError):
    pass


class MethodNotAllowed(LookupError):
    def __init__(self, allowed: list[str]) -> None:
        super().__init__(", ".join(allowed))
        self.allowed = allowed


@dataclass(frozen=True)
class _Route:
    method: str
    template: str
    pattern: re.Pattern[str]
    handler: Handler


class Router:
    def __init__(self) -> None:
        self._routes: list[_Route] = []

    def add(self, method: str, template: str, handler: Handler) -> None:
        """Route `METHOD template` to `handler`; `{name}` matches one path segment."""
        regex = ""
        position = 0
        for match in _PARAMETER.finditer(template):
            regex += re.escape(template[position : match.start()])
            regex += f"(?P<{match.group(1)}>[^/]+)"
            position = match.end()
        regex += re.escape(template[position:])
        pattern = re.compile(regex, re.IGNORECASE)
        self._routes.append(_Route(method.upper(), template, pattern, handler))

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, str]]:
        """The handler and path parameters; RouteNotFound or MethodNotAllowed otherwise."""
        allowed: list[str] = []
        for route in self._routes:
            found = route.pattern.fullmatch(path)
            if found is None:
                continue
            if route.method == method.upper():
                return route.handler, {
                    name: unquote(value) for name, value in found.groupdict().items()
                }
            allowed.append(route.method)
        if allowed:
            raise MethodNotAllowed(sorted(set(allowed)))
        raise RouteNotFound(path)
