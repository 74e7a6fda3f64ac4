"""Routes for API Gateway HTTP API events (payload format 2.0): the request, the route, the answer.

The route functions used Powertools' `APIGatewayHttpResolver`; importing Powertools'
`event_handler` loads asyncio, ssl and socket (through its AppSync resolver) and every
event data class, about 50 ms of a cold start, for a handful of fixed routes. This keeps
the part of its API the functions use, and answers as it did:

- `@app.get(path)`, `@app.post(path)`: one route per method and path. `<name>` in a path
  is a path parameter: it matches one non-empty segment, as the raw path carries it (still
  percent-encoded), and is passed to the function by name. Other segments match exactly.
  A route without parameters is tried before those with, as in Powertools.
- A request no route takes (another path, or another method on a known path) goes to the
  `not_found` handler (a 404; without one, `{"message": "Not found"}`), as in Powertools:
  there is no 405, since API Gateway answers a method without a route itself.
- `app.use(middlewares=[...])`: each is called in order around every request, the
  not-found one included; `app.route_arguments` holds the matched path parameters.
- `app.exception_handler(kind)(handler)`: an exception from a route, middleware or the
  not-found handler goes to the handler of its most specific registered class; with none,
  it propagates and Lambda reports the invocation failed.
- `Response`: a str body as it is, bytes as base64, anything else as compact JSON;
  cookies are `Set-Cookie` values (`set_cookies.set_cookie`), in the answer's `cookies`.

An event not shaped as API Gateway's (a key missing, a value of another type) reads as an
empty request in that part: at worst no route takes it, a 404, never an exception here.
"""

from __future__ import annotations

import base64
import functools
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Final, Generic, NamedTuple, Protocol, TypeVar

__all__ = [
    "Headers",
    "HttpApiResolver",
    "HttpEvent",
    "LambdaContext",
    "Middleware",
    "NextMiddleware",
    "Response",
    "Route",
    "RouteNotFound",
]

BodyT = TypeVar("BodyT")
ErrorT = TypeVar("ErrorT", bound=Exception)
RouteFunctionT = TypeVar("RouteFunctionT", bound=Callable[..., "Response[Any]"])
NotFoundT = TypeVar("NotFoundT", bound=Callable[["RouteNotFound"], "Response[Any]"])

NextMiddleware = Callable[["HttpApiResolver"], "Response[Any]"]
Middleware = Callable[["HttpApiResolver", NextMiddleware], "Response[Any]"]

DEFAULT_STAGE: Final = "$default"
_JSON_SEPARATORS: Final = (",", ":")  # compact, as Powertools serialized


class LambdaContext(Protocol):
    """What the functions read of Lambda's context object."""

    @property
    def aws_request_id(self) -> str: ...

    def get_remaining_time_in_millis(self) -> int: ...


class RouteNotFound(Exception):
    """No route takes the request's method and path; handed to the `not_found` handler."""


# -- the request ---------------------------------------------------------------------------


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _string_items(value: object) -> Iterator[tuple[str, str]]:
    for key, item in _mapping(value).items():
        if isinstance(key, str) and isinstance(item, str):
            yield key, item


