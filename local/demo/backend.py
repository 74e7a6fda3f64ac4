"""The app's AWS side on the local stack, as the demo looks at it: tables, queue, bus, functions.

Everything is found through the stack's `/_local/health` (endpoints and physical ids), so
the demo works the same against `make up` and against a stack the tests start on free
ports. The demo reads DynamoDB (the tenant's profile, secrets and audit trail, the records
mirror), watches SyncQueue until the worker is done, taps the EventBridge bus with a rule
to a queue of its own, and invokes functions of the template as the runner does (each in
a fresh process with the stack's environment).
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import httpx

from local import defaults
from local.demo.failures import StepFailed
from local.demo.polling import wait_until
from local.lambda_runtime import FAKE_CREDENTIALS, InvocationResult
from local.naming import LocalNames
from local.runner.function_runner import FunctionRunner, aws_environment
from local.superid_keys import CERTIFICATE_FILE_NAME, key_directory

HEALTH_PATH: Final = "/_local/health"
DISPATCHER: Final = "ScheduledSyncDispatcherFunction"
ENTITIES: Final = ("contact", "person", "sale", "project")
EVENT_SOURCE: Final = "superoffice-app.sync"
# The dispatcher spreads its messages over up to a minute (SYNC_JITTER_SECONDS, 60 by
# default) so a fleet of workers does not hit SuperOffice at once; the demo has one or
# two tenants and no reason to wait for that.
DEMO_DISPATCH_SETTINGS: Final = {"SYNC_JITTER_SECONDS": "0"}
QUEUE_COUNTS: Final = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
)


class BackendUnavailable(Exception):
    """The stack's health does not describe its AWS side (or an emulator does not answer)."""


