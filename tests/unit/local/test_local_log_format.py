"""LoggingConfig locally: the template's log format and level reach the function's process,
and the local bootstrap formats records the way AWS's Python runtime does with them."""

from __future__ import annotations

import io
import json
import logging
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from local import defaults
from local._lambda_process import JsonLogFormatter
from local.lambda_runtime import function_process_environment
from local.naming import LocalNames
from local.template import FunctionSpec, load_template
from tests.function_specs import function_spec

CERTIFICATE = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def make_function(tmp_path: Path) -> FunctionSpec:
    return function_spec(tmp_path / "code")


@pytest.mark.parametrize(
    ("log_level", "lambda_level"),
    [("DEBUG", "DEBUG"), ("INFO", "INFO"), ("WARNING", "WARN"), ("ERROR", "ERROR")],
)
def test_the_authorizer_logs_json_at_the_templates_level(log_level: str, lambda_level: str) -> None:
    parameters = {
        **defaults.template_parameters(signing_certificate=CERTIFICATE),
        "LogLevel": log_level,
    }
    template = load_template(defaults.TEMPLATE_PATH, parameters=parameters, names=LocalNames())
    function = template.function("TokenValidationFunction")
    assert function.log_format == "JSON"
    assert function.application_log_level == lambda_level
    env = function_process_environment(function, parent_environ={})
    assert env["AWS_LAMBDA_LOG_FORMAT"] == "JSON"
    assert env["AWS_LAMBDA_LOG_LEVEL"] == lambda_level


def test_functions_without_logging_config_keep_the_text_format(tmp_path: Path) -> None:
    env = function_process_environment(make_function(tmp_path), parent_environ={})
    assert "AWS_LAMBDA_LOG_FORMAT" not in env
    assert "AWS_LAMBDA_LOG_LEVEL" not in env


def test_json_format_without_a_level_is_info_as_on_aws(tmp_path: Path) -> None:
    function = replace(make_function(tmp_path), log_format="JSON")
    env = function_process_environment(function, parent_environ={})
    assert env["AWS_LAMBDA_LOG_FORMAT"] == "JSON"
    assert env["AWS_LAMBDA_LOG_LEVEL"] == "INFO"


def formatted(record: logging.LogRecord) -> dict[str, object]:
    line = JsonLogFormatter().format(record)
    assert "\n" not in line
    parsed = json.loads(line)
    assert isinstance(parsed, dict)
    return parsed


def test_json_lines_have_awss_keys_and_the_extra_fields() -> None:
    logger = logging.getLogger("token-validation")
    record = logger.makeRecord(
        "token-validation",
        logging.INFO,
        __file__,
        1,
        "denied",
        (),
        None,
        extra={"aws_request_id": "req-1", "route": "GET /x", "ctx": None, "reason": "no"},
    )
    line = formatted(record)
    assert line.pop("timestamp")
    assert line == {
        "level": "INFO",
        "message": "denied",
        "logger": "token-validation",
        "requestId": "req-1",
        "route": "GET /x",
        "reason": "no",  # ctx was None: left out, as AWS does
    }


def test_json_lines_of_exceptions_name_type_message_and_place() -> None:
    try:
        raise ValueError("broken")
    except ValueError:
        record = logging.getLogger("x").makeRecord(
            "x", logging.WARNING, __file__, 7, "failed", (), sys.exc_info()
        )
    line = formatted(record)
    assert line["level"] == "WARNING"
    assert line["errorType"] == "ValueError"
    assert line["errorMessage"] == "broken"
    assert isinstance(line["stackTrace"], list)
    assert str(line["location"]).endswith(":7")


def test_the_bootstrap_installs_the_format_and_level_of_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from local import _lambda_process

    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    stdout = io.StringIO()
    monkeypatch.setattr("sys.stdout", stdout)
    monkeypatch.setenv("AWS_LAMBDA_LOG_FORMAT", "JSON")
    monkeypatch.setenv("AWS_LAMBDA_LOG_LEVEL", "WARN")
    current = _lambda_process._CurrentRequest()
    current.request_id = "req-2"
    try:
        _lambda_process._install_log_handler(current)
        assert root.level == logging.WARNING
        logging.getLogger("fn").warning("careful", extra={"token_kind": "session"})
        logging.getLogger("fn").info("not written at WARN")
    finally:
        for handler in root.handlers[:]:
            if handler not in before[0]:
                root.removeHandler(handler)
        root.setLevel(before[1])
    (line,) = stdout.getvalue().splitlines()
    record = json.loads(line)
    assert record["message"] == "careful"
    assert record["requestId"] == "req-2"
    assert record["token_kind"] == "session"
