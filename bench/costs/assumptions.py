"""What no benchmark measures, as named, labelled values a partner can change.

Every value here is a guess about usage or about the real services (SuperOffice's latency,
AWS's polling), not a measurement; the document lists each with its reason, so a reader
can tell which numbers of the estimate are soft. Change them here, run `make costs`, and
commit the regenerated document.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Final

__all__ = ["NOTES", "Assumptions", "notes"]


@dataclass(frozen=True)
class Assumptions:
    days_per_month: float = 30.0
    records_changed_per_tenant_per_day: float = 200.0
    records_per_tenant: float = 20_000.0
    record_item_bytes: float = 1_000.0
    tenant_item_bytes: float = 50_000.0
    webhook_share: float = 1.0
    superoffice_request_ms: float = 150.0
    targeted_sync_ms: float = 100.0
    rest_per_targeted_sync: float = 1.0
    targeted_sync_reads: float = 3.0
    targeted_sync_writes: float = 3.0
    webhook_ms: float = 30.0
    webhook_reads: float = 2.0
    webhook_writes: float = 1.0
    webhook_kms_requests: float = 1.0
    events_per_relay_invocation: float = 1.0
    relay_overhead_ms: float = 10.0
    state_checks_per_tenant_hour: float = 1.0
    webhook_checks_per_tenant_hour: float = 1.0
    reconciliation_page: float = 5_000.0
    page_views_per_tenant_month: float = 30.0
    page_view_ms: float = 100.0
    page_view_reads: float = 6.0
    installs_per_tenant_month: float = 0.02
    install_api_requests: float = 6.0
    install_ms: float = 430.0
    install_superoffice_requests: float = 40.0
    install_writes: float = 50.0
    notifications_per_tenant_month: float = 1.0
    notification_ms: float = 200.0
    lambda_log_bytes: float = 1_000.0
    access_log_bytes: float = 500.0
    sqs_pollers_per_queue: float = 5.0
    sqs_long_poll_seconds: float = 20.0
    kms_table_requests_per_hour: float = 12.0
    instance_hours: float = 1.0
    backup_retention_days: float = 35.0


# field -> (unit, why this value)
NOTES: Final[dict[str, tuple[str, str]]] = {
    "days_per_month": ("days", "a 30-day month"),
    "records_changed_per_tenant_per_day": (
        "records",
        "created, changed or deleted across the mirrored entities; a mid-size customer",
    ),
    "records_per_tenant": ("records", "mirrored per tenant: storage, backups, reconciliation"),
    "record_item_bytes": (
        "bytes",
        "one mirrored record in RecordsTable (not measured): 1 WRU per write, 1 RRU per read",
    ),
    "tenant_item_bytes": (
        "bytes",
        "all of a tenant's TenantsTable items (profile 756 bytes measured; audit trail, "
        "sync state, secrets, provisioned items guessed)",
    ),
    "webhook_share": (
        "fraction",
        "of record changes SuperOffice also delivers as a CRM webhook (0 for an app "
        "without a public URL)",
    ),
    "superoffice_request_ms": (
        "ms",
        "SuperOffice's answer time per REST request (the simulator's is about 1 ms, so "
        "the measured sync time leaves it out)",
    ),
    "targeted_sync_ms": ("ms", "worker time of a webhook's targeted sync besides SuperOffice"),
    "rest_per_targeted_sync": ("requests", "SuperOffice requests of a targeted sync"),
    "targeted_sync_reads": ("RRU", "a targeted sync's reads: profile, sync state, record"),
    "targeted_sync_writes": ("WRU", "a targeted sync's writes: lease, record, lease release"),
    "webhook_ms": ("ms", "NotificationWebhookFunction per delivery"),
    "webhook_reads": ("RRU", "per delivery: the tenant's current and previous webhook secret"),
    "webhook_writes": ("WRU", "per delivery: the EventId deduplication item"),
    "webhook_kms_requests": (
        "requests",
        "per delivery: unsealing the webhook secret (not cached; two while one is rotated)",
    ),
    "events_per_relay_invocation": (
        "events",
        "stream records per RecordEventsFunction invocation (webhook-driven writes arrive "
        "one by one; a full sync fills batches of 100)",
    ),
    "relay_overhead_ms": ("ms", "per RecordEventsFunction invocation besides publishing"),
    "state_checks_per_tenant_hour": (
        "requests",
        "state API calls: its answer is cached until `ValidUntil`, assumed an hour ahead",
    ),
    "webhook_checks_per_tenant_hour": (
        "requests",
        "the worker's hourly check that the tenant's webhooks are active",
    ),
    "reconciliation_page": (
        "keys",
        "primary keys per request of the daily deletion reconciliation (the archive "
        "reader's key page)",
    ),
    "page_views_per_tenant_month": ("views", "management page and API reads by people"),
    "page_view_ms": ("ms", "RedirectCallbackFunction per page view"),
    "page_view_reads": ("RRU", "per page view: profile, sync state per entity, events"),
    "installs_per_tenant_month": ("installs", "new installs and reinstalls, per tenant"),
    "install_api_requests": ("requests", "HTTP API requests of one install's sign-in"),
    "install_ms": (
        "ms",
        "RedirectCallbackFunction per install (the local click-through took 0.43 s warm)",
    ),
    "install_superoffice_requests": (
        "requests",
        "SuperOffice requests of one install: ticket, state, provisioning, webhooks",
    ),
    "install_writes": ("WRU", "per install: tenant, secrets, provisioned items, audit"),
    "notifications_per_tenant_month": ("notifications", "customer state changes"),
    "notification_ms": ("ms", "NotificationConfirmFunction per notification"),
    "lambda_log_bytes": (
        "bytes",
        "log lines per Lambda invocation (START, END, REPORT and the app's own)",
    ),
    "access_log_bytes": ("bytes", "one HTTP API access log line"),
    "sqs_pollers_per_queue": (
        "pollers",
        "Lambda's SQS event source polls each queue with this many long polls even when idle",
    ),
    "sqs_long_poll_seconds": ("s", "the wait of one long poll"),
    "kms_table_requests_per_hour": (
        "requests",
        "per table: DynamoDB refreshing its table key from the customer managed key",
    ),
    "instance_hours": (
        "hours",
        "a Lambda instance's life: each reads its secrets and unseals its ticket once",
    ),
    "backup_retention_days": (
        "days",
        "daily AWS Backup recovery points kept (DynamoDB backups are full copies); used "
        "only when template.yaml has no BackupRetentionDays parameter",
    ),
}


def notes() -> list[tuple[str, float, str, str]]:
    """(name, default value, unit, why) for every assumption, in declaration order."""
    defaults = Assumptions()
    return [
        (field.name, float(getattr(defaults, field.name)), *NOTES[field.name])
        for field in fields(Assumptions)
    ]
