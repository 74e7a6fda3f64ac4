"""The whole local stack in one call: `start_local_stack(...)` -> `RunningStack`.

Starts the SuperOffice simulator, DynamoDB Local and moto, provisions the template's
resources, and serves the HTTP API, the schedules and the SQS and DynamoDB stream event
sources of `template.yaml` with the real handlers. `python -m local up` and the tests use it alike;
everything it starts ends with `stop()` (or the `with` block), and the emulator processes
end with this process even if it is killed (their guardians see to that).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import errno
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from local import defaults
from local.app_credentials import load_or_create_app_credentials
from local.environment_pool import cold_requested, idle_seconds_setting
from local.lambda_runtime import FAKE_CREDENTIALS, InvocationResult
from local.naming import LocalNames
from local.runner.authorizers import authorizers_from_template
from local.runner.dynamodb_stream_source import StreamPoller, stream_mappings
from local.runner.function_runner import FunctionRunner, aws_environment
from local.runner.gateway import GatewayAddress, HttpApiGateway
from local.runner.http_server import HEALTH_PATH, AppHTTPServer, ServingThread
from local.runner.moto_service import start_moto_with_persistent_keys
from local.runner.provisioning import provision
from local.runner.real_superoffice import RealSuperOffice
from local.runner.routes import routes_from_functions
from local.runner.schedules import Scheduler, scheduled_events
from local.runner.session_keys import load_or_create_session_keys
from local.runner.sqs_event_source import SqsPoller, sqs_mappings
from local.runner.stack_file import remove_stack_file, write_stack_file
from local.services import PortInUseError, RunningService, start_dynamodb_local
from local.simulator import RunningSimulator, start_simulator
from local.simulator.notifications import NOTIFICATION_PATH
from local.superid_keys import load_or_create_signing_key
from local.template import FunctionSpec, Template, load_template

Log = Callable[[str], None]

__all__ = [
    "RealSuperOffice",
    "RunningStack",
    "StackPorts",
    "local_stack",
    "resolved_functions",
    "stack_parameters",
    "start_local_stack",
]


@dataclass(frozen=True)
class StackPorts:
    """Where each part listens; 0 lets the system pick a free port."""

    app: int = defaults.APP_PORT
    simulator: int = defaults.SIMULATOR_PORT
    dynamodb: int = defaults.DYNAMODB_PORT
    moto: int = defaults.MOTO_PORT

    @classmethod
    def free(cls) -> StackPorts:
        return cls(app=0, simulator=0, dynamodb=0, moto=0)


def _stderr_log() -> Log:
    lock = threading.Lock()

    def log(line: str) -> None:
        with lock:
            sys.stderr.write(line + "\n")
            sys.stderr.flush()

    return log


@dataclass
class RunningStack:
    """A started stack: its URLs, its resolved template, `invoke()`, `stop()`."""

    state_dir: Path
    template: Template
    physical_ids: dict[str, str]
    app_url: str
    simulator: RunningSimulator
    dynamodb: RunningService
    moto: RunningService
    runner: FunctionRunner
    persistent: bool
    # The app's base URL when a tunnel makes it public (`--public-url`); None: `app_url`.
    public_url: str | None = None
    # The real SuperOffice the functions use instead of the simulator, if any.
    superoffice: RealSuperOffice | None = None
    _stop_actions: list[Callable[[], None]] = field(default_factory=list, repr=False)
    _stopped: bool = field(default=False, repr=False)
    _extra_health: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def simulator_url(self) -> str:
        return self.simulator.base_url

    @property
    def dynamodb_endpoint(self) -> str:
        return self.dynamodb.endpoint

    @property
    def moto_endpoint(self) -> str:
        return self.moto.endpoint

    @property
    def health_url(self) -> str:
        return self.app_url + HEALTH_PATH

    @property
    def app_base_url(self) -> str:
        """The app's base URL as the functions know it (`AppBaseUrl`): public or local."""
        return self.public_url or self.app_url

    def invoke(self, logical_id: str, event: Any) -> InvocationResult:
        """Invoke a function of the template once, with the stack's environment."""
        return self.runner.invoke(logical_id, event)

    def health(self) -> dict[str, Any]:
        return {
            "status": "ok",
            "pid": os.getpid(),
            "stateDir": str(self.state_dir),
            "template": str(self.template.path),
            "app": {
                "url": self.app_url,
                "baseUrl": self.app_base_url,
                # Started where the callback arrives: the sign-in cookie is per host.
                "install": self.app_base_url + "/install",
                "health": self.health_url,
            },
            "superoffice": (
                {
                    "environment": self.superoffice.environment,
                    "url": self.superoffice.login_url,
                    "clientId": self.superoffice.client_id,
                }
                if self.superoffice is not None
                else {"environment": "local", "url": self.simulator_url}
            ),
            "simulator": {
                "url": self.simulator_url,
                "signIn": self.simulator_url + "/login/common/oauth/authorize",
                "discovery": self.simulator_url + "/login/.well-known/openid-configuration",
                "control": self.simulator_url + "/_control/tenants",
            },
            "dynamodb": {
                "endpoint": self.dynamodb_endpoint,
                "engine": self.dynamodb.engine,
                "data": str(self.state_dir / "dynamodb") if self.persistent else "in memory",
            },
            "moto": {
                "endpoint": self.moto_endpoint,
                "services": ["kms", "secretsmanager", "sqs"],
            },
            "functions": sorted(self.runner.functions),
            "physicalIds": self.physical_ids,
            **self._extra_health,
        }

    def stack_document(self) -> dict[str, Any]:
        """What `stack.json` records, for `python -m local invoke` and `make demo`."""
        return {
            "pid": os.getpid(),
            "app_url": self.app_url,
            "health_url": self.health_url,
            "simulator_url": self.simulator_url,
            "dynamodb_endpoint": self.dynamodb_endpoint,
            "moto_endpoint": self.moto_endpoint,
            "template": str(self.template.path),
            "region": self.template.names.region,
            "physical_ids": self.physical_ids,
            # What `invoke` needs to run a function as this stack does (no secrets).
            "parameters": self.chosen_parameters(),
            "ports": {
                "app": int(self.app_url.rsplit(":", 1)[1]),
                "simulator": int(self.simulator_url.rsplit(":", 1)[1]),
                "dynamodb": self.dynamodb.port,
                "moto": self.moto.port,
            },
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }

    def chosen_parameters(self) -> dict[str, str]:
        """The template parameters this stack was started with beyond the local defaults."""
        values = {"AppBaseUrl": self.app_base_url}
        if self.superoffice is not None:
            values.update(self.superoffice.parameters())
        return values

    def stop(self) -> None:
        """Stop everything this stack started, newest first; calling again does nothing."""
        if self._stopped:
            return
        self._stopped = True
        for action in reversed(self._stop_actions):
            with contextlib.suppress(Exception):
                action()

    def __enter__(self) -> RunningStack:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def start_local_stack(
    *,
    ports: StackPorts | None = None,
    state_dir: Path | None = None,
    template_path: Path = defaults.TEMPLATE_PATH,
    persistent: bool = True,
    serve_http: bool = True,
    event_sources: bool = True,
    write_stack_json: bool = True,
    host: str = defaults.LOCAL_HOST,
    log: Log | None = None,
    schedule_clock: Callable[[], datetime.datetime] | None = None,
    superoffice: RealSuperOffice | None = None,
    simulator_contract: str | None = None,
    public_url: str | None = None,
    warm: bool | None = None,
) -> RunningStack:
    """Start the stack and return once every part answers.

    - `ports`: `StackPorts()` for the defaults (3000, 3001, 8000, 5000), `StackPorts.free()`
      for tests; a taken port raises `PortInUseError` before anything is left running.
    - `persistent`: DynamoDB Local keeps its data under `<state dir>/dynamodb/` (else in
      memory); KMS key material always lives under `<state dir>/kms/`.
    - `serve_http` / `event_sources`: the HTTP API / the schedules, SQS and stream pollers
      (stream checkpoints under `<state dir>/streams/` when `persistent`).
    - `write_stack_json`: record the running stack in `<state dir>/stack.json`.
    - `schedule_clock`: the schedules' clock (UTC); tests pass a fast one.
    - `superoffice`: sign in against a real SuperOffice (SOD, Stage, or any at a base URL)
      with that app's credentials instead of the simulator (which still runs, unused).
    - `public_url`: the app's base URL when a tunnel makes the stack public (validated
      by `local.runner.public_url`); the stack still listens on `host` only.
    - `warm`: keep execution environments and reuse them (Lambda's behaviour), or start
      one per invocation; default: warm unless `$LOCAL_LAMBDA_COLD` says cold.
    - `simulator_contract`: how the simulator holds requests to SuperOffice's published
      contract (`off`, `report`, `enforce`; default `$LOCAL_SIMULATOR_CONTRACT` or `report`).
    """
    ports = ports or StackPorts()
    state_dir = (state_dir or defaults.local_state_dir()).resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    log = log or _stderr_log()
    began = time.monotonic()

    def step(what: str) -> None:
        # A first start takes seconds (a JVM, moto): say what is under way.
        log(f"local: {what} ...")

    cleanup = contextlib.ExitStack()
    with cleanup:
        server = _bind_app(host, ports.app, log) if serve_http else None
        step("starting the SuperOffice simulator")
        if server is not None:
            cleanup.callback(server.server_close)
        app_url = f"http://{host}:{server.port}" if server else defaults.APP_BASE_URL
        simulator = _start_simulator(host, ports.simulator, state_dir, log, simulator_contract)
        cleanup.callback(simulator.stop)
        if server is not None:
            # The app's customer-state-change URL, as its Developer Portal entry would
            # name it: this stack's, not the default port's (another stack, or nothing).
            state = simulator.state
            state.notifications.set_url(state.default_client_id(), app_url + NOTIFICATION_PATH)
        step("starting DynamoDB Local and moto (KMS, Secrets Manager, SQS, EventBridge)")
        dynamodb, moto = _start_emulators(
            host, ports, state_dir, persistent=persistent, log=log, cleanup=cleanup
        )

        names = LocalNames(region=defaults.local_region(), sqs_endpoint=moto.endpoint)
        parameters, secret_values = stack_parameters(
            state_dir,
            app_url=app_url,
            simulator_url=simulator.base_url,
            superoffice=superoffice,
            public_url=public_url,
        )
        draft = load_template(template_path, parameters=parameters, names=names)
        step("creating the template's tables, keys, queues, secrets and event bus")
        clients = _clients(dynamodb.endpoint, moto.endpoint, names.region)
        physical_ids = provision(
            draft,
            dynamodb=clients["dynamodb"],
            kms=clients["kms"],
            sqs=clients["sqs"],
            secretsmanager=clients["secretsmanager"],
            events=clients["events"],
            secret_values=secret_values,
            log=log,
        )
        template = load_template(
            template_path, parameters=parameters, names=names, physical_ids=physical_ids
        )
        functions = resolved_functions(template)
        runner = FunctionRunner(
            functions,
            environment=aws_environment(
                dynamodb=dynamodb.endpoint, moto=moto.endpoint, region=names.region
            ),
            log=log,
            warm=not cold_requested() if warm is None else warm,
            idle_seconds=idle_seconds_setting(),
        )
        stack = RunningStack(
            state_dir=state_dir,
            template=template,
            physical_ids=physical_ids,
            app_url=app_url,
            simulator=simulator,
            dynamodb=dynamodb,
            moto=moto,
            runner=runner,
            persistent=persistent,
            public_url=public_url,
            superoffice=superoffice,
        )
        stack._stop_actions.extend([moto.stop, dynamodb.stop, simulator.stop, runner.close])

        def invoke_ok(function_id: str, event: Any) -> tuple[bool, Any]:
            outcome = runner.invoke(function_id, event)
            return outcome.ok, outcome.payload

        if server is not None:
            authorizers, default_authorizer = authorizers_from_template(template, functions)
            routes = routes_from_functions(functions, default_authorizer=default_authorizer)
            address = GatewayAddress(host, server.port, names.api_id("HttpApi"), names)
            gateway = HttpApiGateway(
                routes=routes,
                authorizers=authorizers,
                invoke=runner.invoke,
                address=lambda: address,
                log=log,
            )
            server.handle_request_function = gateway.handle
            server.health = stack.health
            stack._extra_health["routes"] = [
                {"route": r.route_key, "function": r.function_id, "authorizer": r.authorizer}
                for r in routes.routes
            ]
            stack._stop_actions.append(ServingThread(server).stop)
        if event_sources:
            schedules = scheduled_events(functions, names)
            scheduler = Scheduler(
                schedules,
                names=names,
                invoke=runner.invoke,
                log=log,
                clock=schedule_clock or (lambda: datetime.datetime.now(datetime.UTC)),
            ).start()
            stack._stop_actions.append(scheduler.stop)
            sqs_client = clients["sqs"]
            mappings = sqs_mappings(functions, names)
            for mapping in mappings:
                for _ in range(mapping.pollers):
                    poller = SqsPoller(
                        mapping, sqs=sqs_client, region=names.region, invoke=invoke_ok, log=log
                    )
                    stack._stop_actions.append(poller.start().stop)
            streams = stream_mappings(functions, names)
            for stream in streams:
                stream_poller = StreamPoller(
                    stream,
                    dynamodb=clients["dynamodb"],
                    streams=clients["dynamodbstreams"],
                    sqs=sqs_client,
                    region=names.region,
                    invoke=invoke_ok,
                    log=log,
                    # In memory, every start has a new stream: nothing to resume.
                    checkpoint_file=(
                        state_dir / "streams" / stream.checkpoint_name if persistent else None
                    ),
                )
                stack._stop_actions.append(stream_poller.start().stop)
            stack._extra_health["schedules"] = [
                {"function": s.function_id, "event": s.event_name, "expression": s.expression}
                for s in schedules
            ]
            stack._extra_health["sqs"] = [
                {
                    "function": m.function_id,
                    "queue": m.queue_url,
                    "batchSize": m.batch_size,
                    "pollers": m.pollers,
                }
                for m in mappings
            ]
            stack._extra_health["streams"] = [
                {
                    "function": m.function_id,
                    "event": m.event_name,
                    "table": m.table_name,
                    "batchSize": m.batch_size,
                    "startingPosition": m.starting_position,
                    "onFailure": m.on_failure_queue_url,
                }
                for m in streams
            ]
        if write_stack_json:
            write_stack_file(state_dir, stack.stack_document())
            pid = os.getpid()
            stack._stop_actions.append(lambda: remove_stack_file(state_dir, pid))
        cleanup.pop_all()  # from here on, the stack owns everything
        log(f"local: the stack is up in {time.monotonic() - began:.1f} s")
        return stack
    raise AssertionError("unreachable")  # the `with` block returns or raises


