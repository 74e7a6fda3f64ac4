"""`invoke_function`, the API the local runner shares with `python -m local invoke`."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import pytest

from local.lambda_runtime import (
    EXIT_ERROR_TYPE,
    LambdaRuntimeError,
    invoke_function,
)
from local.template import FunctionSpec
from tests.integration.local.function_specs import one_file_function

pytestmark = pytest.mark.integration

CODE = """
import os
import sys


def ok(event, context):
    print("working on", event["n"])
    return {"double": event["n"] * 2, "variable": os.environ["SETTING"]}


def unmarshallable(event, context):
    return {"value": object()}


def exits(event, context):
    sys.exit(4)
"""


def spec(tmp_path: Path, handler: str, **changes: object) -> FunctionSpec:
    changes.setdefault("environment", MappingProxyType({"SETTING": "from-template"}))
    return one_file_function(tmp_path, CODE, handler, **changes)


def test_result_logs_and_timings(tmp_path: Path) -> None:
    lines: list[str] = []
    result = invoke_function(
        spec(tmp_path, "app.ok"),
        {"n": 21},
        overrides={"SETTING": "overridden"},
        log=lines.append,
        request_id="req-1",
    )
    assert result.ok
    assert not result.timed_out
    assert result.payload == {"double": 42, "variable": "overridden"}
    assert result.payload_json() == '{"double": 42, "variable": "overridden"}'
    assert result.request_id == "req-1"
    assert result.init_duration_ms > 0
    assert result.duration_ms >= 0
    assert lines[0] == "START RequestId: req-1 Version: $LATEST"
    assert "working on 21" in lines
    assert lines[-2] == "END RequestId: req-1"
    assert lines[-1].startswith("REPORT RequestId: req-1\tDuration: ")


def test_unserializable_result_is_a_marshal_error(tmp_path: Path) -> None:
    result = invoke_function(spec(tmp_path, "app.unmarshallable"), {}, log=lambda _line: None)
    assert result.error_type == "Runtime.MarshalError"
    assert "Unable to marshal response" in result.payload["errorMessage"]


def test_exiting_process_is_an_exit_error(tmp_path: Path) -> None:
    result = invoke_function(spec(tmp_path, "app.exits"), {}, log=lambda _line: None)
    assert result.error_type == EXIT_ERROR_TYPE
    assert result.payload["errorMessage"].endswith("Runtime exited with error: exit status 4")


def test_missing_handler_function(tmp_path: Path) -> None:
    result = invoke_function(spec(tmp_path, "app.nothing"), {}, log=lambda _line: None)
    assert result.error_type == "Runtime.HandlerNotFound"
    assert result.payload["errorMessage"] == "Handler 'nothing' missing on module 'app'"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"runtime": "nodejs22.x"}, "runtime nodejs22.x cannot run locally"),
        ({"code_uri": Path("/nonexistent/code")}, "code folder /nonexistent/code does not exist"),
        ({"layers": (Path("/nonexistent/layer"),)}, "layer /nonexistent/layer does not exist"),
    ],
)
def test_functions_that_cannot_start(
    tmp_path: Path, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(LambdaRuntimeError, match=message):
        invoke_function(spec(tmp_path, "app.ok", **changes), {})
