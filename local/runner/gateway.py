"""The HTTP API in front of the functions: route, authorize, invoke, answer.

Status codes are API Gateway's (HTTP API): 404 `Not Found` without a route, 401/403 from
the authorizer, 500 `Internal Server Error` when the function fails (a timeout of the
function itself included: Lambda reports it as an error) or answers something unusable,
and 503 `Service Unavailable` when the integration timeout (the route's TimeoutInMillis,
at most and by default 30 s) passes first; the function then runs on to its own timeout.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from local.lambda_runtime import InvocationResult
from local.naming import LocalNames
from local.runner.api_events import authorizer_event, integration_event
from local.runner.api_responses import (
    INTERNAL_SERVER_ERROR,
    BadIntegrationResponse,
    http_response_from_result,
)
from local.runner.authorizers import AuthorizerCache, AuthorizerSpec, authorize
from local.runner.http_exchange import HttpRequest, HttpResponse
from local.runner.routes import RouteTable

Log = Callable[[str], None]
Invoke = Callable[[str, Any], InvocationResult]


@dataclass(frozen=True)
class GatewayAddress:
    host: str
    port: int
    api_id: str
    names: LocalNames


class HttpApiGateway:
    def __init__(
        self,
        *,
        routes: RouteTable,
        authorizers: Mapping[str, AuthorizerSpec],
        invoke: Invoke,
        address: Callable[[], GatewayAddress],
        log: Log,
    ) -> None:
        self.routes = routes
        self.authorizers = dict(authorizers)
        self._invoke = invoke
        self._address = address
        self._log = log
        self.cache = AuthorizerCache()
        unknown = {r.authorizer for r in routes.routes if r.authorizer} - set(self.authorizers)
        if unknown:
            raise ValueError(f"routes name unknown authorizers: {', '.join(sorted(unknown))}")

    def handle(self, request: HttpRequest) -> HttpResponse:
        match = self.routes.match(request.method, request.raw_path)
        if match is None:
            return HttpResponse.message(404, "Not Found")
        address = self._address()
        event = integration_event(
            request,
            match,
            names=address.names,
            api_id=address.api_id,
            host=address.host,
            port=address.port,
        )
        if match.route.authorizer is not None:
            spec = self.authorizers[match.route.authorizer]

            def invoke_authorizer(function_id: str, auth_event: dict[str, Any]) -> tuple[bool, Any]:
                outcome = self._invoke(function_id, auth_event)
                return outcome.ok, outcome.payload

            decision = authorize(
                spec,
                event,
                cache=self.cache,
                invoke=invoke_authorizer,
                build_event=lambda values: authorizer_event(
                    event, identity_source=values, names=address.names
                ),
            )
            if decision.status == 401:
                return HttpResponse.message(401, "Unauthorized")
            if decision.status == 403:
                return HttpResponse.message(403, "Forbidden")
            if not decision.allowed:
                return HttpResponse.message(500, INTERNAL_SERVER_ERROR)
            event["requestContext"]["authorizer"] = {"lambda": dict(decision.context)}
        outcome = self._invoke_within(
            match.route.function_id, event, match.route.integration_timeout_ms / 1000
        )
        if outcome is None:
            self._log(
                f"{match.route.route_key}: no answer within the integration timeout "
                f"({match.route.integration_timeout_ms} ms): 503"
            )
            return HttpResponse.message(503, "Service Unavailable")
        if not outcome.ok:
            return HttpResponse.message(500, INTERNAL_SERVER_ERROR)
        try:
            return http_response_from_result(outcome.payload)
        except BadIntegrationResponse as error:
            self._log(f"{match.route.route_key}: unusable response: {error}")
            return HttpResponse.message(500, INTERNAL_SERVER_ERROR)

    def _invoke_within(
        self, function_id: str, event: dict[str, Any], seconds: float
    ) -> InvocationResult | None:
        """The outcome, or None if the integration timeout passes first."""
        outcomes: list[InvocationResult] = []
        failures: list[BaseException] = []

        def run() -> None:
            try:
                outcomes.append(self._invoke(function_id, event))
            except BaseException as error:  # reported below, on the request's thread
                failures.append(error)

        worker = threading.Thread(target=run, name=f"invoke-{function_id}", daemon=True)
        worker.start()
        worker.join(seconds)
        if failures:
            raise failures[0]
        return outcomes[0] if outcomes else None
