"""RedirectCallbackFunction: the correlation id on an error page finds the request's log lines.

The page shows API Gateway's request id (`_correlation_id`); the Logger is told the same
field (`correlation_id_path`), so every line the request writes carries it, as the HTTP
API's access log does (`requestId`). No service runs here: every AWS endpoint is a closed
port, so a route that reads DynamoDB meets an outage.
"""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import load_function_module
from tests.unit.web.test_redirect_callback_input import (
    ADMIN,
    body_of,
    call,
    closed_port,
    event,
)

REQUEST_ID = "Jq3xKhLZFiAEMbw="


@pytest.fixture(scope="module")
def handler() -> Iterator[ModuleType]:
    unreachable = f"http://127.0.0.1:{closed_port()}"
    settings = {
        "SUPEROFFICE_ENVIRONMENT": "local",
        "SUPEROFFICE_LOCAL_BASE_URL": unreachable,
        "SUPEROFFICE_CLIENT_ID": "local-dev-client",
        "APP_BASE_URL": "http://127.0.0.1:3000",
        "POWERTOOLS_SERVICE_NAME": "redirect-callback-correlation",
        "POWERTOOLS_LOG_LEVEL": "INFO",
        "TENANTS_TABLE": "tenants",
        "APP_KEY_ID": "alias/app",
        "CLIENT_SECRET_NAME": "app/client-secret",
        "PRIVATE_KEY_SECRET_NAME": "app/private-key",
        "SESSION_KEY_SECRET_NAME": "app/session-keys",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ENDPOINT_URL": unreachable,
    }
    with pytest.MonkeyPatch.context() as patch:
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "SYNC_QUEUE_URL", "RECORDS_TABLE"):
            patch.delenv(name, raising=False)
        for name in [n for n in os.environ if n.startswith("AWS_ENDPOINT_URL_")]:
            patch.delenv(name)
        for name, value in settings.items():
            patch.setenv(name, value)
        yield load_function_module("redirect_callback")


@pytest.fixture
def log_lines(handler: ModuleType) -> Iterator[io.StringIO]:
    """What the function's Logger writes (JSON lines), into a buffer of this test's own."""
    log_handler = handler.logger.registered_handler
    assert isinstance(log_handler, logging.StreamHandler)
    buffer = io.StringIO()
    previous = log_handler.setStream(buffer)
    try:
        yield buffer
    finally:
        log_handler.setStream(previous)


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
