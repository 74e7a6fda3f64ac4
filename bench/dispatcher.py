"""Dispatcher benchmark: queueing every active tenant, its time and its AWS calls.

Measures (issue 6, section 6): 10,000 active tenant PROFILE items, shaped as
``TenantStore.begin_install`` and ``transition`` write them (some with a cached state-API
answer, valid or expired, running or not, some paused), are batch-written into a
TenantsTable built from template.yaml in DynamoDB Local; then ``Dispatcher.run()``, as
``wiring.sync.SyncGraph`` builds it, queues them on a moto SQS queue. Counting clients give the
index query pages (target: one per 1 MB of index entries, computed here with DynamoDB's
item-size rules) and the SendMessageBatch calls (target: one per ten messages).
Nothing here asserts a time; a wrong setup (messages missing) stops the benchmark.
"""

from __future__ import annotations

import json
import math
import os
import platform
import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from bench.services import (
    RESULTS,
    AwsServices,
    CallLog,
    Counted,
    CpuMeter,
    boto_client,
    dynamodb_label,
)
from local import defaults
from local.tables import create_tables, load_local_template
from superoffice_app.app_secrets import SecretNames
from superoffice_app.store.attributes import to_item
from superoffice_app.store.clock import format_instant
from superoffice_app.store.keys import BY_STATUS_INDEX, PROFILE_SK, tenant_pk
from superoffice_app.store.models import Installer, encode_fields, encode_installer
from superoffice_app.sync.dispatcher import _SENDERS as SENDERS
from superoffice_app.sync.dispatcher import Dispatcher
from superoffice_app.wiring.settings import load_sync_settings
from superoffice_app.wiring.sync import SyncGraph
from superoffice_app.wiring.tenant_access import TenantAccess

MEGABYTE = 1024 * 1024
# The statuses the dispatcher reads besides active ones, to check them against the state API.
CHECKED_STATUSES = ("upgrading", "suspended")
# What the ByStatus index holds of each item: both tables' keys and the projection.
INDEX_ATTRIBUTES = ("PK", "SK", "status", "ctx", "state_answer", "state_valid_until", "sync_paused")
SECRET_NAMES = SecretNames(client_secret="unused", private_key="unused", session_keys="unused")


def profile(number: int, now: datetime) -> dict[str, Any]:
    """An active tenant's PROFILE item; every 100 tenants:

    70 with a valid "running" state answer, 10 with an expired one, 10 without any,
    5 with a valid "not running" answer (skipped), 5 paused (skipped).
    """
    ctx = f"Cust{30000 + number}"
    host = f"sod{2 + number % 3}"
    stamp = format_instant(now - timedelta(days=30, seconds=number))
    values: dict[str, object] = {
        "PK": tenant_pk(ctx),
        "SK": PROFILE_SK,
        "ctx": ctx,
        "status": "active",
        "revision": 2,
        "created_at": stamp,
        "updated_at": stamp,
        "transitioned_at": stamp,
        "installed_at": stamp,
        "installed_by": encode_installer(
            Installer(associate_id=5, name="Ada Administrator", email="ada@example.com")
        ),
        "environment": "production",
        "api_base": f"https://{host}.superoffice.com/{ctx}/api",
    }
    bucket = number % 100
    fields: dict[str, object] = {
        "serial": str(1_000_000_000 + number),
        "company_name": f"Customer {number} AS",
        "endpoint": f"https://{host}.superoffice.com/{ctx}",
        "version": "Release_11.10_2026.02.24-02",
    }
    if not 80 <= bucket < 90:  # 80-89: no state answer stored yet
        running = not 90 <= bucket < 95
        expired = 70 <= bucket < 80
        valid = now + (timedelta(minutes=-5) if expired else timedelta(minutes=50))
        fields["state_answer"] = {
            "ContextIdentifier": ctx,
            "Endpoint": f"https://{host}.superoffice.com/{ctx}",
            "State": "Running" if running else "Suspended",
            "IsRunning": running,
            "ValidUntil": valid.strftime("%Y-%m-%dT%H:%M:%S"),
            "Api": f"https://{host}.superoffice.com/{ctx}/api",
            "Version": "Release_11.10_2026.02.24-02",
        }
        fields["state_valid_until"] = valid
    if bucket >= 95:
        fields["sync_paused"] = True
    values.update(encode_fields(fields))
    return to_item(values)