@dataclass
class Backend:
    """Clients for the stack's emulators and the physical names of the template's resources."""

    app_url: str
    simulator_url: str
    region: str
    dynamodb_endpoint: str
    moto_endpoint: str
    physical_ids: dict[str, str]
    state_dir: Path | None
    template_path: Path
    # The dispatcher's schedule expression as the runner serves it (None: no schedules).
    dispatch_schedule: str | None = None
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)
    _runner: FunctionRunner | None = field(default=None, repr=False)
    # Messages already delayed on SyncQueue when the demo first looked (an earlier run's
    # uninstall queues a mirror sweep five minutes ahead): not this demo's work to wait
    # for. Lowered as they come due; None until the first look.
    _delayed_before: int | None = field(default=None, repr=False)

    @classmethod
    def connect(cls, app_url: str, simulator_url: str) -> Backend:
        try:
            response = httpx.get(f"{app_url}{HEALTH_PATH}", timeout=10)
            response.raise_for_status()
            health = response.json()
            backend = cls(
                app_url=app_url,
                simulator_url=simulator_url,
                region=defaults.local_region(),
                dynamodb_endpoint=str(health["dynamodb"]["endpoint"]),
                moto_endpoint=str(health["moto"]["endpoint"]),
                physical_ids={str(k): str(v) for k, v in health["physicalIds"].items()},
                state_dir=Path(health["stateDir"]) if health.get("stateDir") else None,
                template_path=Path(health.get("template") or defaults.TEMPLATE_PATH),
                dispatch_schedule=next(
                    (
                        str(entry["expression"])
                        for entry in health.get("schedules") or []
                        if entry.get("function") == DISPATCHER
                    ),
                    None,
                ),
            )
        except (httpx.HTTPError, ValueError, KeyError, TypeError, AttributeError) as error:
            raise BackendUnavailable(
                f"{app_url}{HEALTH_PATH} does not describe the stack's AWS side: {error}"
            ) from error
        for logical_id in ("TenantsTable", "RecordsTable", "SyncQueue", "SyncEventBus"):
            if logical_id not in backend.physical_ids:
                raise BackendUnavailable(f"the stack has no {logical_id} (an older template?)")
        try:
            backend._delayed_before = backend.queue_counts()[QUEUE_COUNTS[2]]
        except Exception as error:  # moto not answering: say so now, not at step 6
            raise BackendUnavailable(f"SyncQueue cannot be read: {error}") from error
        return backend

    # -- clients and names -------------------------------------------------------------------

    def client(self, service: str) -> Any:
        if service not in self._clients:
            # boto3 ships no type information and no stubs are installed: clients are Any.
            import boto3  # type: ignore[import-untyped]

            endpoint = self.dynamodb_endpoint if service == "dynamodb" else self.moto_endpoint
            self._clients[service] = boto3.client(
                service,
                endpoint_url=endpoint,
                region_name=self.region,
                aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            )
        return self._clients[service]

    @property
    def names(self) -> LocalNames:
        return LocalNames(region=self.region, sqs_endpoint=self.moto_endpoint)

    def queue_url(self, logical_id: str) -> str:
        return self.names.queue_url(self.physical_ids[logical_id])

    # -- functions ---------------------------------------------------------------------------

    def invoke(self, logical_id: str, event: Any) -> InvocationResult:
        """Invoke a function of the template once, as the runner does (its own process)."""
        return self._function_runner().invoke(logical_id, event)

    def dispatch(self) -> dict[str, Any]:
        """Run the scheduled dispatcher with the event the schedule sends; its report."""
        event = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": self.names.account_id,
            "time": _now_iso(),
            "region": self.region,
            "resources": [self.names.arn("scheduler", "schedule/default/demo")],
            "detail": {},
        }
        result = self.invoke(DISPATCHER, event)
        if not result.ok or not isinstance(result.payload, dict):
            raise StepFailed(f"the dispatcher failed: {result.payload}")
        return result.payload

    def _function_runner(self) -> FunctionRunner:
        if self._runner is None:
            from local.runner.stack import resolved_functions
            from local.template import load_template

            parameters = defaults.template_parameters(
                signing_certificate=self._signing_certificate(),
                app_base_url=self.app_url,
                local_base_url=self.simulator_url,
            )
            template = load_template(
                self.template_path,
                parameters=parameters,
                names=self.names,
                physical_ids=self.physical_ids,
            )
            environment = aws_environment(
                dynamodb=self.dynamodb_endpoint, moto=self.moto_endpoint, region=self.region
            )
            self._runner = FunctionRunner(
                resolved_functions(template),
                environment={**environment, **DEMO_DISPATCH_SETTINGS},
                log=lambda _line: None,  # the stack's own log has the functions' lines
            )
        return self._runner

    def _signing_certificate(self) -> str:
        if self.state_dir is None:
            return ""
        path = key_directory(self.state_dir) / CERTIFICATE_FILE_NAME
        return path.read_text("utf-8") if path.is_file() else ""

    # -- SyncQueue ---------------------------------------------------------------------------

    def queue_counts(self, logical_id: str = "SyncQueue") -> dict[str, int]:
        answer = self.client("sqs").get_queue_attributes(
            QueueUrl=self.queue_url(logical_id), AttributeNames=list(QUEUE_COUNTS)
        )
        attributes = answer.get("Attributes", {})
        return {name: int(attributes.get(name, 0)) for name in QUEUE_COUNTS}

    def send_to_sync_queue(self, message: Mapping[str, Any]) -> None:
        self.client("sqs").send_message(
            QueueUrl=self.queue_url("SyncQueue"), MessageBody=json.dumps(message)
        )

    def wait_for_worker(self, *, timeout: float = 60) -> None:
        """Until SyncQueue is empty: nothing waiting, in flight or delayed (except what
        was delayed before the demo began)."""

        def probe() -> tuple[bool, str]:
            counts = self.queue_counts()
            waiting, in_flight, delayed = (counts[name] for name in QUEUE_COUNTS)
            if self._delayed_before is None or delayed < self._delayed_before:
                self._delayed_before = delayed  # some came due (or no first look yet)
            text = f"{waiting} waiting, {in_flight} being handled, {delayed} delayed"
            if self._delayed_before:
                text += f" ({self._delayed_before} from before the demo)"
            return waiting == in_flight == 0 and delayed <= self._delayed_before, text

        wait_until("the sync worker empties SyncQueue", probe, timeout=timeout)

    # -- TenantsTable ------------------------------------------------------------------------

    def tenant_items(self, ctx: str) -> list[dict[str, Any]]:
        """Every item of the tenant in TenantsTable (profile, secrets, events, ...), plain."""
        return [
            _plain(item)
            for item in self._query(
                self.physical_ids["TenantsTable"], "PK", f"TENANT#{ctx}", consistent=True
            )
        ]

    def profile(self, ctx: str) -> dict[str, Any] | None:
        return next((i for i in self.tenant_items(ctx) if i.get("SK") == "PROFILE"), None)

    def audit_events(self, ctx: str) -> list[dict[str, Any]]:
        """The tenant's audit trail, oldest first."""
        return [i for i in self.tenant_items(ctx) if str(i.get("SK", "")).startswith("EVENT#")]

    # -- RecordsTable ------------------------------------------------------------------------

    def mirror(self, ctx: str, entity: str) -> dict[int, dict[str, Any]]:
        """The mirrored records of one entity: key -> {"updated", **fields}."""
        found: dict[int, dict[str, Any]] = {}
        for item in self._query(self.physical_ids["RecordsTable"], "PK", f"{ctx}#{entity}"):
            found[int(item["SK"]["N"])] = {
                "updated": item["updated"]["S"],
                **json.loads(item["fields"]["S"]),
            }
        return found

    def mirror_counts(self, ctx: str) -> dict[str, int]:
        return {entity: len(self.mirror(ctx, entity)) for entity in ENTITIES}

    def _query(
        self, table: str, key: str, value: str, *, consistent: bool = False
    ) -> Iterator[dict[str, Any]]:
        arguments: dict[str, Any] = {
            "TableName": table,
            "KeyConditionExpression": "#k = :v",
            "ExpressionAttributeNames": {"#k": key},
            "ExpressionAttributeValues": {":v": {"S": value}},
            "ConsistentRead": consistent,
        }
        while True:
            page = self.client("dynamodb").query(**arguments)
            yield from page.get("Items", [])
            if not page.get("LastEvaluatedKey"):
                return
            arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # -- the event bus -----------------------------------------------------------------------

    def watch_events(self) -> EventTap:
        """A rule on the app's bus copying every sync event to a new queue in moto."""
        sqs, events = self.client("sqs"), self.client("events")
        suffix = uuid.uuid4().hex[:8]
        bus = self.physical_ids["SyncEventBus"]
        queue_url = sqs.create_queue(QueueName=f"demo-events-{suffix}")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
        rule = f"demo-events-{suffix}"
        events.put_rule(
            Name=rule, EventBusName=bus, EventPattern=json.dumps({"source": [EVENT_SOURCE]})
        )
        events.put_targets(
            Rule=rule,
            EventBusName=bus,
            Targets=[{"Id": "demo", "Arn": arn["Attributes"]["QueueArn"]}],
        )
        return EventTap(sqs=sqs, events=events, bus=bus, rule=rule, queue_url=queue_url)


