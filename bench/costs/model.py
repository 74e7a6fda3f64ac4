"""The cost formula: monthly usage of every billed item for a number of tenants, priced.

Pure arithmetic over `Scenario` (what was measured, what the template says, what is
assumed, and the partner's choices), so a unit test can check it on a case small enough
to compute by hand. The document prints the same formulas in words (`report.py`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from bench.costs.assumptions import Assumptions
from bench.costs.measured import Measured
from bench.costs.prices import price

__all__ = ["SERVICES", "Estimate", "Scenario", "SuperOfficeLoad", "estimate"]

READ_CALLS: Final = ("get_item", "query", "batch_get_item")
WRITE_CALLS: Final = ("put_item", "update_item", "delete_item", "batch_write_item")
TRANSACTION: Final = "transact_write_items"  # two write units per item
STRONG_READ_BYTES: Final = 4096  # one RRU reads this much, strongly consistent
WRITE_BYTES: Final = 1024  # one WRU writes this much
GB: Final = 1e9

# Cost lines in the order the document shows them: service -> price keys.
SERVICES: Final[dict[str, tuple[str, ...]]] = {
    "Lambda (requests and arm64 GB-seconds)": ("lambda_request", "lambda_gb_second"),
    "API Gateway HTTP API": ("http_api_request",),
    "DynamoDB on-demand requests": ("dynamodb_rru", "dynamodb_wru"),
    "DynamoDB storage and point-in-time recovery": ("dynamodb_storage", "dynamodb_pitr"),
    "AWS Backup (daily DynamoDB backups)": ("backup_dynamodb_warm",),
    "SQS": ("sqs_request",),
    "KMS (key and requests)": ("kms_key_month", "kms_request"),
    "Secrets Manager": ("secret_month", "secret_request"),
    "EventBridge (record events, Scheduler)": ("eventbridge_event", "scheduler_invocation"),
    "CloudWatch Logs": ("logs_ingestion", "logs_storage"),
}


@dataclass(frozen=True)
class Scenario:
    measured: Measured
    assumptions: Assumptions
    schedule_minutes: int
    entities: int
    worker_concurrency: int
    sync_batch_size: int
    memory_mb: Mapping[str, int]
    log_retention_days: int
    tables: int
    kms_keys: int
    secrets: int
    queue_consumers: int
    backup_retention_days: float


@dataclass(frozen=True)
class SuperOfficeLoad:
    requests_by_kind: dict[str, float]  # per month, all tenants
    per_tenant_hour: float
    total_hour: float
    round_seconds: float  # the worker's time to sync every tenant once, at its concurrency
    peak_per_second: float  # SuperOffice requests per second while a round runs


@dataclass(frozen=True)
class Estimate:
    tenants: int
    usage: dict[str, float]  # price key -> billed quantity per month
    dollars: dict[str, float]  # price key -> dollars per month
    lambda_gb_seconds: dict[str, float] = field(default_factory=dict)  # per function
    superoffice: SuperOfficeLoad | None = None

    def service(self, name: str) -> float:
        return sum(self.dollars[key] for key in SERVICES[name])

    @property
    def total(self) -> float:
        return sum(self.dollars.values())


def estimate(scenario: Scenario, tenants: int) -> Estimate:
    work = _Workload(scenario, tenants)
    usage = work.usage()
    return Estimate(
        tenants=tenants,
        usage=usage,
        dollars={key: price(key, quantity) for key, quantity in usage.items()},
        lambda_gb_seconds=work.gb_seconds(),
        superoffice=work.superoffice(),
    )


class _Workload:
    """Counts per month; names follow the document's formula section."""

    def __init__(self, scenario: Scenario, tenants: int) -> None:
        self.s = scenario
        self.m = scenario.measured
        self.a = scenario.assumptions
        a = self.a
        self.n = float(tenants)
        self.hours = 24 * a.days_per_month
        self.ticks = a.days_per_month * 1440 / scenario.schedule_minutes
        self.syncs = self.n * self.ticks
        self.changes = self.n * a.days_per_month * a.records_changed_per_tenant_per_day
        self.webhooks = self.changes * a.webhook_share
        self.notifications = self.n * a.notifications_per_tenant_month
        self.page_views = self.n * a.page_views_per_tenant_month
        self.installs = self.n * a.installs_per_tenant_month
        changes_per_sync = a.records_changed_per_tenant_per_day * scenario.schedule_minutes / 1440
        self.changes_per_sync = changes_per_sync
        # Pages beyond each entity's first, spread evenly over the syncs.
        self.extra_pages_per_sync = changes_per_sync / self.m.page_size
        self.relay_invocations = self.changes / a.events_per_relay_invocation

    # -- SuperOffice -----------------------------------------------------------------------

    def rest_per_sync(self) -> float:
        return self.s.entities * self.m.idle_rest_per_entity + self.extra_pages_per_sync

    def superoffice_requests(self) -> dict[str, float]:
        a = self.a
        per_entity_records = a.records_per_tenant / self.s.entities
        return {
            "scheduled syncs": self.syncs * self.rest_per_sync(),
            "webhook-targeted syncs": self.webhooks * a.rest_per_targeted_sync,
            "state API": self.n * self.hours * a.state_checks_per_tenant_hour + self.notifications,
            "webhook checks": self.n * self.hours * a.webhook_checks_per_tenant_hour,
            "daily deletion reconciliation": self.n
            * a.days_per_month
            * self.s.entities
            * math.ceil(per_entity_records / a.reconciliation_page),
            "installs": self.installs * a.install_superoffice_requests,
        }

    def sync_ms(self) -> float:
        """Worker milliseconds of one scheduled sync of one tenant."""
        return (
            self.m.idle_sync_ms
            + self.rest_per_sync() * self.a.superoffice_request_ms
            + self.changes_per_sync * self.m.ms_per_record
        )

    def superoffice(self) -> SuperOfficeLoad:
        requests = self.superoffice_requests()
        total = sum(requests.values())
        round_seconds = self.n * self.sync_ms() / 1000 / self.s.worker_concurrency
        return SuperOfficeLoad(
            requests_by_kind=requests,
            per_tenant_hour=total / self.n / self.hours,
            total_hour=total / self.hours,
            round_seconds=round_seconds,
            peak_per_second=self.s.worker_concurrency
            * self.rest_per_sync()
            * 1000
            / self.sync_ms(),
        )

    # -- Lambda ----------------------------------------------------------------------------

    def invocations(self) -> dict[str, float]:
        a = self.a
        return {
            "ScheduledSyncDispatcherFunction": self.ticks,
            "SyncWorkerFunction": self.syncs / self.s.sync_batch_size + self.webhooks,
            "RecordEventsFunction": self.relay_invocations,
            "NotificationWebhookFunction": self.webhooks + self.notifications,
            "NotificationConfirmFunction": self.notifications,
            "RedirectCallbackFunction": self.page_views + self.installs * a.install_api_requests,
            "TokenValidationFunction": self.page_views,
        }

    def milliseconds(self) -> dict[str, float]:
        a, m = self.a, self.m
        upkeep = self.superoffice_requests()
        upkeep_requests = (
            upkeep["state API"] + upkeep["webhook checks"] + upkeep["daily deletion reconciliation"]
        )
        return {
            "ScheduledSyncDispatcherFunction": self.ticks * self.n * m.dispatch_ms_per_tenant,
            "SyncWorkerFunction": self.syncs * self.sync_ms()
            + self.webhooks
            * (a.targeted_sync_ms + a.rest_per_targeted_sync * a.superoffice_request_ms)
            + upkeep_requests * a.superoffice_request_ms,
            "RecordEventsFunction": self.relay_invocations * a.relay_overhead_ms
            + self.changes * m.relay_ms_per_event,
            "NotificationWebhookFunction": (self.webhooks + self.notifications) * a.webhook_ms,
            "NotificationConfirmFunction": self.notifications * a.notification_ms,
            "RedirectCallbackFunction": self.page_views * a.page_view_ms
            + self.installs * a.install_ms,
            # Lambda bills at least 1 ms per invocation.
            "TokenValidationFunction": self.page_views * max(1.0, m.authorizer_ms),
        }

    def gb_seconds(self) -> dict[str, float]:
        return {
            name: ms / 1000 * self.s.memory_mb[name] / 1024
            for name, ms in self.milliseconds().items()
        }

    # -- DynamoDB --------------------------------------------------------------------------

    def idle_sync_units(self) -> tuple[float, float]:
        """(RRU, WRU) of one idle sync: each measured call reads or writes one small item."""
        calls = self.m.idle_calls
        counts = dict(calls.fixed)
        for label, count in calls.per_entity.items():
            counts[label] = counts.get(label, 0) + count * self.s.entities
        reads = sum(count for label, count in counts.items() if label.startswith(READ_CALLS))
        writes = sum(count for label, count in counts.items() if label.startswith(WRITE_CALLS))
        writes += 2 * sum(count for label, count in counts.items() if label.startswith(TRANSACTION))
        return float(reads), float(writes)

    def read_units(self) -> float:
        a, m = self.a, self.m
        idle_reads, _ = self.idle_sync_units()
        per_record = math.ceil(a.record_item_bytes / STRONG_READ_BYTES)
        # The dispatcher's index query: eventually consistent, half a unit per 4 KB.
        index = self.ticks * self.n * m.index_bytes_per_tenant / STRONG_READ_BYTES / 2
        return (
            self.syncs * idle_reads
            + self.changes * per_record
            + index
            + self.webhooks * (a.targeted_sync_reads + a.webhook_reads)
            + self.notifications * a.webhook_reads
            + self.relay_invocations  # the tenant profile, once per batch (measured)
            + self.page_views * a.page_view_reads
        )

    def write_units(self) -> float:
        a, m = self.a, self.m
        _, idle_writes = self.idle_sync_units()
        per_record = math.ceil(a.record_item_bytes / WRITE_BYTES)
        return (
            self.syncs * idle_writes
            + self.syncs * self.extra_pages_per_sync * m.writes_per_page
            + self.changes * per_record
            + self.webhooks * (a.targeted_sync_writes + a.webhook_writes)
            + self.notifications * a.webhook_writes
            + self.installs * a.install_writes
        )

    def stored_gb(self) -> float:
        a = self.a
        return self.n * (a.records_per_tenant * a.record_item_bytes + a.tenant_item_bytes) / GB

    # -- the rest --------------------------------------------------------------------------

    def sqs_requests(self) -> float:
        a, m = self.a, self.m
        idle_polls = (
            self.s.queue_consumers
            * a.sqs_pollers_per_queue
            * 86_400
            / a.sqs_long_poll_seconds
            * a.days_per_month
        )
        return (
            self.syncs * m.send_calls_per_tenant  # SendMessageBatch, ten per call
            + self.syncs / self.s.sync_batch_size * 2  # receive and delete a batch
            + self.webhooks * 3  # send, receive, delete one message
            + self.notifications * 6  # the same on NotificationQueue, then on SyncQueue
            + idle_polls
        )

    def instance_lives(self, instances: float) -> float:
        return instances * self.hours / self.a.instance_hours

    def ticket_unseals(self) -> float:
        """Each worker instance unseals a tenant's ticket the first time it syncs it
        (measured: once in a new instance, never in a warm one); with syncs spread evenly,
        an instance that makes k syncs in its life meets N × (1 - e^(-k/N)) tenants."""
        lives = self.instance_lives(self.s.worker_concurrency)
        syncs_per_life = self.syncs / lives
        return lives * self.n * (1 - math.exp(-syncs_per_life / self.n))

    def kms_requests(self) -> float:
        a = self.a
        tickets = self.ticket_unseals()
        return (
            self.s.tables * a.kms_table_requests_per_hour * self.hours
            + self.webhooks * a.webhook_kms_requests
            + tickets
        )

    def secret_requests(self) -> float:
        # The worker's instances and one onboarding instance read each secret once a life.
        return self.s.secrets * self.instance_lives(self.s.worker_concurrency + 1)

    def api_requests(self) -> float:
        return (
            self.page_views
            + self.installs * self.a.install_api_requests
            + self.webhooks
            + self.notifications
        )

    def log_gb(self) -> float:
        invocations = self.invocations()
        # The worker logs per message, not per batch.
        invocations["SyncWorkerFunction"] = self.syncs + self.webhooks
        lines = sum(invocations.values()) * self.a.lambda_log_bytes
        return (lines + self.api_requests() * self.a.access_log_bytes) / GB

    def usage(self) -> dict[str, float]:
        a = self.a
        stored = self.stored_gb()
        ingested = self.log_gb()
        return {
            "lambda_request": sum(self.invocations().values()),
            "lambda_gb_second": sum(self.gb_seconds().values()),
            "http_api_request": self.api_requests(),
            "dynamodb_rru": self.read_units(),
            "dynamodb_wru": self.write_units(),
            "dynamodb_storage": stored,
            "dynamodb_pitr": stored,
            "backup_dynamodb_warm": stored * self.s.backup_retention_days,
            "sqs_request": self.sqs_requests(),
            "kms_key_month": float(self.s.kms_keys),
            "kms_request": self.kms_requests(),
            "secret_month": float(self.s.secrets),
            "secret_request": self.secret_requests(),
            "eventbridge_event": self.changes,
            "scheduler_invocation": self.ticks,
            "logs_ingestion": ingested,
            # Steady state: the retention period's worth of logs is stored.
            "logs_storage": ingested / a.days_per_month * self.s.log_retention_days,
        }
