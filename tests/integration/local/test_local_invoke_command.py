"""`python -m local invoke` on small functions of a temporary template, in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from local import defaults
from local.cli import main

pytestmark = pytest.mark.integration

TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  EnvironmentName:
    Type: String
    AllowedValues: [sod, stage, production, local]
  SigningCertificate:
    Type: String
    Default: ""
Globals:
  Function:
    Runtime: python3.13
    Timeout: 3
    MemorySize: 256
    Layers:
      - !Ref HelperLayer
    Environment:
      Variables:
        SUPEROFFICE_ENVIRONMENT: !Ref EnvironmentName
        SUPEROFFICE_SIGNING_CERTIFICATE: !Ref SigningCertificate
        TENANTS_TABLE: !Ref TenantsTable
Resources:
  HelperLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layer/
  TenantsTable:
    Type: AWS::DynamoDB::Table
  EchoFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: echo/
      Handler: app.lambda_handler
      Environment:
        Variables:
          GREETING: hello
  SlowFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: slow/
      Handler: app.lambda_handler
      Timeout: 1
  FailingFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: failing/
      Handler: app.lambda_handler
  BrokenImportFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: broken/
      Handler: app.lambda_handler
"""

ECHO = """
import logging
import os
import sys

import helper

print("cold start of echo")


def lambda_handler(event, context):
    print("echo got", event)
    logging.getLogger().warning("a warning from the root logger")
    try:
        import local  # noqa: F401
        local_importable = True
    except ImportError:
        local_importable = False
    return {
        "event": event,
        "helper": helper.NAME,
        "local_importable": local_importable,
        "cwd": os.getcwd(),
        "sys_path": sys.path,
        "env": dict(os.environ),
        "context": {
            "function_name": context.function_name,
            "function_version": context.function_version,
            "invoked_function_arn": context.invoked_function_arn,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "aws_request_id": context.aws_request_id,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "remaining": context.get_remaining_time_in_millis(),
        },
    }
"""

SLOW = """
import subprocess
import sys
import time


def lambda_handler(event, context):
    print("going to sleep")
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    with open(event["pid_file"], "w") as file:
        file.write(str(child.pid))
    time.sleep(30)
    return "never"
"""

FAILING = """
def lambda_handler(event, context):
    print("about to fail")
    raise ValueError("the tenant is not installed")
"""

