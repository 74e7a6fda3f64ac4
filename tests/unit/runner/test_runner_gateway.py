"""The gateway's status codes: 404, authorizer answers, function errors, integration timeout."""

from __future__ import annotations

import threading
from typing import Any

from local.lambda_runtime import InvocationResult
from local.naming import LocalNames
from local.runner.authorizers import AuthorizerSpec
from local.runner.gateway import GatewayAddress, HttpApiGateway
from local.runner.http_exchange import HttpRequest
from local.runner.routes import ApiRoute, RouteTable

ADDRESS = GatewayAddress("127.0.0.1", 3000, "api", LocalNames())
AUTH = AuthorizerSpec("Bearer", "Auth", ("$request.header.Authorization",), 0)


def gateway(
    answers: dict[str, Any], *, timeout_ms: int = 30_000
) -> tuple[HttpApiGateway, list[Any]]:
    calls: list[Any] = []

    def invoke(function_id: str, event: Any) -> InvocationResult:
        calls.append((function_id, event))
        answer = answers[function_id]
        if isinstance(answer, threading.Event):
            answer.wait(5)
            answer = {"statusCode": 200}
        error = answer.get("errorType") if isinstance(answer, dict) else None
        return InvocationResult("id", answer, error, 0.0, 0.0)

    routes = RouteTable(
        [
            ApiRoute("GET", "/open", "App", None, timeout_ms),
            ApiRoute("GET", "/closed/{ctx}", "App", "Bearer"),
        ]
    )
    return (
        HttpApiGateway(
            routes=routes,
            authorizers={"Bearer": AUTH},
            invoke=invoke,
            address=lambda: ADDRESS,
            log=lambda _l: None,
        ),
        calls,
    )


def get(api: HttpApiGateway, target: str, headers: list[tuple[str, str]] | None = None) -> Any:
    return api.handle(HttpRequest("GET", target, headers or []))


def test_unknown_route_is_404() -> None:
    api, calls = gateway({})
    response = get(api, "/nowhere")
    assert (response.status, response.body) == (404, b'{"message":"Not Found"}')
    assert calls == []


def test_function_result_and_errors() -> None:
    api, _ = gateway({"App": {"statusCode": 201, "body": "made"}})
    response = get(api, "/open")
    assert (response.status, response.body) == (201, b"made")
    api, _ = gateway({"App": {"errorType": "Sandbox.Timedout", "errorMessage": "late"}})
    response = get(api, "/open")
    assert (response.status, response.body) == (500, b'{"message":"Internal Server Error"}')


def test_integration_timeout_is_503() -> None:
    release = threading.Event()
    api, _ = gateway({"App": release}, timeout_ms=200)
    response = get(api, "/open")
    release.set()
    assert (response.status, response.body) == (503, b'{"message":"Service Unavailable"}')


def test_authorizer_401_403_and_context() -> None:
    api, calls = gateway({"Auth": {"isAuthorized": False}, "App": {"statusCode": 200}})
    assert get(api, "/closed/C1").status == 401
    assert calls == []
    assert get(api, "/closed/C1", [("Authorization", "Bearer t")]).status == 403
    api, calls = gateway(
        {"Auth": {"isAuthorized": True, "context": {"ctx": "C1"}}, "App": {"statusCode": 200}}
    )
    assert get(api, "/closed/C1", [("Authorization", "Bearer t")]).status == 200
    (auth_id, auth_event), (app_id, app_event) = calls
    assert (auth_id, app_id) == ("Auth", "App")
    assert auth_event["type"] == "REQUEST"
    assert auth_event["identitySource"] == ["Bearer t"]
    assert app_event["requestContext"]["authorizer"] == {"lambda": {"ctx": "C1"}}
