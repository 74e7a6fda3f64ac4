"""template.yaml's lifecycle and sync on the whole local stack: notifications, schedule, queue.

One stack on free ports for the module, its schedules on a clock the test moves forward:
a customer-state-change notification from the simulator reaches NotificationWebhookFunction
over the runner's HTTP API, and the dispatcher, fired by the schedule as it comes due,
queues a sync of 100 tenants that SyncWorkerFunction's pollers mirror into RecordsTable.
Tenants are written into TenantsTable directly (as the sync integration tests do): the
install itself is covered elsewhere and would cost ten seconds per tenant here.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from local import defaults
from local.runner import RunningStack, StackPorts, start_local_stack
from superoffice_app.store import DynamoTable, Installer, TenantStatus, TenantStore
from superoffice_app.store.secret_box import SecretBox

pytestmark = pytest.mark.integration

TENANTS = 100
DISPATCHER = "ScheduledSyncDispatcherFunction"
WORKER = "SyncWorkerFunction"
# About a minute on a laptop; the bound only keeps a stuck run from hanging the suite.
MIRROR_TIMEOUT_SECONDS = 120
RECORDS_PER_TENANT = {"contact": 3, "person": 2, "sale": 1, "project": 1}
ENTITIES = tuple(RECORDS_PER_TENANT)
# Past the first due time of the template's rate(15 minutes), short of the second.
PAST_FIRST_SCHEDULE = datetime.timedelta(minutes=15, seconds=5)


class MovableClock:
    """UTC now, plus however far the test has moved it on."""

    def __init__(self) -> None:
        self.ahead = datetime.timedelta()

    def __call__(self) -> datetime.datetime:
        return datetime.datetime.now(datetime.UTC) + self.ahead


@dataclass
class Stack:
    running: RunningStack
    clock: MovableClock
    tenants: TenantStore
    control: httpx.Client
    clients: dict[str, Any]
    logs: list[str]

    def client(self, service: str) -> Any:
        return self.clients[service]

    def queue_url(self, logical_id: str) -> str:
        return str(self.running.template.names.queue_url(self.running.physical_ids[logical_id]))

    def queue_counts(self, logical_id: str) -> dict[str, int]:
        names = [
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ]
        answer = self.client("sqs").get_queue_attributes(
            QueueUrl=self.queue_url(logical_id), AttributeNames=names
        )
        return {name: int(answer["Attributes"].get(name, 0)) for name in names}

    def install(self, ctx: str) -> None:
        """An active tenant with a system token the simulator approved (as an install leaves it)."""
        approved = self.control.post(f"/tenants/{ctx}/approve", json={})
        approved.raise_for_status()
        serial = self.control.get(f"/tenants/{ctx}").json()["serial"]
        self.tenants.begin_install(
            ctx,
            environment="local",
            api_base=self.running.simulator_url,
            installed_by=Installer(associate_id=1),
            serial=serial,
            secrets={"system_token": approved.json()["systemToken"]},
        )
        self.tenants.transition(ctx, TenantStatus.ACTIVE, allowed_from={TenantStatus.INSTALLING})

    def mirrored(self, ctx: str, entity: str) -> dict[int, dict[str, Any]]:
        answer = self.client("dynamodb").query(
            TableName=self.running.physical_ids["RecordsTable"],
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": {"S": f"{ctx}#{entity}"}},
        )
        return {
            int(item["SK"]["N"]): {
                "updated": item["updated"]["S"],
                **json.loads(item["fields"]["S"]),
            }
            for item in answer["Items"]
        }

    def matches(self, ctx: str, expected: dict[str, dict[int, dict[str, Any]]]) -> bool:
        return all(
            same_records(self.mirrored(ctx, entity), expected[entity]) for entity in ENTITIES
        )

    def function_logs(self, function_id: str, message: str) -> list[dict[str, Any]]:
        """The function's structured log entries (Powertools JSON) with this message."""
        prefix = f"[{function_id}] {{"
        entries = [
            json.loads(line[len(prefix) - 1 :]) for line in self.logs if line.startswith(prefix)
        ]
        return [entry for entry in entries if entry.get("message") == message]

    def superoffice_records(self, ctx: str) -> dict[str, dict[int, dict[str, Any]]]:
        answer = self.control.get(f"/tenants/{ctx}/records")
        answer.raise_for_status()
        return {
            entity: {
                int(row["primaryKey"]): {"updated": row["updated"], **row["fieldValues"]}
                for row in rows
            }
            for entity, rows in answer.json()["records"].items()
        }


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    state_dir: Path = tmp_path_factory.mktemp("runner-sync")
    clock = MovableClock()
    logs: list[str] = []
    with start_local_stack(
        ports=StackPorts.free(),
        state_dir=state_dir,
        persistent=False,
        write_stack_json=False,
        log=logs.append,
        schedule_clock=clock,
    ) as running:

        def client(service: str, endpoint: str) -> Any:
            return boto3.client(
                service,
                endpoint_url=endpoint,
                region_name=running.template.names.region,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )

        clients = {
            "dynamodb": client("dynamodb", running.dynamodb_endpoint),
            "kms": client("kms", running.moto_endpoint),
            "sqs": client("sqs", running.moto_endpoint),
        }
        tenants = TenantStore(
            DynamoTable(clients["dynamodb"], running.physical_ids["TenantsTable"]),
            SecretBox(clients["kms"], running.physical_ids["AppKey"]),
        )
        with httpx.Client(base_url=f"{running.simulator_url}/_control", timeout=30) as control:
            yield Stack(running, clock, tenants, control, clients, logs)


