"""RedirectCallbackFunction: the correlation id on an error page finds the request's log lines.

The page shows API Gateway's request id (`_correlation_id`); the Logger is told the same
field (`correlation_id_path`), so every line the request writes carries it, as the HTTP
API's access log does (`requestId`). No service runs here: every AWS endpoint is a closed
port, so a route that reads DynamoDB meets an outage.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from tests.log_capture import captured_log
from tests.unit.web.test_redirect_callback_input import (
    ADMIN,
    body_of,
    call,
    event,
    offline_handler,
)

REQUEST_ID = "Jq3xKhLZFiAEMbw="


@pytest.fixture(scope="module")
def handler() -> Iterator[ModuleType]:
    with offline_handler("redirect-callback-correlation", "INFO") as module:
        yield module


@pytest.fixture
def log_lines(handler: ModuleType) -> Iterator[io.StringIO]:
    with captured_log(handler.logger) as buffer:
        yield buffer


def lines_of(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.startswith("{")]


def with_request_id(built: dict[str, Any]) -> dict[str, Any]:
    built["requestContext"]["requestId"] = REQUEST_ID
    return built


def test_a_pages_correlation_id_is_the_correlation_id_of_its_log_lines(
    handler: ModuleType, log_lines: io.StringIO
) -> None:
    result = call(handler, with_request_id(event("GET", "/no/such/page", "$default")))
    assert result["statusCode"] == 404
    assert REQUEST_ID in body_of(result)
    (refused,) = [line for line in lines_of(log_lines) if line["message"] == "request refused"]
    assert refused["correlation_id"] == REQUEST_ID


def test_every_line_of_a_request_that_met_an_outage_carries_it(
    handler: ModuleType, log_lines: io.StringIO
) -> None:
    built = with_request_id(
        event(
            "GET",
            "/tenants/Cust10001",
            "/tenants/{ctx}",
            headers={"accept": "application/json"},
            authorizer=ADMIN,
        )
    )
    result = call(handler, built)
    assert result["statusCode"] == 503
    assert json.loads(body_of(result))["correlation_id"] == REQUEST_ID
    logged = lines_of(log_lines)
    assert {line["message"] for line in logged} >= {"dependency unavailable", "request refused"}
    assert {line["correlation_id"] for line in logged} == {REQUEST_ID}