def stack_parameters(
    state_dir: Path,
    *,
    app_url: str,
    simulator_url: str,
    superoffice: RealSuperOffice | None = None,
    public_url: str | None = None,
) -> tuple[dict[str, str], dict[str, str]]:
    """The template's parameters and the secrets' values for this stack.

    By default the simulator and the locally generated app credentials; `superoffice`
    replaces both with a real SuperOffice and that app's credentials; `public_url`
    replaces the app's base URL (the session key ring stays the local one).
    """
    parameters = defaults.template_parameters(
        signing_certificate=load_or_create_signing_key(state_dir).certificate_pem,
        app_base_url=public_url or app_url,
        local_base_url=simulator_url,
    )
    credentials = load_or_create_app_credentials(state_dir)
    secret_values = {
        "client_secret": credentials.client_secret,
        "private_key": credentials.private_key_xml,
        "session_keys": load_or_create_session_keys(state_dir),
    }
    if superoffice is not None:
        parameters.update(superoffice.parameters())
        secret_values.update(superoffice.secret_values())
    return parameters, secret_values


def resolved_functions(template: Template) -> dict[str, FunctionSpec]:
    """The template's functions with their Events resolved (`!GetAtt Queue.Arn`, ...).

    `Template.function()` keeps Events as written; the runner needs their values.
    """
    return {
        logical_id: dataclasses.replace(
            function,
            events=MappingProxyType(
                template.resolve(dict(function.events), f"{logical_id} Events")
            ),
        )
        for logical_id, function in template.functions().items()
    }


