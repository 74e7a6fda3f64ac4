"""The environment a function's process gets: the template's, Lambda's, nothing else."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import pytest

from local.lambda_runtime import FAKE_CREDENTIALS, function_process_environment
from local.template import FunctionSpec
from tests.function_specs import function_spec


def make_function(tmp_path: Path) -> FunctionSpec:
    return function_spec(
        tmp_path / "code",
        environment=MappingProxyType({"TABLE": "t", "AWS_REGION": "attempted-override"}),
        layers=(tmp_path / "layer",),
    )


PARENT = {
    "PATH": "/usr/bin",
    "HOME": "/home/dev",
    "SECRET_OF_THE_SHELL": "x",
    "PYTHONPATH": "/repo",
    "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8000",
    "AWS_ENDPOINT_URL": "http://127.0.0.1:5000",
    "AWS_PROFILE": "prod",
}


def test_clean_environment(tmp_path: Path) -> None:
    env = function_process_environment(make_function(tmp_path), parent_environ=PARENT)
    assert "SECRET_OF_THE_SHELL" not in env
    assert "AWS_PROFILE" not in env
    assert env["PATH"] == "/usr/bin"
    assert env["HOME"] == "/home/dev"
    assert env["AWS_ENDPOINT_URL_DYNAMODB"] == "http://127.0.0.1:8000"
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5000"
    assert env["TABLE"] == "t"
    # The code folder first, then the layers; the repository never.
    assert env["PYTHONPATH"] == f"{tmp_path / 'code'}:{tmp_path / 'layer'}"
    for name, value in FAKE_CREDENTIALS.items():
        assert env[name] == value


def test_reserved_lambda_variables(tmp_path: Path) -> None:
    env = function_process_environment(make_function(tmp_path), parent_environ=PARENT)
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "superoffice-app-local-Fn"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "1024"
    assert env["AWS_LAMBDA_FUNCTION_TIMEOUT"] == "5"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/superoffice-app-local-Fn"
    assert "[$LATEST]" in env["AWS_LAMBDA_LOG_STREAM_NAME"]
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.13"
    assert env["_HANDLER"] == "app.lambda_handler"
    assert env["LAMBDA_TASK_ROOT"] == str(tmp_path / "code")


def test_given_credentials_and_overrides(tmp_path: Path) -> None:
    parent = {**PARENT, "AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "s"}
    env = function_process_environment(
        make_function(tmp_path),
        parent_environ=parent,
        overrides={"TABLE": "other", "AWS_LAMBDA_FUNCTION_NAME": "nope"},
    )
    assert env["AWS_ACCESS_KEY_ID"] == "AKIA"
    assert env["AWS_SECRET_ACCESS_KEY"] == "s"
    assert "AWS_SESSION_TOKEN" not in env
    assert env["TABLE"] == "other"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "superoffice-app-local-Fn"


@pytest.mark.parametrize("missing", ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"])
def test_half_credentials_are_replaced_by_fake_ones(tmp_path: Path, missing: str) -> None:
    parent = {**PARENT, "AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "s"}
    del parent[missing]
    env = function_process_environment(make_function(tmp_path), parent_environ=parent)
    assert env["AWS_ACCESS_KEY_ID"] == "testing"