def attribute_bytes(value: dict[str, Any]) -> int:
    """DynamoDB's size of an attribute value (the documented rules)."""
    ((kind, data),) = value.items()
    if kind == "S":
        return len(data.encode("utf-8"))
    if kind == "N":
        digits = Decimal(data).normalize().as_tuple().digits
        return math.ceil(len(digits) / 2) + 1
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "B":
        return len(data)
    if kind == "M":
        return 3 + sum(len(key.encode()) + 1 + attribute_bytes(item) for key, item in data.items())
    if kind == "L":
        return 3 + sum(1 + attribute_bytes(item) for item in data)
    raise ValueError(kind)


def index_entry_bytes(item: dict[str, Any]) -> int:
    return sum(
        len(name.encode()) + attribute_bytes(item[name])
        for name in INDEX_ATTRIBUTES
        if name in item
    )


def item_size(item: dict[str, Any]) -> int:
    return sum(len(name.encode()) + attribute_bytes(value) for name, value in item.items())


def write_items(client: Any, table: str, items: list[dict[str, Any]]) -> float:
    chunks = [items[start : start + 25] for start in range(0, len(items), 25)]

    def write(chunk: list[dict[str, Any]]) -> None:
        pending = [{"PutRequest": {"Item": item}} for item in chunk]
        while pending:
            answer = client.batch_write_item(RequestItems={table: pending})
            pending = (answer.get("UnprocessedItems") or {}).get(table, [])

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(write, chunks))
    return time.perf_counter() - started


class PageSizes:
    """Items per ByStatus query page, seen through the counting client."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.pages: list[int] = []

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if name != "query":
            return attribute

        def query(**arguments: Any) -> Any:
            answer = attribute(**arguments)
            if arguments.get("IndexName"):
                self.pages.append(len(answer.get("Items", [])))
            return answer

        return query


class SentMessages:
    """The tenants of every message SQS accepted, seen through the counting client."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._lock = threading.Lock()
        self.ctxs: list[str] = []

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if name != "send_message_batch":
            return attribute

        def send_message_batch(**arguments: Any) -> Any:
            answer = attribute(**arguments)
            accepted = {item["Id"] for item in answer.get("Successful", [])}
            sent = [
                json.loads(entry["MessageBody"])["ctx"]
                for entry in arguments["Entries"]
                if entry["Id"] in accepted
            ]
            with self._lock:
                self.ctxs.extend(sent)
            return answer

        return send_message_batch


class QueueDrain:
    """Purges the queue continuously while the block runs (see ``services.local_aws``)."""

    def __init__(self, queue_url: str, threads: int = 2) -> None:
        self._url = queue_url
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]
        self._lock = threading.Lock()
        self.purges = 0

    def _run(self) -> None:
        sqs = boto_client("sqs")
        while not self._stop.is_set():
            sqs.purge_queue(QueueUrl=self._url)
            with self._lock:
                self.purges += 1

    def __enter__(self) -> QueueDrain:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()


