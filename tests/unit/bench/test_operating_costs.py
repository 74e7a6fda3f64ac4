"""bench.costs: the cost formula on a case small enough to follow by hand, and
docs/operating-costs.md kept equal to what the script writes from the committed inputs."""

from __future__ import annotations

import math

import pytest

from bench.costs.__main__ import DOCUMENT, document, main
from bench.costs.assumptions import Assumptions
from bench.costs.measured import Measured, SyncCalls, split_per_entity
from bench.costs.model import Scenario, estimate
from bench.costs.scenario import Choices, build, read_inputs
from bench.costs.stack import schedule_minutes

FUNCTIONS = (
    "NotificationConfirmFunction",
    "NotificationWebhookFunction",
    "RecordEventsFunction",
    "RedirectCallbackFunction",
    "ScheduledSyncDispatcherFunction",
    "SyncWorkerFunction",
    "TokenValidationFunction",
)


def small_scenario() -> Scenario:
    """10 tenants synced hourly, 2 entities, nothing changing, nobody visiting."""
    measured = Measured(
        recorded="by hand",
        idle_rest_per_entity=1.0,
        idle_calls=SyncCalls(
            fixed={"query TENANTS": 1, "put_item TENANTS LEASE": 1},
            per_entity={"put_item TENANTS SYNC": 1},
        ),
        idle_sync_ms=100.0,
        ms_per_record=1.0,
        page_size=500,
        writes_per_page=3.0,
        relay_ms_per_event=1.0,
        index_bytes_per_tenant=4096.0,
        send_calls_per_tenant=0.1,
        dispatch_ms_per_tenant=1.0,
        authorizer_ms=0.5,
    )
    quiet = Assumptions(
        records_changed_per_tenant_per_day=0,
        records_per_tenant=0,
        tenant_item_bytes=0,
        webhook_share=0,
        superoffice_request_ms=100,
        state_checks_per_tenant_hour=0,
        webhook_checks_per_tenant_hour=0,
        page_views_per_tenant_month=0,
        installs_per_tenant_month=0,
        notifications_per_tenant_month=0,
        lambda_log_bytes=0,
        access_log_bytes=0,
        sqs_pollers_per_queue=0,
        kms_table_requests_per_hour=0,
        instance_hours=1,
    )
    return Scenario(
        measured=measured,
        assumptions=quiet,
        schedule_minutes=60,
        entities=2,
        worker_concurrency=1,
        sync_batch_size=5,
        memory_mb=dict.fromkeys(FUNCTIONS, 1024),
        log_retention_days=30,
        tables=1,
        kms_keys=1,
        secrets=1,
        queue_consumers=0,
        backup_retention_days=0,
    )


def test_the_formula_on_a_case_computed_by_hand() -> None:
    result = estimate(small_scenario(), 10)
    # 30 days x 24 hourly ticks = 720 ticks; 10 tenants -> 7,200 syncs.
    # Each: 2 entities x 1 request = 2 SuperOffice requests, 100 + 2 x 100 = 300 ms.
    load = result.superoffice
    assert load is not None
    assert load.requests_by_kind["scheduled syncs"] == pytest.approx(14_400)
    assert load.total_hour == pytest.approx(20)
    assert load.per_tenant_hour == pytest.approx(2)
    assert load.round_seconds == pytest.approx(3)  # 10 x 0.3 s at concurrency 1
    assert load.peak_per_second == pytest.approx(2 / 0.3)
    usage = result.usage
    # 720 dispatcher runs + 7,200 / 5 worker batches.
    assert usage["lambda_request"] == pytest.approx(2_160)
    # (720 x 10 x 1 ms + 7,200 x 300 ms) at 1 GB.
    assert usage["lambda_gb_second"] == pytest.approx(2_167.2)
    # 1 query per sync; the index query reads 10 x 4 KB per tick at half a unit per 4 KB.
    assert usage["dynamodb_rru"] == pytest.approx(7_200 + 720 * 10 / 2)
    # The lease and one checkpoint per entity: 3 writes per sync.
    assert usage["dynamodb_wru"] == pytest.approx(21_600)
    # SendMessageBatch per 10 tenants, then a receive and a delete per batch of 5.
    assert usage["sqs_request"] == pytest.approx(720 + 2_880)
    # 720 one-hour worker lives, 10 syncs each over 10 tenants: 1 - 1/e of them unsealed.
    assert usage["kms_request"] == pytest.approx(720 * 10 * (1 - math.exp(-1)))
    assert usage["secret_request"] == pytest.approx(1 * 2 * 720)
    assert usage["scheduler_invocation"] == pytest.approx(720)
    assert usage["eventbridge_event"] == 0
    assert usage["http_api_request"] == 0
    assert usage["dynamodb_storage"] == 0
    expected = (
        2_160 / 1e6 * 0.20
        + 2_167.2 * 0.0000133334
        + 10_800 / 1e6 * 0.1415
        + 21_600 / 1e6 * 0.7068
        + 3_600 / 1e6 * 0.40
        + 1.00  # the key
        + 720 * 10 * (1 - math.exp(-1)) / 1e4 * 0.03
        + 0.40  # the secret
        + 1_440 / 1e4 * 0.05
        + 720 / 1e6 * 1.00
    )
    assert result.total == pytest.approx(expected)


