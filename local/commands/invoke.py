"""`python -m local invoke`: run one function of template.yaml once, as `sam local invoke`.

stdout carries only what the function returned (or Lambda's error object); the
function's logs and the START/END/REPORT lines go to stderr. Like sam, the exit code is 0
whenever the function ran, whatever it returned.

Where AWS is, in this order: endpoints the shell already sets (`AWS_ENDPOINT_URL*`) are
used as they are; else the stack `python -m local up` runs (found through
`<state dir>/stack.json`, same template), with its tables, keys, secrets and simulator;
else an embedded stack (DynamoDB Local in memory, moto, the simulator) is started,
provisioned, used for this one invocation and stopped. Its simulator listens where
`python -m local token` says tokens come from (`$SUPEROFFICE_LOCAL_BASE_URL`, else
127.0.0.1:3001), so a token printed before is of this simulator's issuer; only if that
port is taken does it listen elsewhere, and says so.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from local import defaults
from local.cfn_yaml import TemplateSyntaxError, read_template
from local.commands import CommandError
from local.lambda_runtime import InvocationResult, LambdaRuntimeError, invoke_function
from local.naming import LocalNames
from local.runner import (
    RunningStack,
    StackInfo,
    StackPorts,
    find_running_stack,
    start_local_stack,
)
from local.runner.function_runner import aws_environment
from local.services import PortInUseError, ServiceError
from local.superid_keys import load_or_create_signing_key
from local.template import FunctionSpec, Template, TemplateError, UnknownFunctionError


def add_parser(subcommands: Any) -> None:
    parser = subcommands.add_parser(
        "invoke",
        help="run one function of template.yaml once, as `sam local invoke` does",
        description=(
            "Run a function of the template in its own process with the environment the "
            "template gives it (local parameter values), its timeout enforced. Prints the "
            "function's result on stdout and its logs on stderr."
        ),
    )
    parser.add_argument(
        "logical_id",
        nargs="?",
        metavar="LogicalId",
        help="the function's logical id (may be left out if the template has one function)",
    )
    parser.add_argument(
        "-e",
        "--event",
        metavar="FILE",
        help="JSON file with the event, '-' for stdin (default: {})",
    )
    parser.add_argument(
        "-t",
        "--template",
        type=Path,
        default=defaults.TEMPLATE_PATH,
        help="the SAM template (default: template.yaml of the repository)",
    )
    parser.add_argument(
        "-n",
        "--env-vars",
        metavar="FILE",
        type=Path,
        help='variable overrides as sam takes them: {"LogicalId": {"VAR": "value"}}',
    )
    parser.add_argument(
        "--parameter-overrides",
        nargs="+",
        metavar="KEY=VALUE",
        default=[],
        help="template parameter values replacing the local defaults",
    )
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    event = _read_event(arguments.event)
    env_vars = _read_env_vars(arguments.env_vars) if arguments.env_vars else {}
    overrides = _parameter_overrides(arguments.parameter_overrides)
    template = _load(arguments.template, overrides)
    function = _select_function(template, arguments.logical_id)  # bad arguments fail first
    if _endpoints_chosen_by_the_shell(os.environ):
        result = _invoke(function, event, _variable_overrides(env_vars, function))
    else:
        state_dir = defaults.local_state_dir()
        running = find_running_stack(state_dir)
        if running is not None and Path(running.template) == arguments.template.resolve():
            print(f"invoke: using the running stack at {running.app_url}", file=sys.stderr)
            result = _invoke_on_running_stack(
                running,
                arguments,
                overrides=overrides,
                logical_id=function.logical_id,
                event=event,
                env_vars=env_vars,
            )
        else:
            result = _invoke_on_embedded_stack(
                state_dir,
                arguments,
                overrides=overrides,
                logical_id=function.logical_id,
                event=event,
                env_vars=env_vars,
            )
    sys.stdout.write(result.payload_json() + "\n")
    sys.stdout.flush()
    return 0


def _endpoints_chosen_by_the_shell(environ: Mapping[str, str]) -> bool:
    return any(name.startswith("AWS_ENDPOINT_URL") and value for name, value in environ.items())


def _invoke(function: FunctionSpec, event: Any, variables: Mapping[str, str]) -> InvocationResult:
    try:
        return invoke_function(function, event, overrides=variables)
    except LambdaRuntimeError as error:
        raise CommandError(str(error)) from error


def _invoke_on_running_stack(
    running: StackInfo,
    arguments: argparse.Namespace,
    *,
    overrides: Mapping[str, str],
    logical_id: str,
    event: Any,
    env_vars: Mapping[str, Any],
) -> InvocationResult:
    names = LocalNames(region=running.region, sqs_endpoint=running.moto_endpoint)
    stack_parameters = {
        "AppBaseUrl": running.app_url,
        "LocalBaseUrl": running.simulator_url,
        # A stack against a real SuperOffice or behind a public URL: as it runs.
        **running.parameters,
    }
    template = _load(
        arguments.template,
        {**stack_parameters, **overrides},
        names=names,
        physical_ids=running.physical_ids,
    )
    function = _select_function(template, logical_id)
    environment = aws_environment(
        dynamodb=running.dynamodb_endpoint, moto=running.moto_endpoint, region=running.region
    )
    return _invoke(function, event, {**environment, **_variable_overrides(env_vars, function)})


def _invoke_on_embedded_stack(
    state_dir: Path,
    arguments: argparse.Namespace,
    *,
    overrides: Mapping[str, str],
    logical_id: str,
    event: Any,
    env_vars: Mapping[str, Any],
) -> InvocationResult:
    def start(ports: StackPorts) -> RunningStack:
        return start_local_stack(
            ports=ports,
            state_dir=state_dir,
            template_path=arguments.template,
            persistent=False,
            serve_http=False,
            event_sources=False,
            write_stack_json=False,
            log=_quiet_stderr,
        )

    issuer_port = _token_issuer_port()
    try:
        try:
            stack = start(StackPorts(app=0, simulator=issuer_port or 0, dynamodb=0, moto=0))
        except PortInUseError:
            stack = start(StackPorts.free())
            print(
                f"invoke: port {issuer_port} is taken, so the embedded simulator listens at "
                f"{stack.simulator_url}: a token needs `python -m local token --base-url "
                f"{stack.simulator_url}`",
                file=sys.stderr,
                flush=True,
            )
    except (ServiceError, TemplateError) as error:
        raise CommandError(f"the embedded local stack could not start: {error}", 1) from None
    with stack:
        template = _load(
            arguments.template,
            {
                "AppBaseUrl": stack.app_url,
                "LocalBaseUrl": stack.simulator_url,
                **overrides,
            },
            names=stack.template.names,
            physical_ids=stack.physical_ids,
        )
        function = _select_function(template, logical_id)
        environment = aws_environment(
            dynamodb=stack.dynamodb_endpoint, moto=stack.moto_endpoint, region=template.names.region
        )
        return _invoke(function, event, {**environment, **_variable_overrides(env_vars, function)})


def _token_issuer_port() -> int | None:
    """The port of the simulator `python -m local token` signs for, if it is on loopback."""
    address = urlsplit(defaults.simulator_base_url())
    if address.hostname not in {defaults.LOCAL_HOST, "localhost"}:
        return None
    try:
        return address.port or None
    except ValueError:  # a port that is not a number: the stack picks one
        return None


def _quiet_stderr(line: str) -> None:
    # The simulator's request lines are noise around one invocation; the rest is not.
    if not line.startswith("[simulator]"):
        print(line, file=sys.stderr, flush=True)


def _read_event(source: str | None) -> Any:
    if source is None:
        return {}
    name = "stdin" if source == "-" else source
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text("utf-8")
    except FileNotFoundError:
        raise CommandError(f"event file not found: {source}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"cannot read the event from {name}: {error}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise CommandError(f"the event in {name} is not valid JSON: {error}") from None


def _read_env_vars(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise CommandError(f"--env-vars file not found: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CommandError(f"--env-vars {path} is not a readable JSON file: {error}") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise CommandError(f'--env-vars {path} must look like {{"LogicalId": {{"VAR": "value"}}}}')
    return data


def _parameter_overrides(pairs: list[str]) -> dict[str, str]:
    overrides: dict[str, str] = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name:
            raise CommandError(f"--parameter-overrides: {pair!r} is not KEY=VALUE")
        overrides[name] = value
    return overrides


def _load(
    path: Path,
    overrides: Mapping[str, str],
    *,
    names: LocalNames | None = None,
    physical_ids: Mapping[str, str] | None = None,
) -> Template:
    if not path.is_file():
        raise CommandError(f"template not found: {path}")
    try:
        document = read_template(path)
        # The signing certificate is only worth a key on disk if the template asks for it.
        certificate = ""
        if "SigningCertificate" in (document.get("Parameters") or {}):
            certificate = load_or_create_signing_key(defaults.local_state_dir()).certificate_pem
        parameters = {**defaults.template_parameters(signing_certificate=certificate), **overrides}
        return Template(
            document,
            path=path,
            parameters=parameters,
            names=names or LocalNames.from_environment(),
            physical_ids=physical_ids,
        )
    except (OSError, UnicodeDecodeError, TemplateSyntaxError, TemplateError) as error:
        raise CommandError(f"{path}: {error}", exit_code=1) from error


def _select_function(template: Template, logical_id: str | None) -> FunctionSpec:
    if logical_id is None:
        known = template.function_ids()
        if len(known) != 1:
            raise CommandError(
                "say which function to invoke; functions: " + (", ".join(known) or "none")
            )
        logical_id = known[0]
    try:
        return template.function(logical_id)
    except UnknownFunctionError as error:
        raise CommandError(str(error)) from error
    except TemplateError as error:
        raise CommandError(str(error), exit_code=1) from error


def _variable_overrides(env_vars: Mapping[str, Any], function: FunctionSpec) -> dict[str, str]:
    """sam's precedence: "Parameters" for every function, then the function's own entry.

    As in sam, only variables the template declares for the function can be overridden;
    the others are reported and ignored.
    """
    wanted: dict[str, Any] = {
        **env_vars.get("Parameters", {}),
        **env_vars.get(function.logical_id, {}),
        **env_vars.get(function.function_name, {}),
    }
    overrides: dict[str, str] = {}
    for name, value in wanted.items():
        if name not in function.environment:
            print(
                f"--env-vars: {name} is not a variable of {function.logical_id} in the "
                "template; ignored (as sam does)",
                file=sys.stderr,
            )
            continue
        if isinstance(value, dict | list):
            raise CommandError(f"--env-vars: the value of {name} must be a string")
        overrides[name] = "" if value is None else _text(value)
    return overrides


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