class Headers(Mapping[str, str]):
    """A request's headers by name, case-insensitively; names iterate in lower case.

    API Gateway lower-cases names and joins a repeated header's values with commas; a
    hand-made event may not, so names differing only in case are joined the same way.
    """

    def __init__(self, raw: object) -> None:
        self._values: dict[str, str] = {}
        for name, value in _string_items(raw):
            key = name.lower()
            self._values[key] = f"{self._values[key]},{value}" if key in self._values else value

    def __getitem__(self, name: str) -> str:
        return self._values[name.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Headers({sorted(self._values)})"  # names only: values carry credentials


def _without_stage(raw_path: str, stage: object) -> str:
    """The path the routes see: under a named stage, API Gateway's URL starts with it."""
    if isinstance(stage, str) and stage and stage != DEFAULT_STAGE:
        prefix = f"/{stage}"
        if raw_path == prefix:
            return "/"
        if raw_path.startswith(f"{prefix}/"):
            return raw_path[len(prefix) :]
    return raw_path


class HttpEvent(NamedTuple):
    """A read-only view of one event: each part as API Gateway sends it, or empty when
    the event lacks it or holds something of another type there."""

    raw_event: Mapping[str, Any]
    http_method: str  # upper case
    raw_path: str
    path: str  # raw_path without a named stage
    headers: Headers
    query_string_parameters: Mapping[str, str]  # a repeated name's values joined by commas
    cookies: tuple[str, ...]  # "name=value" items
    body: str | None
    is_base64_encoded: bool
    request_id: str  # requestContext.requestId: the access log's and the pages' id
    authorizer_context: Mapping[str, Any]  # what a Lambda authorizer returned as context

    @classmethod
    def of(cls, event: object) -> HttpEvent:
        raw = _mapping(event)
        context = _mapping(raw.get("requestContext"))
        raw_path = _text(raw.get("rawPath"))
        cookies = raw.get("cookies")
        body = raw.get("body")
        return cls(
            raw_event=raw,
            http_method=_text(_mapping(context.get("http")).get("method")).upper(),
            raw_path=raw_path,
            path=_without_stage(raw_path, context.get("stage")),
            headers=Headers(raw.get("headers")),
            query_string_parameters=dict(_string_items(raw.get("queryStringParameters"))),
            cookies=tuple(c for c in cookies if isinstance(c, str))
            if isinstance(cookies, list)
            else (),
            body=body if isinstance(body, str) else None,
            is_base64_encoded=raw.get("isBase64Encoded") is True,
            request_id=_text(context.get("requestId")),
            authorizer_context=dict(_mapping(_mapping(context.get("authorizer")).get("lambda"))),
        )

    def __repr__(self) -> str:
        # Method and path only: headers, cookies, query and body carry credentials.
        return f"HttpEvent({self.http_method} {self.path})"

    def get(self, key: str, default: Any = None) -> Any:
        """The event's own value at `key`, unchecked (prefer the typed fields)."""
        return self.raw_event.get(key, default)

    def get_query_string_value(self, name: str, default: str | None = None) -> str | None:
        return self.query_string_parameters.get(name, default)


# -- the answer ----------------------------------------------------------------------------


class Response(Generic[BodyT]):
    """One answer: status, headers, `Set-Cookie` values and a body."""

    def __init__(
        self,
        status_code: int,
        content_type: str | None = None,
        body: BodyT | None = None,
        headers: Mapping[str, str] | None = None,
        cookies: Sequence[str] | None = None,
    ) -> None:
        self.status_code = status_code
        self.body = body
        self.headers: dict[str, str] = dict(headers or {})
        self.cookies: list[str] = list(cookies or [])
        if content_type:
            self.headers.setdefault("Content-Type", content_type)

    def to_http_api(self) -> dict[str, Any]:
        """The answer as the HTTP API takes it from a payload 2.0 integration."""
        body: Any = self.body
        encoded = False
        if body is None:
            body = ""
        elif isinstance(body, bytes):
            body, encoded = base64.b64encode(body).decode("ascii"), True
        elif not isinstance(body, str):
            body = json.dumps(body, separators=_JSON_SEPARATORS)
        return {
            "statusCode": self.status_code,
            "headers": dict(self.headers),
            "cookies": list(self.cookies),
            "body": body,
            "isBase64Encoded": encoded,
        }


# -- routes --------------------------------------------------------------------------------


def _parameter(segment: str) -> str | None:
    """The name of the path parameter `segment` is (`<name>`), or None."""
    if segment.startswith("<") and segment.endswith(">"):
        return segment[1:-1]
    return None


def _segments(path: str) -> tuple[str, ...]:
    """A route's path, checked: absolute, no empty segment, parameters named once."""
    if not path.startswith("/"):
        raise ValueError(f"route path {path!r} must start with /")
    segments = tuple(path[1:].split("/"))
    names = [name for name in map(_parameter, segments) if name is not None]
    for segment in segments:
        name = _parameter(segment)
        if not segment or (name is None and ("<" in segment or ">" in segment)):
            raise ValueError(f"route path {path!r} has an empty or malformed segment")
        if name is not None and not name.isidentifier():
            raise ValueError(f"route path {path!r}: {segment} is not a parameter name")
    if len(names) != len(set(names)):
        raise ValueError(f"route path {path!r} names a parameter twice")
    return segments


class Route(NamedTuple):
    """One registered route, as the resolver matches it and `local/openapi.py` describes it."""

    method: str  # upper case, as API Gateway sends it
    path: str  # as registered: /tenants/<ctx>
    segments: tuple[str, ...]
    function: Callable[..., Response[Any]]

    @property
    def path_parameters(self) -> tuple[str, ...]:
        return tuple(name for name in map(_parameter, self.segments) if name is not None)

    @property
    def openapi_path(self) -> str:
        """The path as OpenAPI and API Gateway's route keys spell it: /tenants/{ctx}."""
        return "/" + "/".join(
            segment if _parameter(segment) is None else f"{{{_parameter(segment)}}}"
            for segment in self.segments
        )

    @property
    def operation_id(self) -> str:
        """Powertools' scheme, so the ids in docs/openapi.json stay: the function's name
        and the OpenAPI path with every non-word character an underscore, then the method."""
        return re.sub(r"\W", "_", self.function.__name__ + self.openapi_path) + (
            "_" + self.method.lower()
        )

    def arguments(self, method: str, segments: Sequence[str]) -> dict[str, str] | None:
        """The path parameters when this route takes `method` on `segments`, else None."""
        if method != self.method or len(segments) != len(self.segments):
            return None
        arguments: dict[str, str] = {}
        for expected, actual in zip(self.segments, segments, strict=True):
            name = _parameter(expected)
            if name is None:
                if actual != expected:
                    return None
            elif not actual:
                return None
            else:
                arguments[name] = actual
        return arguments


def _not_found_default(_: RouteNotFound) -> Response[dict[str, str]]:
    return Response(404, "application/json", {"message": "Not found"})


class HttpApiResolver:
    """The routes of one function, and the request being answered."""

    def __init__(self) -> None:
        self._routes: list[Route] = []
        self._middlewares: list[Middleware] = []
        self._handlers: dict[type[Exception], Callable[[Any], Response[Any]]] = {}
        self._not_found: Callable[[RouteNotFound], Response[Any]] = _not_found_default
        self._event: HttpEvent | None = None
        self._context: LambdaContext | None = None
        self.route_arguments: Mapping[str, str] = {}

    # -- registration

    @property
    def routes(self) -> tuple[Route, ...]:
        """The routes in the order they are tried."""
        return tuple(self._routes)

    def route(self, method: str, path: str) -> Callable[[RouteFunctionT], RouteFunctionT]:
        segments = _segments(path)
        method = method.upper()
        shape = tuple("<>" if _parameter(segment) else segment for segment in segments)

        def register(function: RouteFunctionT) -> RouteFunctionT:
            for route in self._routes:
                taken = tuple("<>" if _parameter(s) else s for s in route.segments)
                if route.method == method and taken == shape:
                    raise ValueError(f"{method} {path} is already a route ({route.path})")
            self._routes.append(Route(method, path, segments, function))
            # Those without parameters first (a stable sort keeps the registration order).
            self._routes.sort(key=lambda route: bool(route.path_parameters))
            return function

        return register

    def get(self, path: str) -> Callable[[RouteFunctionT], RouteFunctionT]:
        return self.route("GET", path)

    def post(self, path: str) -> Callable[[RouteFunctionT], RouteFunctionT]:
        return self.route("POST", path)

    def use(self, middlewares: Sequence[Middleware]) -> None:
        self._middlewares.extend(middlewares)

    def not_found(self, handler: NotFoundT) -> NotFoundT:
        self._not_found = handler
        return handler

    def exception_handler(
        self, kind: type[ErrorT]
    ) -> Callable[[Callable[[ErrorT], Response[Any]]], Callable[[ErrorT], Response[Any]]]:
        def register(
            handler: Callable[[ErrorT], Response[Any]],
        ) -> Callable[[ErrorT], Response[Any]]:
            self._handlers[kind] = handler
            return handler

        return register

    # -- the request being answered

    @property
    def current_event(self) -> HttpEvent:
        if self._event is None:
            raise RuntimeError("no request has been resolved yet")
        return self._event

    @property
    def lambda_context(self) -> LambdaContext:
        if self._context is None:
            raise RuntimeError("no request has been resolved yet")
        return self._context

    def resolve(self, event: object, context: LambdaContext) -> dict[str, Any]:
        """The answer to `event`, in the shape the HTTP API takes."""
        request = HttpEvent.of(event)
        self._event, self._context = request, context
        endpoint = self._endpoint(request)
        try:
            response = self._through_middlewares(endpoint)
        except Exception as error:
            handler = self._handler_for(error)
            if handler is None:
                raise
            response = handler(error)
        return response.to_http_api()

    def _endpoint(self, request: HttpEvent) -> Callable[[], Response[Any]]:
        """The route function taking `request` with its path parameters, else not-found;
        `route_arguments` holds the parameters."""
        self.route_arguments = {}
        if request.path.startswith("/"):
            segments = request.path[1:].split("/")
            for route in self._routes:
                arguments = route.arguments(request.http_method, segments)
                if arguments is not None:
                    self.route_arguments = arguments
                    return functools.partial(route.function, **arguments)
        return functools.partial(self._not_found, RouteNotFound())

    def _through_middlewares(self, endpoint: Callable[[], Response[Any]]) -> Response[Any]:
        def step(index: int) -> NextMiddleware:
            def next_middleware(resolver: HttpApiResolver) -> Response[Any]:
                if index == len(self._middlewares):
                    return endpoint()
                return self._middlewares[index](resolver, step(index + 1))

            return next_middleware

        return step(0)(self)

    def _handler_for(self, error: Exception) -> Callable[[Any], Response[Any]] | None:
        for kind in type(error).__mro__:
            handler = self._handlers.get(kind)
            if handler is not None:
                return handler
        return None