def test_the_committed_document_is_what_the_script_writes() -> None:
    expected = document(read_inputs(), Choices())
    assert DOCUMENT.read_text("utf-8") == expected, (
        "docs/operating-costs.md is stale: run `make costs` "
        "(python -m bench.costs --write) and commit it"
    )


def test_a_longer_schedule_lowers_the_scheduled_load_in_proportion() -> None:
    inputs = read_inputs()
    every_15 = estimate(build(inputs, Choices(schedule_minutes=15)), 100).superoffice
    hourly = estimate(build(inputs, Choices(schedule_minutes=60)), 100).superoffice
    assert every_15 is not None
    assert hourly is not None
    scheduled = "scheduled syncs"
    assert hourly.requests_by_kind[scheduled] == pytest.approx(
        every_15.requests_by_kind[scheduled] / 4, rel=0.01
    )


def test_fewer_entities_mean_fewer_requests_per_sync() -> None:
    inputs = read_inputs()
    four = estimate(build(inputs, Choices(entities=4)), 100).superoffice
    two = estimate(build(inputs, Choices(entities=2)), 100).superoffice
    assert four is not None
    assert two is not None
    assert two.requests_by_kind["scheduled syncs"] < four.requests_by_kind["scheduled syncs"]


def test_write_refuses_a_configuration_the_document_would_not_show(
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = DOCUMENT.stat().st_mtime_ns
    assert main(["--write", "--schedule-minutes", "60"]) == 2
    assert "--write takes no other option" in capsys.readouterr().err
    assert DOCUMENT.stat().st_mtime_ns == before


def test_printing_a_configuration_leaves_the_document_alone(
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = DOCUMENT.read_text("utf-8")
    assert main(["--schedule-minutes", "60", "--entities", "2", "--tenants", "50"]) == 0
    printed = capsys.readouterr().out
    assert "a sync every **60 minutes**" in printed
    assert "| 50 tenants |" in printed
    assert DOCUMENT.read_text("utf-8") == before


@pytest.mark.parametrize(
    ("rate", "minutes"),
    [("rate(15 minutes)", 15), ("rate(1 minute)", 1), ("rate(1 hour)", 60), ("rate(2 hours)", 120)],
)
def test_schedule_rates_in_minutes(rate: str, minutes: int) -> None:
    assert schedule_minutes(rate) == minutes


def test_a_cron_schedule_is_refused() -> None:
    with pytest.raises(ValueError, match="rate"):
        schedule_minutes("cron(0 * * * ? *)")


def test_calls_made_once_per_entity_scale_with_entities() -> None:
    split = split_per_entity({"query": 1, "checkpoint": 5, "lease": 4}, entities=4)
    assert split.fixed == {"query": 1, "checkpoint": 1}
    assert split.per_entity == {"checkpoint": 1, "lease": 1}