BROKEN = """
import a_module_that_does_not_exist  # noqa: F401


def lambda_handler(event, context):
    return "unreachable"
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("project")
    (root / "template.yaml").write_text(TEMPLATE)
    for folder, code in {"echo": ECHO, "slow": SLOW, "failing": FAILING, "broken": BROKEN}.items():
        (root / folder).mkdir()
        (root / folder / "app.py").write_text(code)
    (root / "layer").mkdir()
    (root / "layer" / "helper.py").write_text('NAME = "from the layer"\n')
    (root / "state").mkdir()
    return root


def invoke(
    project: Path, *arguments: str, stdin: str | None = None, timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "LOCAL_STATE_DIR": str(project / "state"),
        "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8000",
        "SOMETHING_ONLY_THE_SHELL_HAS": "leak",
    }
    return subprocess.run(
        [sys.executable, "-m", "local", "invoke", "-t", str(project / "template.yaml"), *arguments],
        cwd=defaults.REPO_ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def write_event(project: Path, name: str, event: Any) -> Path:
    path = project / name
    path.write_text(json.dumps(event))
    return path


def test_result_on_stdout_logs_on_stderr(project: Path) -> None:
    event_file = write_event(project, "event.json", {"hello": "world"})
    result = invoke(project, "EchoFunction", "-e", str(event_file))
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)  # nothing but the result
    assert output["event"] == {"hello": "world"}
    assert "cold start of echo" in result.stderr
    assert "echo got {'hello': 'world'}" in result.stderr
    request_id = output["context"]["aws_request_id"]
    assert "[WARNING]\t" in result.stderr
    assert f"\t{request_id}\ta warning from the root logger" in result.stderr
    assert f"START RequestId: {request_id} Version: $LATEST" in result.stderr
    assert f"END RequestId: {request_id}" in result.stderr
    assert f"REPORT RequestId: {request_id}\tDuration: " in result.stderr


def test_function_sees_its_template_environment_and_nothing_else(project: Path) -> None:
    output = json.loads(invoke(project, "EchoFunction", "-e", "-", stdin="{}").stdout)
    env = output["env"]
    assert env["GREETING"] == "hello"
    assert env["SUPEROFFICE_ENVIRONMENT"] == "local"
    assert env["TENANTS_TABLE"] == "superoffice-app-local-TenantsTable"
    certificate = (project / "state" / "superoffice" / "signing-cert.pem").read_text()
    assert env["SUPEROFFICE_SIGNING_CERTIFICATE"] == certificate
    assert env["AWS_ENDPOINT_URL_DYNAMODB"] == "http://127.0.0.1:8000"
    assert "SOMETHING_ONLY_THE_SHELL_HAS" not in env
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "superoffice-app-local-EchoFunction"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_LAMBDA_FUNCTION_TIMEOUT"] == "3"
    assert env["_HANDLER"] == "app.lambda_handler"
    assert env["LAMBDA_TASK_ROOT"] == str(project / "echo")


def test_function_has_its_code_and_layer_on_the_path_but_not_the_repository(
    project: Path,
) -> None:
    output = json.loads(invoke(project, "EchoFunction").stdout)
    assert output["event"] == {}
    assert output["helper"] == "from the layer"
    assert output["local_importable"] is False
    assert output["sys_path"][:2] == [str(project / "echo"), str(project / "layer")]
    repository = str(defaults.REPO_ROOT)
    assert all(entry not in ("", ".", repository) for entry in output["sys_path"])
    assert output["cwd"] == str(project / "echo")


def test_lambda_context(project: Path) -> None:
    context = json.loads(invoke(project, "EchoFunction").stdout)["context"]
    assert context["function_name"] == "superoffice-app-local-EchoFunction"
    assert context["function_version"] == "$LATEST"
    assert context["invoked_function_arn"] == (
        "arn:aws:lambda:eu-west-1:123456789012:function:superoffice-app-local-EchoFunction"
    )
    assert context["memory_limit_in_mb"] == "256"
    assert len(context["aws_request_id"]) == 36
    assert context["log_group_name"] == "/aws/lambda/superoffice-app-local-EchoFunction"
    assert context["log_stream_name"]
    assert 2000 < context["remaining"] <= 3000


def test_env_vars_file_overrides_declared_variables_only(project: Path) -> None:
    overrides = write_event(
        project,
        "env.json",
        {"EchoFunction": {"GREETING": "hi", "UNDECLARED": "x"}, "Parameters": {"TENANTS_TABLE": 7}},
    )
    result = invoke(project, "EchoFunction", "--env-vars", str(overrides))
    env = json.loads(result.stdout)["env"]
    assert env["GREETING"] == "hi"
    assert env["TENANTS_TABLE"] == "7"
    assert "UNDECLARED" not in env
    assert "UNDECLARED is not a variable of EchoFunction" in result.stderr


def test_timeout_kills_the_function_and_what_it_started(project: Path) -> None:
    pid_file = project / "slow.pid"
    started = time.monotonic()
    result = invoke(
        project, "SlowFunction", "-e", "-", stdin=json.dumps({"pid_file": str(pid_file)})
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 0
    assert elapsed < 5
    error = json.loads(result.stdout)
    assert error["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in error["errorMessage"]
    assert "Function 'SlowFunction' timed out after 1 seconds" in result.stderr
    assert "going to sleep" in result.stderr
    grandchild = int(pid_file.read_text())
    status = Path(f"/proc/{grandchild}/status")
    if status.parent.parent.exists():  # Linux: gone, or a zombie nobody reaped yet
        assert not status.exists() or "zombie" in status.read_text()


def test_handler_exception_becomes_lambdas_error_object(project: Path) -> None:
    result = invoke(project, "FailingFunction")
    assert result.returncode == 0
    error = json.loads(result.stdout)
    assert error["errorType"] == "ValueError"
    assert error["errorMessage"] == "the tenant is not installed"
    assert error["requestId"]
    assert any(
        "failing/app.py" in frame and "lambda_handler" in frame for frame in error["stackTrace"]
    )
    assert all("_lambda_process" not in frame for frame in error["stackTrace"])
    assert "[ERROR] ValueError: the tenant is not installed" in result.stderr


def test_import_error_is_reported_as_lambda_does(project: Path) -> None:
    result = invoke(project, "BrokenImportFunction")
    assert result.returncode == 0
    error = json.loads(result.stdout)
    assert error["errorType"] == "Runtime.ImportModuleError"
    assert "Unable to import module 'app'" in error["errorMessage"]
    assert "a_module_that_does_not_exist" in error["errorMessage"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["NoSuchFunction"],
            "no function 'NoSuchFunction' in the template; functions: "
            "BrokenImportFunction, EchoFunction, FailingFunction, SlowFunction",
        ),
        ([], "say which function to invoke; functions: BrokenImportFunction"),
        (["EchoFunction", "-e", "/nonexistent/event.json"], "event file not found"),
        (["EchoFunction", "--env-vars", "/nonexistent/env.json"], "--env-vars file not found"),
        (["EchoFunction", "--parameter-overrides", "NoEquals"], "is not KEY=VALUE"),
        (
            ["EchoFunction", "--parameter-overrides", "EnvironmentName=moon"],
            "parameter EnvironmentName='moon' is not one of",
        ),
    ],
)
def test_bad_arguments(
    project: Path,
    arguments: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # In-process: the same code path as the command line, without a Python start-up each.
    monkeypatch.setenv("LOCAL_STATE_DIR", str(project / "state"))
    code = main(["invoke", "-t", str(project / "template.yaml"), *arguments])
    captured = capsys.readouterr()
    assert code in (1, 2)
    assert captured.out == ""
    assert message in captured.err
    assert "Traceback" not in captured.err


def test_exit_codes_of_bad_arguments(project: Path) -> None:
    assert invoke(project, "NoSuchFunction").returncode == 2
    invalid = invoke(project, "EchoFunction", "-e", "-", stdin="{not json")
    assert invalid.returncode == 2
    assert "the event in stdin is not valid JSON" in invalid.stderr
    assert invalid.stdout == ""


def test_missing_template(project: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "local", "invoke", "X", "-t", str(tmp_path / "none.yaml")],
        cwd=defaults.REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert f"template not found: {tmp_path / 'none.yaml'}" in result.stderr