@dataclass
class EventTap:
    """The demo's rule on the bus and the queue it fills; `received` keeps what was read."""

    sqs: Any
    events: Any
    bus: str
    rule: str
    queue_url: str
    received: list[dict[str, Any]] = field(default_factory=list)

    def drain(self) -> list[dict[str, Any]]:
        """Read everything waiting in the queue (EventBridge envelopes), and remember it."""
        found: list[dict[str, Any]] = []
        while True:
            answer = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            )
            messages = answer.get("Messages", [])
            if not messages:
                break
            for message in messages:
                found.append(json.loads(message["Body"]))
                self.sqs.delete_message(
                    QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )
        self.received.extend(found)
        return found

    def mark(self) -> int:
        """Where "from now on" starts for `of(..., since=...)` (what is waiting is read)."""
        self.drain()
        return len(self.received)

    def of(self, ctx: str, *, since: int = 0) -> list[dict[str, Any]]:
        """The events about tenant `ctx` read so far (after `since`), newly arrived ones too."""
        self.drain()
        return [
            event for event in self.received[since:] if event.get("detail", {}).get("ctx") == ctx
        ]

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.events.remove_targets(Rule=self.rule, EventBusName=self.bus, Ids=["demo"])
            self.events.delete_rule(Name=self.rule, EventBusName=self.bus)
        with contextlib.suppress(Exception):
            self.sqs.delete_queue(QueueUrl=self.queue_url)


def _plain(item: Mapping[str, Any]) -> dict[str, Any]:
    # boto3 ships no type information (and the project installs no stubs for it).
    from boto3.dynamodb.types import TypeDeserializer  # type: ignore[import-untyped]

    deserializer = TypeDeserializer()
    return {name: deserializer.deserialize(value) for name, value in item.items()}


def _now_iso() -> str:
    import datetime

    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