def run(tenants: int, meter: CpuMeter) -> dict[str, Any]:
    raw = boto_client("dynamodb")
    prefix = f"bench-{uuid.uuid4().hex[:10]}"
    table = create_tables(
        raw,
        load_local_template(),
        only=["TenantsTable"],
        physical_name=lambda logical_id: f"{prefix}-{logical_id}",
    )["TenantsTable"]
    sqs = boto_client("sqs")
    queue_url = sqs.create_queue(QueueName=f"{prefix}-sync")["QueueUrl"]
    try:
        now = datetime.now(UTC)
        items = [profile(number, now) for number in range(tenants)]
        print(f"dispatcher: writing {tenants:,} tenant profiles ...", flush=True)
        write_seconds = write_items(raw, table, items)
        entry_sizes = [index_entry_bytes(item) for item in items]
        index_bytes = sum(entry_sizes)
        item_bytes = sum(item_size(item) for item in items)
        paused = [item["ctx"]["S"] for item in items if "sync_paused" in item]
        not_running = [
            item["ctx"]["S"]
            for item in items
            if "sync_paused" not in item
            and json.loads(item.get("state_answer", {}).get("S", "{}")).get("IsRunning") is False
            and item["state_valid_until"]["S"] > format_instant(now)
        ]
        skipped = set(paused) | set(not_running)
        expected = sorted(item["ctx"]["S"] for item in items if item["ctx"]["S"] not in skipped)
        print("dispatcher: bare loop ...", flush=True)
        bare = _bare(raw, table, queue_url, expected, meter)
        print("dispatcher: Dispatcher.run() ...", flush=True)
        measured = _dispatch(raw, table, queue_url, expected, meter)
    finally:
        raw.delete_table(TableName=table)
        sqs.delete_queue(QueueUrl=queue_url)
    return {
        "tenants": tenants,
        "setup_write_seconds": round(write_seconds, 2),
        "index_entry_bytes": {
            "total": index_bytes,
            "mean": round(index_bytes / tenants, 1),
            "min": min(entry_sizes),
            "max": max(entry_sizes),
        },
        "item_bytes": {"total": item_bytes, "mean": round(item_bytes / tenants, 1)},
        "expected_messages": len(expected),
        "expected_skipped": {"paused": len(paused), "not_running": len(not_running)},
        # One page per started MB of active tenants, plus the (empty) UPGRADING and
        # SUSPENDED queries.
        "target_index_pages": math.ceil(index_bytes / MEGABYTE) + len(CHECKED_STATUSES),
        # DynamoDB Local fills an index page by the base items' size instead.
        "pages_by_item_size": math.ceil(item_bytes / MEGABYTE) + len(CHECKED_STATUSES),
        "target_send_calls": math.ceil(len(expected) / 10),
        "bare": bare,
        "dispatcher": measured,
        "ratio": bare["seconds"] / measured["seconds"],
    }


def _bare(
    raw: Any, table: str, queue_url: str, expected: list[str], meter: CpuMeter
) -> dict[str, Any]:
    """The same index query pages and the same messages in tens from as many threads."""
    log = CallLog()
    client = PageSizes(Counted(raw, log, dynamodb_label))
    sqs = SentMessages(Counted(boto_client("sqs"), log))
    rng = random.Random(7)
    with QueueDrain(queue_url) as drain:
        cpu = meter.read()
        started = time.perf_counter()
        seen = 0
        for status in ("active", *CHECKED_STATUSES):
            arguments: dict[str, Any] = {
                "TableName": table,
                "IndexName": BY_STATUS_INDEX,
                "KeyConditionExpression": "#status = :status",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": {":status": {"S": status}},
            }
            while True:
                page = client.query(**arguments)
                seen += len(page.get("Items", []))
                if not page.get("LastEvaluatedKey"):
                    break
                arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        bodies = [
            json.dumps({"kind": "sync", "ctx": ctx, "reason": "schedule"}) for ctx in expected
        ]

        def send(start: int) -> None:
            entries = [
                {"Id": str(index), "MessageBody": body, "DelaySeconds": rng.randint(0, 60)}
                for index, body in enumerate(bodies[start : start + 10])
            ]
            sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)

        with ThreadPoolExecutor(max_workers=SENDERS) as pool:
            list(pool.map(send, range(0, len(bodies), 10)))
        seconds = time.perf_counter() - started
        cpu = meter.since(cpu, meter.read())
    _check(sqs.ctxs, expected, "the bare loop")
    calls = log.snapshot()
    return {
        "seconds": round(seconds, 3),
        "tenants_per_second": round(seen / seconds),
        "index_pages": len(client.pages),
        "items_per_page": client.pages,
        "send_calls": calls.get("send_message_batch", {}).get("calls", 0),
        "purges": drain.purges,
        "cpu": cpu,
        "calls": calls,
    }