def same_records(mirror: dict[int, dict[str, Any]], superoffice: dict[int, dict[str, Any]]) -> bool:
    """The same keys; each mirrored record has SuperOffice's `updated` and field values."""
    if sorted(mirror) != sorted(superoffice):
        return False
    return all(
        superoffice[key].get(name, value) == value
        for key, record in mirror.items()
        for name, value in record.items()
    )


def wait_for(
    what: str, check: Callable[[], Any], seconds: float, *, seen: Callable[[], str] = str
) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds} s ({seen()})")
        time.sleep(0.5)


def test_a_state_change_notification_reaches_the_app_and_suspends_the_tenant(
    stack: Stack,
) -> None:
    ctx = "Cust10002"
    stack.install(ctx)
    # The runner points the simulator at this stack's notification route (free port).
    urls = stack.control.get("/notification-urls").json()
    expected = f"{stack.running.app_url}/notifications/tenant-state"
    assert {"clientId": defaults.LOCAL_CLIENT_ID, "url": expected} in urls

    changed = stack.control.post(f"/tenants/{ctx}/changes", json={"change": "Suspend"})
    assert changed.status_code == 200, changed.text
    (notification,) = changed.json()["notifications"]
    assert notification["url"] == expected

    def answered() -> Any:
        entry = stack.control.get(f"/notifications/{notification['id']}").json()
        return entry if entry["answerStatus"] is not None else None

    # Received (202), then confirmed with the simulator's state API (it says Suspended)
    # by NotificationConfirmFunction, polling NotificationQueue.
    assert wait_for("the app answers", answered, 30)["answerStatus"] == 202
    profile = wait_for(
        "the tenant is suspended",
        lambda: (p := stack.tenants.get(ctx)) and p.status is TenantStatus.SUSPENDED and p,
        30,
    )
    assert profile.last_notification is not None
    assert profile.last_notification.change_type == 2
    assert any("[NotificationWebhookFunction]" in line for line in stack.logs), (
        "the notification did not go through the function"
    )
    assert any(event.kind == "notification_applied" for event in stack.tenants.recent_events(ctx))
    assert any("[NotificationConfirmFunction]" in line for line in stack.logs)


def test_the_schedule_syncs_100_tenants_through_the_queue(stack: Stack) -> None:
    contexts = [f"Cust{30000 + number}" for number in range(TENANTS)]

    def create_and_install(ctx: str) -> dict[str, dict[int, dict[str, Any]]]:
        body = {"ctx": ctx, "companyName": f"Tenant {ctx}", "records": RECORDS_PER_TENANT}
        created = stack.control.post("/tenants", json=body)
        assert created.status_code == 201, created.text
        stack.install(ctx)
        return stack.superoffice_records(ctx)

    with ThreadPoolExecutor(max_workers=8) as pool:
        expected = dict(zip(contexts, pool.map(create_and_install, contexts), strict=True))
    for ctx in contexts:
        counts = {entity: len(expected[ctx][entity]) for entity in ENTITIES}
        assert counts == RECORDS_PER_TENANT, ctx

    # The dispatcher spreads its messages over up to SYNC_JITTER_SECONDS (60 by default)
    # so a fleet of workers does not hit SuperOffice at once; the test would only wait
    # for that minute. Its function configuration otherwise stays the template's.
    runner = stack.running.runner
    dispatcher = runner.functions[DISPATCHER]
    runner.functions[DISPATCHER] = dataclasses.replace(
        dispatcher, environment={**dispatcher.environment, "SYNC_JITTER_SECONDS": "0"}
    )
    stack.clock.ahead = PAST_FIRST_SCHEDULE  # the schedule comes due and fires once

    pending = list(contexts)

    def all_synced() -> bool:
        # The worker's own word, from its logs: cheap to ask every half second, where
        # reading 100 mirrors from DynamoDB Local that often would slow the sync itself.
        # The mirrors are compared with SuperOffice below, once, all of them.
        nonlocal pending
        done = {
            entry["ctx"]
            for entry in stack.function_logs(WORKER, "sync message handled")
            if entry["status"] == "done"
        }
        pending = [ctx for ctx in pending if ctx not in done]
        return not pending

    wait_for(
        f"all {TENANTS} tenants synced",
        all_synced,
        MIRROR_TIMEOUT_SECONDS,
        seen=lambda: (
            f"{len(pending)} not yet, e.g. {pending[:3]}; {stack.queue_counts('SyncQueue')}"
        ),
    )
    fired = [line for line in stack.logs if line.startswith(f"schedule {DISPATCHER}.")]
    assert len(fired) == 1, fired
    dispatched = stack.function_logs(DISPATCHER, "dispatched")
    assert len(dispatched) == 1, dispatched
    assert dispatched[0]["queued"] >= TENANTS, dispatched
    wait_for(
        "SyncQueue empty",
        lambda: not any(stack.queue_counts("SyncQueue").values()),
        20,
        seen=lambda: str(stack.queue_counts("SyncQueue")),
    )
    assert not any(stack.queue_counts("SyncDeadLetterQueue").values())
    # Every tenant's sync ended done (work deferred to a later message may come first),
    # and left its mirror exactly as SuperOffice has the records.
    handled = stack.function_logs(WORKER, "sync message handled")
    done = {entry["ctx"] for entry in handled if entry["status"] == "done"}
    assert done >= set(contexts), [entry for entry in handled if entry["ctx"] not in done]
    unlike = [ctx for ctx in contexts if not stack.matches(ctx, expected[ctx])]
    assert not unlike, f"{len(unlike)} mirrors differ from SuperOffice, e.g. {unlike[:3]}"