def _bind_app(host: str, port: int, log: Log) -> AppHTTPServer:
    try:
        return AppHTTPServer((host, port), log=log)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise PortInUseError("the app (HTTP API)", host, port) from None
        raise


def _start_simulator(
    host: str, port: int, state_dir: Path, log: Log, contract: str | None = None
) -> RunningSimulator:
    try:
        return start_simulator(
            host,
            port,
            state_dir=state_dir,
            log=lambda line: log(f"[simulator] {line}"),
            contract_mode=contract,
        )
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise PortInUseError("the SuperOffice simulator", host, port) from None
        raise


def _start_emulators(
    host: str,
    ports: StackPorts,
    state_dir: Path,
    *,
    persistent: bool,
    log: Log,
    cleanup: contextlib.ExitStack,
) -> tuple[RunningService, RunningService]:
    # Both at once: the JVM's start-up is the longer one and hides moto's.
    with ThreadPoolExecutor(max_workers=2) as pool:
        dynamodb_future = pool.submit(
            start_dynamodb_local,
            ports.dynamodb,
            data_dir=state_dir / "dynamodb" if persistent else None,
            host=host,
            log=log,
        )
        moto_future = pool.submit(
            start_moto_with_persistent_keys, ports.moto, key_dir=state_dir / "kms", host=host
        )
    started: list[RunningService] = []
    errors: list[BaseException] = []
    for future in (dynamodb_future, moto_future):
        try:
            service = future.result()
            started.append(service)
            cleanup.callback(service.stop)
        except Exception as error:
            errors.append(error)
    if errors:
        raise errors[0]
    return started[0], started[1]


def _clients(dynamodb: str, moto: str, region: str) -> dict[str, Any]:
    # boto3 ships no type information and the project installs no stubs: its clients are Any.
    import boto3  # type: ignore[import-untyped]

    def client(service: str, endpoint: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=endpoint,
            region_name=region,
            aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )

    return {
        "dynamodb": client("dynamodb", dynamodb),
        "dynamodbstreams": client("dynamodbstreams", dynamodb),
        "kms": client("kms", moto),
        "sqs": client("sqs", moto),
        "secretsmanager": client("secretsmanager", moto),
        "events": client("events", moto),
    }


@contextlib.contextmanager
def local_stack(**options: Any) -> Iterator[RunningStack]:
    """`start_local_stack(**options)` as a context manager."""
    stack = start_local_stack(**options)
    try:
        yield stack
    finally:
        stack.stop()
