"""Lambda authorizers of the HTTP API (payload 2.0, simple responses), as API Gateway runs them.

- Identity sources (`$request.header.X`, `$request.querystring.X`, `$context.X`,
  `$stageVariables.X`): if any is missing or empty, the answer is 401 without calling
  the authorizer.
- The function's answer `{"isAuthorized": bool, "context": {...}}`: false is 403, true
  passes `context` to the integration as `requestContext.authorizer.lambda`.
- Decisions (allow and deny) are cached for `ReauthorizeEvery` seconds, keyed by the
  identity source values; 0 disables the cache.
- An authorizer that fails, times out or answers something else: 500.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from local.template import FunctionSpec, Template, TemplateError

HTTP_API_TYPES: Final = ("AWS::Serverless::HttpApi",)
DEFAULT_CACHE_SECONDS: Final = 300  # SAM's and API Gateway's default for ReauthorizeEvery


@dataclass(frozen=True)
class AuthorizerSpec:
    name: str
    function_id: str
    identity_sources: tuple[str, ...]  # e.g. "$request.header.Cookie", "$context.routeKey"
    cache_seconds: int


@dataclass(frozen=True)
class AuthorizerDecision:
    """401 (identity missing), 403 (denied), 500 (authorizer failed) or allowed (200)."""

    status: int
    context: Mapping[str, Any] = field(default_factory=dict)

    @property
    def allowed(self) -> bool:
        return self.status == 200


UNAUTHORIZED: Final = AuthorizerDecision(401)
FORBIDDEN: Final = AuthorizerDecision(403)
FAILED: Final = AuthorizerDecision(500)


def authorizers_from_template(
    template: Template, functions: Mapping[str, FunctionSpec]
) -> tuple[dict[str, AuthorizerSpec], str | None]:
    """The Lambda authorizers of the template's HTTP APIs, and the default authorizer."""
    by_arn = {function.arn: logical_id for logical_id, function in functions.items()}
    found: dict[str, AuthorizerSpec] = {}
    default: str | None = None
    for api_type in HTTP_API_TYPES:
        for logical_id, resource in sorted(template.resources_of_type(api_type).items()):
            properties = template.resolve(resource.get("Properties") or {}, logical_id)
            auth = properties.get("Auth") or {}
            default = auth.get("DefaultAuthorizer", default)
            for name, spec in (auth.get("Authorizers") or {}).items():
                found[name] = _authorizer(f"{logical_id} authorizer {name}", name, spec, by_arn)
    return found, default


def _authorizer(
    where: str, name: str, spec: Mapping[str, Any], by_arn: Mapping[str, str]
) -> AuthorizerSpec:
    if "FunctionArn" not in spec:
        raise TemplateError(f"{where}: only Lambda authorizers are served locally")
    function_id = by_arn.get(str(spec["FunctionArn"]))
    if function_id is None:
        raise TemplateError(f"{where}: {spec['FunctionArn']} is not a function of the template")
    if str(spec.get("AuthorizerPayloadFormatVersion", "2.0")) != "2.0" or not spec.get(
        "EnableSimpleResponses", False
    ):
        raise TemplateError(f"{where}: only payload 2.0 with simple responses is served locally")
    identity = spec.get("Identity") or {}
    sources = [
        *(f"$request.header.{item}" for item in identity.get("Headers") or []),
        *(f"$request.querystring.{item}" for item in identity.get("QueryStrings") or []),
        *(f"$context.{item}" for item in identity.get("Context") or []),
        *(f"$stageVariables.{item}" for item in identity.get("StageVariables") or []),
    ]
    cache = int(identity.get("ReauthorizeEvery", DEFAULT_CACHE_SECONDS))
    return AuthorizerSpec(name, function_id, tuple(sources), cache)


def identity_values(spec: AuthorizerSpec, event: Mapping[str, Any]) -> list[str] | None:
    """The identity source values for the request's event; None if one is missing."""
    values: list[str] = []
    headers = event.get("headers") or {}
    query = event.get("queryStringParameters") or {}
    context = event.get("requestContext") or {}
    for source in spec.identity_sources:
        kind, _, name = source.rpartition(".")
        value: Any
        if kind == "$request.header":
            if name.lower() == "cookie":
                value = "; ".join(event.get("cookies") or [])
            else:
                value = headers.get(name.lower())
        elif kind == "$request.querystring":
            value = query.get(name)
        elif kind == "$context":
            value = context.get(name)
            if name == "path":
                value = context.get("http", {}).get("path")
        else:
            value = None  # no stage variables locally
        if value is None or value == "":
            return None
        values.append(str(value))
    return values


Invoke = Callable[[str, dict[str, Any]], tuple[bool, Any]]


class AuthorizerCache:
    """Decisions by (authorizer, identity values), each for its authorizer's TTL."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._entries: dict[tuple[str, tuple[str, ...]], tuple[float, AuthorizerDecision]] = {}
        self._lock = threading.Lock()

    def get(self, name: str, values: list[str]) -> AuthorizerDecision | None:
        with self._lock:
            entry = self._entries.get((name, tuple(values)))
            if entry is None:
                return None
            if entry[0] <= self._clock():
                del self._entries[(name, tuple(values))]
                return None
            return entry[1]

    def put(self, name: str, values: list[str], decision: AuthorizerDecision, ttl: int) -> None:
        if ttl <= 0:
            return
        with self._lock:
            self._entries[(name, tuple(values))] = (self._clock() + ttl, decision)


def decision_from_result(ok: bool, payload: Any) -> AuthorizerDecision:
    """A simple response: `isAuthorized` must be a boolean, `context` an object if given."""
    if not ok or not isinstance(payload, dict):
        return FAILED
    allowed = payload.get("isAuthorized")
    context = payload.get("context", {})
    context = {} if context is None else context
    if not isinstance(allowed, bool) or not isinstance(context, dict):
        return FAILED
    return AuthorizerDecision(200, context) if allowed else FORBIDDEN


def authorize(
    spec: AuthorizerSpec,
    event: Mapping[str, Any],
    *,
    cache: AuthorizerCache,
    invoke: Invoke,
    build_event: Callable[[list[str]], dict[str, Any]],
) -> AuthorizerDecision:
    """Judge the request whose integration event is `event`."""
    values = identity_values(spec, event)
    if values is None:
        return UNAUTHORIZED
    cached = cache.get(spec.name, values)
    if cached is not None:
        return cached
    ok, payload = invoke(spec.function_id, build_event(values))
    decision = decision_from_result(ok, payload)
    if decision.status != 500:
        cache.put(spec.name, values, decision, spec.cache_seconds)
    return decision