def _dispatch(
    raw: Any, table: str, queue_url: str, expected: list[str], meter: CpuMeter
) -> dict[str, Any]:
    log = CallLog()
    pages = PageSizes(Counted(raw, log, dynamodb_label))
    sqs = SentMessages(Counted(boto_client("sqs"), log))
    env = {
        "SUPEROFFICE_ENVIRONMENT": "local",
        "SUPEROFFICE_LOCAL_BASE_URL": "http://127.0.0.1:9",
        "SUPEROFFICE_CLIENT_ID": defaults.LOCAL_CLIENT_ID,
        "APP_BASE_URL": "http://127.0.0.1:9",
        "RECORDS_TABLE": "unused",
        "SYNC_QUEUE_URL": queue_url,
        "EVENT_BUS_NAME": "unused",
        "SYNC_SKIP_MAINTENANCE_WINDOWS": "false",  # the benchmark must not depend on the hour
        "TENANTS_TABLE": table,
        "APP_KEY_ID": "unused",
        "CLIENT_SECRET_NAME": SECRET_NAMES.client_secret,
        "PRIVATE_KEY_SECRET_NAME": SECRET_NAMES.private_key,
        "SESSION_KEY_SECRET_NAME": SECRET_NAMES.session_keys,
    }
    settings = load_sync_settings(env)
    wiring = SyncGraph(settings, TenantAccess(settings.access, dynamodb=pages), sqs=sqs)
    dispatcher: Dispatcher = wiring.dispatcher
    with QueueDrain(queue_url) as drain:
        cpu = meter.read()
        started = time.perf_counter()
        report = dispatcher.run()
        seconds = time.perf_counter() - started
        cpu = meter.since(cpu, meter.read())
    _check(sqs.ctxs, expected, "the dispatcher")
    if report.failed or report.queued != len(expected):
        raise SystemExit(f"benchmark setup is wrong: the dispatcher reports {report}")
    calls = log.snapshot()
    query_seconds = sum(
        value["seconds"] for label, value in calls.items() if label.startswith("query")
    )
    return {
        "seconds": round(seconds, 3),
        "tenants_per_second": round(report.tenants_seen / seconds),
        "index_query_seconds": round(query_seconds, 3),
        "queued": report.queued,
        "skipped_paused": report.skipped_paused,
        "skipped_not_running": report.skipped_not_running,
        "index_pages": report.index_pages,
        "items_per_page": pages.pages,
        "send_calls": report.send_calls,
        "purges": drain.purges,
        "cpu": cpu,
        "calls": calls,
    }


def _check(sent: list[str], expected: list[str], who: str) -> None:
    if sorted(sent) != expected:
        raise SystemExit(
            f"benchmark setup is wrong: {who} sent {len(sent)} messages "
            f"({len(set(sent))} tenants), {len(expected)} expected"
        )


