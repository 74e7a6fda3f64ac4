"""`python -m local up`: the whole local stack (`make up`), until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from local import defaults
from local.commands import CommandError
from local.commands.simulator import _port
from local.environment_pool import idle_seconds_setting
from local.runner import RunningStack, StackPorts, start_local_stack
from local.runner.public_url import public_url
from local.runner.real_superoffice import RealSuperOffice
from local.services import PortInUseError, ServiceError
from local.simulator.contract_refusals import MODES
from local.template import TemplateError


def add_parser(subcommands: Any) -> None:
    parser = subcommands.add_parser(
        "up",
        help="run the local stack: the app's HTTP API, simulator, DynamoDB Local, moto",
        description=(
            "Start the SuperOffice simulator, DynamoDB Local and moto, create the "
            "template's tables, keys, queues and secrets, and serve the template's HTTP "
            "API, schedules and SQS event sources with the real handlers until Ctrl-C. "
            "Port 0 picks a free port."
        ),
    )
    for option, default, what in (
        ("--port", defaults.APP_PORT, "the app's HTTP API"),
        ("--simulator-port", defaults.SIMULATOR_PORT, "the SuperOffice simulator"),
        ("--dynamodb-port", defaults.DYNAMODB_PORT, "DynamoDB Local"),
        ("--moto-port", defaults.MOTO_PORT, "moto (KMS, Secrets Manager, SQS, EventBridge)"),
    ):
        parser.add_argument(option, type=_port, default=default, help=f"{what} (default {default})")
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        help="local data: keys, credentials, DynamoDB files (default $LOCAL_STATE_DIR or .local/)",
    )
    parser.add_argument(
        "-t",
        "--template",
        type=Path,
        default=defaults.TEMPLATE_PATH,
        help="the SAM template (default: template.yaml of the repository)",
    )
    parser.add_argument(
        "--superoffice",
        metavar="sod|stage|URL",
        default=None,
        help="sign in against this real SuperOffice instead of the simulator: sod, stage, "
        "or the base URL of any other SuperOffice (https; http only on loopback) "
        "(needs --credentials)",
    )
    parser.add_argument(
        "--public-url",
        metavar="https://HOST",
        default=None,
        help="the app's public base URL through an HTTPS tunnel to --port, so a real "
        "SuperOffice can call it back (CRM webhooks); without it, an install against a "
        "real SuperOffice skips them",
    )
    parser.add_argument(
        "--simulator-contract",
        choices=MODES,
        default=None,
        help="how the simulator holds the app's requests to SuperOffice's published "
        "contract: enforce (refuse as SuperOffice would; the default, or "
        "$LOCAL_SIMULATOR_CONTRACT), report (serve and record refusals), off",
    )
    parser.add_argument(
        "--credentials",
        type=Path,
        default=None,
        help="JSON file with your app's client_id, client_secret and private_key (and "
        "optionally signing_certificate, PEM) for --superoffice (keep it out of git)",
    )
    parser.add_argument(
        "--cold",
        action="store_true",
        help="start a new execution environment for every invocation (default: keep them "
        "warm and reuse them, as Lambda does; also $LOCAL_LAMBDA_COLD=1)",
    )
    parser.set_defaults(run=run)


def _raise_interrupt(_signal: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run(arguments: argparse.Namespace) -> int:
    ports = StackPorts(
        app=arguments.port,
        simulator=arguments.simulator_port,
        dynamodb=arguments.dynamodb_port,
        moto=arguments.moto_port,
    )
    state_dir = (arguments.state_dir or defaults.local_state_dir()).resolve()
    superoffice = _real_superoffice(arguments)
    try:
        idle_seconds_setting()  # named here, not as a traceback from inside the stack
    except ValueError as error:
        raise CommandError(str(error), exit_code=2) from None
    public = _public_url(arguments)
    # `kill` stops it as cleanly as Ctrl-C, including while it is still starting.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        stack = start_local_stack(
            ports=ports,
            state_dir=state_dir,
            template_path=arguments.template,
            superoffice=superoffice,
            simulator_contract=arguments.simulator_contract,
            public_url=public,
            warm=False if arguments.cold else None,
        )
    except PortInUseError as error:
        raise CommandError(str(error), exit_code=2) from None
    except (ServiceError, TemplateError) as error:
        raise CommandError(str(error), exit_code=1) from None
    try:
        print(banner(stack), flush=True)
        threading.Event().wait()  # until SIGINT/SIGTERM
    except KeyboardInterrupt:
        pass
    finally:
        print("stopping the local stack ...", file=sys.stderr, flush=True)
        stack.stop()
    return 0


def _real_superoffice(arguments: argparse.Namespace) -> RealSuperOffice | None:
    if arguments.superoffice is None:
        if arguments.credentials is not None:
            raise CommandError("--credentials goes with --superoffice sod|stage|URL", exit_code=2)
        return None
    if arguments.credentials is None:
        raise CommandError(
            f"--superoffice {arguments.superoffice} needs --credentials FILE", exit_code=2
        )
    try:
        return RealSuperOffice.from_file(arguments.superoffice, arguments.credentials)
    except ValueError as error:
        raise CommandError(str(error), exit_code=2) from None


def _public_url(arguments: argparse.Namespace) -> str | None:
    if arguments.public_url is None:
        return None
    try:
        return public_url(arguments.public_url)
    except ValueError as error:
        raise CommandError(str(error), exit_code=2) from None


def banner(stack: RunningStack) -> str:
    health = stack.health()
    lines = [
        "Local stack running (Ctrl-C stops everything it started):",
        f"  install page     {health['app']['install']}",
        f"  app (HTTP API)   {stack.app_url}   health {stack.health_url}",
    ]
    if stack.public_url:
        lines.append(f"  public URL       {stack.public_url}   (your tunnel to {stack.app_url})")
    if stack.superoffice is not None:
        real = stack.superoffice
        lines.append(
            f"  SuperOffice      {real.environment} {real.login_url}   client id "
            f"{real.client_id} (the simulator below is not used)"
        )
        if not stack.public_url:
            lines.append(
                "                   SuperOffice cannot call 127.0.0.1 back: installs skip CRM "
                "webhooks (--public-url https://<tunnel> for them)"
            )
    lines += [
        f"  simulator        {stack.simulator_url}   sign-in {health['simulator']['signIn']}",
        f"                   control API {health['simulator']['control']}",
        f"  DynamoDB         {stack.dynamodb_endpoint}   ({stack.dynamodb.engine}, "
        f"data: {health['dynamodb']['data']})",
        f"  moto             {stack.moto_endpoint}   (KMS, Secrets Manager, SQS, EventBridge)",
        f"  state            {stack.state_dir}   (stack.json while running)",
        f"  functions        {', '.join(health['functions'])}",
    ]
    for schedule in health.get("schedules", []):
        lines.append(f"  schedule         {schedule['function']}: {schedule['expression']}")
    for mapping in health.get("sqs", []):
        lines.append(f"  SQS              {mapping['queue']} -> {mapping['function']}")
    return "\n".join(lines)
