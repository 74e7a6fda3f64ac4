"""TokenValidationFunction's handler: never raises, never logs a token, fails fast on config."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local._lambda_process import JsonLogFormatter
from superoffice_app.authorizer import TokenAuthorizer
from superoffice_app.config import ConfigError
from superoffice_app.cookies import SESSION_COOKIE_NAME
from tests.conftest import LambdaContext, load_function_module
from tests.unit.authorizer.conftest import authorizer_event

SOD_SETTINGS = {
    "SUPEROFFICE_ENVIRONMENT": "sod",
    "SUPEROFFICE_CLIENT_ID": "0123456789abcdef0123456789abcdef",
    "APP_BASE_URL": "https://app.example.com",
    "POWERTOOLS_SERVICE_NAME": "token-validation",
}


@pytest.fixture
def handler_module(
    monkeypatch: pytest.MonkeyPatch, authorizer: TokenAuthorizer
) -> Iterator[ModuleType]:
    for key, value in SOD_SETTINGS.items():
        monkeypatch.setenv(key, value)
    module = load_function_module("token_validation")
    # The module built its own validators from the SOD configuration; swap in ones that
    # trust the test keys.
    monkeypatch.setattr(module, "AUTHORIZER", authorizer)
    # What Lambda's runtime does with LoggingConfig's JSON format and ApplicationLogLevel
    # INFO (the local runtime's copy of its formatter), into a stream of this test's own.
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLogFormatter())
    logger: logging.Logger = module.logger
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield module
    finally:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)


def logged_lines(module: ModuleType) -> str:
    handler = next(h for h in module.logger.handlers if isinstance(h, logging.StreamHandler))
    stream = handler.stream
    assert isinstance(stream, io.StringIO)
    return stream.getvalue()


def test_allows_and_logs_without_the_token(
    handler_module: ModuleType,
    id_token: Callable[..., str],
    lambda_context: LambdaContext,
) -> None:
    handler_module.logger.setLevel("DEBUG")
    token = id_token(admin=True)
    response = handler_module.lambda_handler(authorizer_event(bearer=token), lambda_context)
    assert response["isAuthorized"] is True
    assert response["context"]["ctx"] == "Cust12345"
    logged = logged_lines(handler_module)
    assert token not in logged
    assert token.split(".")[1] not in logged  # not even the payload
    record = json.loads(logged.strip().splitlines()[-1])
    assert record["message"] == "allowed"
    assert record["ctx"] == "Cust12345"
    assert record["token_kind"] == "superoffice_id_token"


def test_allowed_decisions_are_not_logged_at_info(
    handler_module: ModuleType, id_token: Callable[..., str], lambda_context: LambdaContext
) -> None:
    handler_module.logger.setLevel("INFO")
    response = handler_module.lambda_handler(authorizer_event(bearer=id_token()), lambda_context)
    assert response["isAuthorized"] is True
    assert logged_lines(handler_module) == ""


def test_denies_bad_token_and_logs_the_reason_not_the_token(
    handler_module: ModuleType,
    session_token: Callable[..., str],
    lambda_context: LambdaContext,
) -> None:
    token = session_token()
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    event = authorizer_event(cookies=[f"{SESSION_COOKIE_NAME}={tampered}"])
    assert handler_module.lambda_handler(event, lambda_context) == {"isAuthorized": False}
    logged = logged_lines(handler_module)
    assert tampered not in logged
    record = json.loads(logged.strip().splitlines()[-1])
    assert record["message"] == "denied"
    assert record["reason"]


def test_unexpected_error_denies(
    handler_module: ModuleType, lambda_context: LambdaContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(_request: object) -> None:
        raise RuntimeError("secret-looking detail")

    monkeypatch.setattr(handler_module.AUTHORIZER, "decide", explode)
    response = handler_module.lambda_handler(authorizer_event(bearer="a.b.c"), lambda_context)
    assert response == {"isAuthorized": False}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    event=st.one_of(
        json_values,
        st.fixed_dictionaries(
            {
                "routeKey": st.sampled_from(
                    ["GET /tenants/{ctx}", "POST /tenants/{ctx}/uninstall", "$default"]
                )
                | st.text(max_size=20),
                "headers": st.dictionaries(
                    st.sampled_from(["authorization", "Authorization", "cookie", "x"]),
                    st.text(max_size=60)
                    | st.from_regex(r"Bearer [A-Za-z0-9_.\-]{0,80}", fullmatch=True),
                ),
                "cookies": st.lists(st.text(max_size=40)) | json_values,
                "pathParameters": st.dictionaries(st.just("ctx"), st.text(max_size=12))
                | json_values,
                "rawPath": st.text(max_size=30) | json_values,
            },
        ),
    )
)
def test_handler_never_raises_whatever_the_event(handler_module: ModuleType, event: Any) -> None:
    response = handler_module.lambda_handler(event, LambdaContext())
    assert response == {"isAuthorized": False}


def test_bad_configuration_fails_at_cold_start_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key, value in SOD_SETTINGS.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("SUPEROFFICE_ENVIRONMENT", "production")
    monkeypatch.delenv("SUPEROFFICE_SIGNING_CERTIFICATE", raising=False)
    with pytest.raises(ConfigError, match="SUPEROFFICE_SIGNING_CERTIFICATE"):
        load_function_module("token_validation")


def test_handler_module_does_not_import_boto3_or_httpx() -> None:
    """Checked in a fresh interpreter: this test process has imported them all already."""
    import subprocess
    import sys

    from tests.conftest import REPO

    code = (
        "import sys, runpy\n"
        "sys.path[:0] = ['functions/token_validation', 'layers/shared']\n"
        "import app\n"
        "heavy = ('boto3', 'botocore.session', 'botocore.client', 'httpx', 'jwt',"
        " 'cryptography.x509')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**SOD_SETTINGS, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "[]"


def test_a_log_line_carries_the_api_request_id_as_its_correlation_id(
    handler_module: ModuleType, lambda_context: LambdaContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The id API Gateway gives the request (its access log's `requestId`, the id the app's
    pages show) is the `correlation_id` of the authorizer's lines, as of the other functions'."""
    event = authorizer_event(bearer="a.b.c")
    event["requestContext"]["requestId"] = "Jq3xKhLZFiAEMbw="
    assert handler_module.lambda_handler(event, lambda_context) == {"isAuthorized": False}
    denied = json.loads(logged_lines(handler_module).strip().splitlines()[-1])
    assert denied["message"] == "denied"
    assert denied["correlation_id"] == "Jq3xKhLZFiAEMbw="

    def explode(_request: object) -> None:
        raise RuntimeError("unexpected")

    monkeypatch.setattr(handler_module.AUTHORIZER, "decide", explode)
    handler_module.lambda_handler(event, lambda_context)
    failed = json.loads(logged_lines(handler_module).strip().splitlines()[-1])
    assert failed["message"] == "authorizer error, denying"
    assert failed["correlation_id"] == "Jq3xKhLZFiAEMbw="