def report(results: dict[str, Any]) -> str:
    data = results["dispatcher"]
    sizes = data["index_entry_bytes"]
    items = data["item_bytes"]
    bare, run = data["bare"], data["dispatcher"]

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    def cpu(measure: dict[str, Any]) -> str:
        used = measure["cpu"]
        return (
            f"{used['total']:.1f} ("
            + ", ".join(f"{name} {value:.1f}" for name, value in used.items() if name != "total")
            + ")"
        )

    def pages(measure: dict[str, Any]) -> str:
        counts = measure["items_per_page"]
        return f"{measure['index_pages']} ({', '.join(str(count) for count in counts)} items)"

    lines = [
        "# Dispatcher benchmark",
        "",
        f"Recorded {results['when']} on {results['machine']}, Python {results['python']}; "
        f"{results['services']}.",
        "Run `make bench` to measure again; this file and the JSON beside it are rewritten.",
        "",
        f"{data['tenants']:,} active tenant PROFILE items, shaped as `begin_install` and "
        "`transition` write them (per 100: 70 with a valid running state answer, 10 with an "
        "expired one, 10 without, 5 with a valid not-running one, 5 paused), in a TenantsTable "
        "built from template.yaml (written with BatchWriteItem in "
        f"{data['setup_write_seconds']} s). `Dispatcher.run()` as `SyncGraph` builds it "
        "(maintenance windows ignored) against moto's SQS, beside a bare loop in the same run: "
        "the same index query pages and the same messages sent with SendMessageBatch in tens "
        f"from as many threads, without decisions. ByStatus index entries (keys and "
        f"projection): {sizes['total']:,} bytes, {sizes['mean']} per tenant "
        f"({sizes['min']}-{sizes['max']}), by DynamoDB's item-size rules.",
        "",
        "| | time | tenants/s | index query pages | SendMessageBatch calls | messages "
        "| CPU seconds |",
        "|---|---|---|---|---|---|---|",
        f"| bare loop | {bare['seconds']:.2f} s | {bare['tenants_per_second']:,} | "
        f"{pages(bare)} | {bare['send_calls']:,} | {data['expected_messages']:,} | "
        f"{cpu(bare)} |",
        f"| `Dispatcher.run()` | {run['seconds']:.2f} s | {run['tenants_per_second']:,} | "
        f"{pages(run)} | {run['send_calls']:,} | {run['queued']:,} (skipped "
        f"{run['skipped_paused']} paused, {run['skipped_not_running']} not running) | "
        f"{cpu(run)} |",
        "",
        "| target | expected | measured | |",
        "|---|---|---|---|",
        "| index query pages: one per 1 MB of active tenants, plus the upgrading and the "
        "suspended tenants' queries, 1 MB counted as DynamoDB Local counts it "
        f"({items['mean']} bytes per tenant: "
        f"the base item, not the index entry) | {data['pages_by_item_size']} | "
        f"{run['index_pages']} | {verdict(run['index_pages'] <= data['pages_by_item_size'])} |",
        "| the same, 1 MB of index entries as AWS counts a GSI query "
        f"({sizes['mean']} bytes per tenant) | {data['target_index_pages']} | "
        "(not measurable locally) | |",
        f"| SendMessageBatch calls: one per 10 tenants queued | {data['target_send_calls']:,} "
        f"| {run['send_calls']:,} | {verdict(run['send_calls'] <= data['target_send_calls'])} |",
        f"| time, bare loop / dispatcher | | {data['ratio']:.2f} | |",
        "",
        f"The dispatcher's index queries took {run['index_query_seconds']:.2f} s of its "
        f"{run['seconds']:.2f} s; the rest is deciding and sending. It asks for no `Limit` and "
        "filters nothing, so every page is as full as the engine makes it: DynamoDB Local "
        "filled each with "
        f"{max(run['items_per_page'])} tenants, 1 MB by the base items' "
        f"{items['mean']} bytes each; AWS documents a GSI query's reads by the index entries' "
        f"{sizes['mean']} bytes, about {1024 * 1024 // max(1, int(sizes['mean'])):,} tenants per "
        "page. Pages and calls are counted by the "
        "dispatcher (`DispatchReport`) and by counting clients; every accepted message's tenant "
        "is checked against the expected set. moto's SQS computes every queue attribute over "
        "every message on each send (quadratic in the queue's length: 10,000 messages on one "
        "queue take minutes), so a background PurgeQueue keeps the queue short during both "
        f"runs ({bare['purges']} and {run['purges']} purges); the times are still mostly "
        "moto's per-call cost, not the dispatcher's.",
        "",
    ]
    return "\n".join(lines)


def main(tenants: int, services: AwsServices) -> dict[str, Any]:
    data = run(tenants, CpuMeter(services))
    results = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "python": platform.python_version(),
        "services": services.engines,
        "dispatcher": data,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "dispatcher.json").write_text(json.dumps(results, indent=2) + "\n")
    text = report(results)
    (RESULTS / "dispatcher.md").write_text(text)
    print(text)
    return results
