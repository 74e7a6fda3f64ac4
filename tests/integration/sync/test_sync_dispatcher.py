"""The dispatcher against DynamoDB Local's status index and moto's SQS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from superoffice_app.maintenance import SUPEROFFICE_ONLINE_WINDOWS
from superoffice_app.store import Installer, TenantStatus
from superoffice_app.sync.dispatcher import Dispatcher
from tests.integration.sync.conftest import SyncHarness

pytestmark = pytest.mark.integration

# A Wednesday 12:00 UTC+1: outside every documented window.
QUIET = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)


def add_tenant(harness: SyncHarness, ctx: str, **fields: Any) -> None:
    harness.tenants.begin_install(
        ctx,
        environment="local",
        api_base="http://127.0.0.1:9/api",
        installed_by=Installer(associate_id=1),
        serial="1",
        secrets={},
    )
    harness.tenants.transition(ctx, TenantStatus.ACTIVE, allowed_from={TenantStatus.INSTALLING})
    if fields:
        harness.tenants.update_fields(ctx, **fields)


def dispatcher(harness: SyncHarness, moment: datetime, **options: Any) -> Dispatcher:
    return Dispatcher(
        table=harness.wiring.access.table,
        queue=harness.wiring.queue,
        clock=lambda: moment,
        windows=SUPEROFFICE_ONLINE_WINDOWS,
        jitter_seconds=0,
        **options,
    )


def test_active_running_unpaused_tenants_are_queued_once_each(harness: SyncHarness) -> None:
    for number in range(25):
        add_tenant(harness, f"Cust3{number:04d}")
    valid = QUIET + timedelta(minutes=30)
    add_tenant(harness, "Cust40001", sync_paused=True)
    add_tenant(
        harness,
        "Cust40002",
        state_answer={"State": "Suspended", "IsRunning": False},
        state_valid_until=valid,
    )
    # An expired "not running" answer does not count: the worker will ask again.
    add_tenant(
        harness,
        "Cust40003",
        state_answer={"State": "Suspended", "IsRunning": False},
        state_valid_until=QUIET - timedelta(minutes=1),
    )
    add_tenant(harness, "Cust40004")
    harness.tenants.transition("Cust40004", TenantStatus.UPGRADING, allowed_from={"active"})
    add_tenant(harness, "Cust40005")
    harness.tenants.transition("Cust40005", TenantStatus.SUSPENDED, allowed_from={"active"})
    # Suspended, and SuperOffice said so until after now: no check until the answer expires.
    add_tenant(
        harness,
        "Cust40006",
        state_answer={"State": "Suspended", "IsRunning": False},
        state_valid_until=valid,
    )
    harness.tenants.transition("Cust40006", TenantStatus.SUSPENDED, allowed_from={"active"})

    report = dispatcher(harness, QUIET).run()

    messages = harness.queued()
    syncs = sorted(m["ctx"] for m in messages if m["kind"] == "sync")
    assert syncs == sorted([f"Cust3{n:04d}" for n in range(25)] + ["Cust40003"])
    checks = sorted(
        (m for m in messages if m["kind"] == "lifecycle"), key=lambda message: message["ctx"]
    )
    # The upgrading tenant, and the suspended one whose state nobody knows any more (a
    # Resume notification may have been lost): the worker asks the state API.
    assert checks == [
        {
            "kind": "lifecycle",
            "ctx": ctx,
            "follow_up": "wait_for_running",
            "change_type": None,
        }
        for ctx in ("Cust40004", "Cust40005")
    ]
    assert report.skipped_paused == 1
    assert report.skipped_not_running == 1
    assert (report.upgrade_checks, report.suspended_checks) == (1, 1)
    assert report.queued == 28
    assert report.send_calls == 3  # 28 messages, ten per SendMessageBatch
    assert report.index_pages == 3  # one page per status read


@pytest.mark.parametrize(
    ("local_time", "skipped"),
    [
        ("2026-11-23T00:59:59", None),  # Monday, just before the nightly recycle
        ("2026-11-23T01:00:00", "nightly application pool recycle"),
        ("2026-11-23T02:59:59", "nightly application pool recycle"),
        ("2026-11-23T03:00:00", None),
        ("2026-11-24T19:59:59", None),  # Tuesday, before the possible upgrades
        ("2026-11-25T04:59:59", "possible tenant upgrades"),  # Wednesday morning
        ("2026-11-25T05:00:00", None),
        ("2026-11-26T22:00:00", "weekly patch window"),  # Thursday
        ("2026-11-27T05:59:59", "weekly patch window"),  # Friday morning
        ("2026-11-28T19:59:59", None),  # Saturday, before the weekend window
        ("2026-11-28T20:00:00", "weekend maintenance"),
        ("2026-11-24T20:00:00", "possible tenant upgrades"),  # Tuesday evening
    ],
)
def test_maintenance_windows_at_their_edges(
    harness: SyncHarness, local_time: str, skipped: str | None
) -> None:
    add_tenant(harness, "Cust30001")
    utc_plus_one = datetime.fromisoformat(local_time + "+01:00")
    report = dispatcher(harness, utc_plus_one).run()
    assert report.skipped_for_window == skipped
    assert len(harness.queued()) == (0 if skipped else 1)


def test_windows_can_be_ignored(harness: SyncHarness) -> None:
    add_tenant(harness, "Cust30001")
    moment = datetime.fromisoformat("2026-11-25T01:30:00+01:00")
    report = dispatcher(harness, moment, skip_maintenance=False).run()
    assert report.skipped_for_window is None
    assert [m["ctx"] for m in harness.queued()] == ["Cust30001"]
