"""The worker against the simulator over real HTTP, DynamoDB Local and moto."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from superoffice_app.store import TenantStatus
from superoffice_app.sync.lease import TenantLease
from superoffice_app.sync.mirror import MirrorRecord
from tests.integration.sync.conftest import SyncHarness
from tests.integration.sync.sync_helpers import (
    Control,
    area,
    budget,
    message,
    rest_requests,
)

pytestmark = pytest.mark.integration

ENTITIES = ("contact", "person", "sale", "project")
CTX = "Cust10002"


@pytest.fixture
def control(harness: SyncHarness) -> Control:
    return Control(harness.simulator.base_url)


def sync(harness: SyncHarness, ctx: str = CTX, seconds: float = 60, **extra: Any) -> Any:
    body = {"kind": "sync", "ctx": ctx, "reason": "schedule", **extra}
    return harness.wiring.worker.handle(message(body), budget(seconds))


def after_each_page(
    harness: SyncHarness, monkeypatch: pytest.MonkeyPatch, action: Callable[[int], None]
) -> Callable[[], None]:
    """Run ``action(pages written so far)`` after each page the mirror writes; returns
    what puts the plain write back."""
    mirror = harness.wiring.mirror
    original = mirror.write
    written = [0]

    def write(ctx: str, changes: Any) -> None:
        original(ctx, changes)
        written[0] += 1
        action(written[0])

    monkeypatch.setattr(mirror, "write", write)
    return lambda: monkeypatch.setattr(mirror, "write", original)


def assert_mirror_matches(harness: SyncHarness, ctx: str, entity: str) -> None:
    mirrored = harness.mirrored(ctx, entity)
    expected = harness.simulator_records(ctx, entity)
    assert sorted(mirrored) == sorted(expected), entity
    for key, fields in expected.items():
        assert mirrored[key]["updated"] == fields["updated"], (entity, key)
        for name, value in fields.items():
            if name in mirrored[key]:
                assert mirrored[key][name] == value, (entity, key, name)


def test_first_sync_mirrors_everything_and_publishes_each_record(
    harness: SyncHarness, control: Control
) -> None:
    events = harness.watch_events()
    harness.install(CTX)
    outcome = sync(harness)
    assert outcome.status == "done", outcome
    total = 0
    for entity in ENTITIES:
        assert_mirror_matches(harness, CTX, entity)
        total += len(harness.simulator_records(CTX, entity))
    assert total > 0
    assert outcome.records == total
    published = events.drain()
    assert len(published) == total
    assert {event["detail-type"] for event in published} == {"CRM record created"}
    sample = published[0]["detail"]
    assert sample["ctx"] == CTX
    assert sample["entity"] in ENTITIES
    assert isinstance(sample["primaryKey"], int)


def test_an_idle_tenant_costs_one_request_per_entity_and_nothing_else(
    harness: SyncHarness, control: Control
) -> None:
    harness.install(CTX)
    assert sync(harness).status == "done"
    events = harness.watch_events()  # from here on
    control.reset_counters(CTX)
    outcome = sync(harness)
    assert outcome.status == "done"
    assert outcome.records == 0
    counters = control.counters(CTX)
    assert rest_requests(counters) == len(ENTITIES)
    assert area(counters, "stateApi") == 0
    assert area(counters, "systemUser") == 0
    assert events.drain() == []


def test_changes_since_the_last_sync_are_mirrored_and_published(
    harness: SyncHarness, control: Control
) -> None:
    harness.install(CTX)
    sync(harness)
    events = harness.watch_events()  # from here on
    created = control.save(CTX, "contact", {"name": "Fresh Start AS"})
    existing = min(harness.simulator_records(CTX, "person"))
    control.save(CTX, "person", {"firstname": "Renamed"}, id=existing)
    outcome = sync(harness)
    assert outcome.records == 2
    assert harness.mirrored(CTX, "contact")[created]["name"] == "Fresh Start AS"
    assert harness.mirrored(CTX, "person")[existing]["firstname"] == "Renamed"
    kinds = sorted((event["detail"]["entity"], event["detail-type"]) for event in events.drain())
    assert kinds == [("contact", "CRM record created"), ("person", "CRM record changed")]


def test_records_changed_while_paging_are_picked_up_by_the_next_run(
    harness: SyncHarness, control: Control, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Edits between pages land in the cursor's past or future: none skipped, none twice."""
    ctx = CTX
    harness.install(ctx)
    control.post(
        f"/tenants/{ctx}/records/contact/bulk",
        {"count": 240, "perSecond": 9, "fields": {"name": "Bulk {n}"}},
    )

    def edit_between_pages(page: int) -> None:
        if page in (2, 4):  # an edit of an early record, and a new one, mid-run
            early = min(harness.simulator_records(ctx, "contact"))
            control.save(ctx, "contact", {"name": f"Edited during page {page}"}, id=early)
            control.save(ctx, "contact", {"name": f"Born during page {page}"})

    changes = harness.watch_changes()
    restore = after_each_page(harness, monkeypatch, edit_between_pages)
    sync(harness, entities=["contact"])
    restore()
    sync(harness, entities=["contact"])
    assert_mirror_matches(harness, ctx, "contact")
    names = {fields["name"] for fields in harness.mirrored(ctx, "contact").values()}
    assert {"Born during page 2", "Born during page 4", "Edited during page 4"} <= names
    # Every record published once, except the edited one (created, then changed).
    published = [change.change.record.key for change in changes.drain()]
    assert len(published) == len(harness.simulator_records(ctx, "contact")) + 1
    repeated = {key for key in published if published.count(key) > 1}
    assert repeated == {min(harness.simulator_records(ctx, "contact"))}


@pytest.mark.parametrize("crash_after_page", [1, 3, 6])
def test_a_crash_after_any_page_leaves_no_gap(
    harness: SyncHarness, control: Control, monkeypatch: pytest.MonkeyPatch, crash_after_page: int
) -> None:
    harness.install(CTX)
    control.post(f"/tenants/{CTX}/records/person/bulk", {"count": 330, "perSecond": 6})

    def crash(page: int) -> None:
        if page == crash_after_page:
            raise RuntimeError("the Lambda died here")

    restore = after_each_page(harness, monkeypatch, crash)
    with pytest.raises(RuntimeError, match="died"):
        sync(harness, entities=["person"])
    restore()
    # The lease of the dead run is released by `finally`; a real crash would wait for
    # its expiry, which TenantLease tests cover.
    assert sync(harness, entities=["person"]).status == "done"
    assert_mirror_matches(harness, CTX, "person")


def test_throttling_with_retry_after_is_waited_out_within_the_run(
    harness: SyncHarness, control: Control
) -> None:
    harness.install(CTX)
    control.fault(CTX, status=429, retryAfter=1, count=2, pathContains="/Archive")
    outcome = sync(harness)
    assert outcome.status == "done"
    assert outcome.throttles == 2
    for entity in ENTITIES:
        assert_mirror_matches(harness, CTX, entity)


def test_a_long_outage_defers_and_the_continuation_finishes_without_loss(
    harness: SyncHarness, control: Control, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness.install(CTX)
    control.post(f"/tenants/{CTX}/records/contact/bulk", {"count": 120, "perSecond": 4})

    def outage_after_two_pages(page: int) -> None:
        if page == 2:  # SuperOffice answers 503 for a long while from here on
            control.fault(CTX, status=503, forSeconds=600, pathContains="/Archive")

    restore = after_each_page(harness, monkeypatch, outage_after_two_pages)
    outcome = sync(harness, seconds=8)
    restore()
    assert outcome.status == "requeued"
    (continuation,) = harness.queued()
    assert harness.delays[-1][1] > 0  # it comes back later, not at once
    assert continuation["kind"] == "sync"
    assert continuation["reason"] == "continuation"
    assert continuation["entities"][0] == "contact"
    state = harness.wiring.worker._states.entity(CTX, "contact")
    assert state.in_progress
    assert state.last_error is not None
    assert len(harness.mirrored(CTX, "contact")) == 100  # two complete pages of 50
    control.delete(f"/tenants/{CTX}/faults")
    assert harness.wiring.worker.handle(message(continuation), budget()).status == "done"
    for entity in ENTITIES:
        assert_mirror_matches(harness, CTX, entity)


def test_slow_answers_past_the_timeout_are_retried(harness: SyncHarness, control: Control) -> None:
    harness.install(CTX)
    control.fault(CTX, delaySeconds=3, count=1, pathContains="/Archive")
    outcome = sync(harness)
    assert outcome.status == "done"
    # One page per entity (a first sync has nothing to reconcile), and the query that
    # timed out, asked again. The simulator counts the slow one when it finally answers.
    deadline = time.monotonic() + 5
    while True:
        queries = control.counters(CTX)["byPath"]["GET /api/v1/Archive/dynamic"]
        if queries > len(ENTITIES) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert queries == len(ENTITIES) + 1
    for entity in ENTITIES:
        assert_mirror_matches(harness, CTX, entity)


def test_dropped_connections_are_retried(harness: SyncHarness, control: Control) -> None:
    harness.install(CTX)
    control.fault(CTX, drop=True, count=2, pathContains="/Archive")
    assert sync(harness).status == "done"
    assert control.counters(CTX)["byStatus"]["dropped"] == 2
    assert_mirror_matches(harness, CTX, "contact")


def test_a_second_worker_backs_off(harness: SyncHarness) -> None:
    harness.install(CTX)
    other = TenantLease(harness.wiring.access.table, owner="the-other-worker")
    assert other.acquire(CTX, 120)
    scheduled = sync(harness)
    assert scheduled.status == "skipped"
    assert "another worker" in scheduled.reason
    record = harness.wiring.worker.handle(
        message({"kind": "record", "ctx": CTX, "entity": "contact", "primary_key": 1}),
        budget(),
    )
    assert record.status == "requeued"
    assert [m["kind"] for m in harness.queued()] == ["record"]
    assert harness.mirrored(CTX, "contact") == {}
    other.release(CTX)
    assert sync(harness).status == "done"


def test_a_revoked_app_marks_the_tenant_and_stops(harness: SyncHarness, control: Control) -> None:
    harness.install(CTX)
    control.post(f"/tenants/{CTX}/revoke")
    outcome = sync(harness)
    assert outcome.status == "revoked"
    profile = harness.tenants.get(CTX)
    assert profile is not None
    assert profile.status is TenantStatus.REVOKED
    control.reset_counters(CTX)
    assert sync(harness).status == "skipped"
    assert control.counters(CTX).get("total", 0) == 0


def test_a_suspended_tenant_is_not_called(harness: SyncHarness, control: Control) -> None:
    harness.install(CTX)
    control.put(f"/tenants/{CTX}/state", {"state": "Suspended"})
    outcome = sync(harness)
    assert outcome.status == "skipped"
    assert rest_requests(control.counters(CTX)) == 0


def test_deletions_are_reconciled(harness: SyncHarness, control: Control) -> None:
    harness.install(CTX)
    sync(harness)
    events = harness.watch_events()  # from here on
    gone = max(harness.simulator_records(CTX, "sale"))
    control.delete(f"/tenants/{CTX}/records/sale/{gone}")
    # Reconciliation is due daily; make it due now.
    worker = harness.wiring.worker
    worker._settings = dataclasses.replace(worker._settings, reconcile_every=timedelta(0))
    sync(harness, entities=["sale"])
    assert gone not in harness.mirrored(CTX, "sale")
    assert_mirror_matches(harness, CTX, "sale")
    deleted = [e for e in events.drain() if e["detail-type"] == "CRM record deleted"]
    assert [e["detail"]["primaryKey"] for e in deleted] == [gone]


def test_a_targeted_sync_mirrors_one_record_and_a_deleted_one_goes(
    harness: SyncHarness, control: Control
) -> None:
    harness.install(CTX)
    sync(harness)
    events = harness.watch_events()  # from here on
    key = control.save(CTX, "project", {"name": "Webhook project"})
    outcome = harness.wiring.worker.handle(
        message({"kind": "record", "ctx": CTX, "entity": "project", "primary_key": key}),
        budget(),
    )
    assert outcome.status == "done"
    assert harness.mirrored(CTX, "project")[key]["name"] == "Webhook project"
    control.delete(f"/tenants/{CTX}/records/project/{key}")
    harness.wiring.worker.handle(
        message({"kind": "record", "ctx": CTX, "entity": "project", "primary_key": key}),
        budget(),
    )
    assert key not in harness.mirrored(CTX, "project")
    kinds = [event["detail-type"] for event in events.drain()]
    assert kinds == ["CRM record created", "CRM record deleted"]


def test_a_tenant_deleted_while_a_sync_is_queued(harness: SyncHarness, control: Control) -> None:
    harness.install(CTX)
    sync(harness)
    assert harness.mirrored(CTX, "contact")
    events = harness.watch_events()  # from here on
    queued_sync = message({"kind": "sync", "ctx": CTX, "reason": "schedule"})
    control.post(f"/tenants/{CTX}/changes", {"change": "Delete", "notify": False})
    purge = harness.wiring.worker.handle(
        message({"kind": "lifecycle", "ctx": CTX, "follow_up": "purge"}), budget()
    )
    assert purge.status == "purged"
    # Emptying the mirror of a deleted tenant is not a deletion in SuperOffice.
    assert events.drain() == []
    assert sum(report.not_held for report in events.reports) > 0
    control.reset_counters(CTX)
    outcome = harness.wiring.worker.handle(queued_sync, budget())
    assert outcome.status == "skipped"
    assert control.counters(CTX).get("total", 0) == 0
    for entity in ENTITIES:
        assert harness.mirrored(CTX, entity) == {}
    profile = harness.tenants.get(CTX)
    assert profile is not None
    assert profile.status is TenantStatus.DELETED
    assert harness.tenants.get_secret(CTX, "system_token") is None


def test_a_purge_that_stopped_half_way_is_finished_by_the_retry(
    harness: SyncHarness, control: Control, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness.install(CTX)
    sync(harness)
    control.post(f"/tenants/{CTX}/changes", {"change": "Delete", "notify": False})
    mirror = harness.wiring.mirror
    purge_entity = mirror.purge

    def crash(ctx: str, entity: str) -> int:
        raise RuntimeError("the function timed out")

    monkeypatch.setattr(mirror, "purge", crash)
    purge = message({"kind": "lifecycle", "ctx": CTX, "follow_up": "purge"})
    with pytest.raises(RuntimeError):
        harness.wiring.worker.handle(purge, budget())
    profile = harness.tenants.get(CTX)
    assert profile is not None
    assert profile.status is TenantStatus.DELETED  # marked before the mirror is emptied
    assert harness.mirrored(CTX, "contact")
    monkeypatch.setattr(mirror, "purge", purge_entity)
    retry = harness.wiring.worker.handle(purge, budget())
    assert "mirrored records" in retry.reason
    for entity in ENTITIES:
        assert harness.mirrored(CTX, entity) == {}


def test_a_delete_the_state_api_does_not_confirm_purges_nothing(
    harness: SyncHarness, control: Control
) -> None:
    harness.install(CTX)
    sync(harness)
    outcome = harness.wiring.worker.handle(
        message({"kind": "lifecycle", "ctx": CTX, "follow_up": "purge"}), budget()
    )
    assert outcome.status == "skipped"
    assert harness.mirrored(CTX, "contact")
    profile = harness.tenants.get(CTX)
    assert profile is not None
    assert profile.status is TenantStatus.ACTIVE


def test_backup_restored_resyncs_everything(harness: SyncHarness, control: Control) -> None:
    harness.install(CTX)
    sync(harness)
    # The restore took a record back in time: same key, older content, older timestamp.
    key = min(harness.simulator_records(CTX, "contact"))
    control.save(CTX, "contact", {"name": "As it was"}, id=key, updated="2020-01-01T00:00:00")
    outcome = harness.wiring.worker.handle(
        message({"kind": "lifecycle", "ctx": CTX, "follow_up": "full_resync"}), budget()
    )
    assert outcome.status == "done", outcome
    assert harness.mirrored(CTX, "contact")[key]["name"] == "As it was"
    for entity in ENTITIES:
        assert_mirror_matches(harness, CTX, entity)


@pytest.mark.parametrize(
    ("status", "not_running", "event"),
    [
        (TenantStatus.UPGRADING, "OfflineMaintenance", "upgrade_finished"),
        # The Resume notification never arrived (or the app's tables were restored from
        # before it): the dispatcher's check asks the state API, which decides.
        (TenantStatus.SUSPENDED, "Suspended", "resumed_by_state_check"),
    ],
)
def test_a_waiting_tenant_is_active_again_once_the_state_api_says_running(
    harness: SyncHarness, control: Control, status: TenantStatus, not_running: str, event: str
) -> None:
    harness.install(CTX)
    harness.tenants.transition(CTX, status, allowed_from={TenantStatus.ACTIVE})
    control.put(f"/tenants/{CTX}/state", {"state": not_running})
    follow_up = message({"kind": "lifecycle", "ctx": CTX, "follow_up": "wait_for_running"})
    assert harness.wiring.worker.handle(follow_up, budget()).status == "skipped"
    assert harness.tenants.get(CTX).status is status  # type: ignore[union-attr]
    control.put(f"/tenants/{CTX}/state", {"state": "Running"})
    assert harness.wiring.worker.handle(follow_up, budget()).status == "done"
    assert harness.tenants.get(CTX).status is TenantStatus.ACTIVE  # type: ignore[union-attr]
    assert event in [entry.kind for entry in harness.tenants.recent_events(CTX)]
    assert harness.mirrored(CTX, "contact")


def test_a_tenant_suspended_without_a_notification_follows_the_state_api(
    harness: SyncHarness, control: Control
) -> None:
    # The Suspend notification was lost, or the app's tables were restored from before it.
    harness.install(CTX)
    control.put(f"/tenants/{CTX}/state", {"state": "Suspended"})
    outcome = sync(harness)
    assert outcome.status == "skipped"
    assert outcome.reason == "SuperOffice says Suspended"
    assert harness.tenants.get(CTX).status is TenantStatus.SUSPENDED  # type: ignore[union-attr]
    assert "suspended_by_state_check" in [e.kind for e in harness.tenants.recent_events(CTX)]
    assert rest_requests(control.counters(CTX)) == 0


def test_a_passing_state_only_skips_the_run(harness: SyncHarness, control: Control) -> None:
    harness.install(CTX)
    control.put(f"/tenants/{CTX}/state", {"state": "OfflineMaintenance"})
    assert sync(harness).status == "skipped"
    assert harness.tenants.get(CTX).status is TenantStatus.ACTIVE  # type: ignore[union-attr]
    assert harness.queued() == []


def test_a_tenant_deleted_without_a_notification_is_purged_after_the_state_check(
    harness: SyncHarness, control: Control
) -> None:
    harness.install(CTX)
    sync(harness)
    harness.queued()  # what the install and the first run queued
    control.post(f"/tenants/{CTX}/changes", {"change": "Delete", "notify": False})
    # The first run's state answer is used until its ValidUntil: let that pass.
    harness.tenants.update_fields(CTX, state_valid_until=datetime.now(UTC) - timedelta(minutes=1))
    harness.wiring.worker._state_api.forget(CTX)  # and the warm function's copy of it
    outcome = sync(harness)
    assert outcome.status == "skipped"
    assert outcome.reason.endswith("purge queued")
    assert "deleted_by_state_check" in [e.kind for e in harness.tenants.recent_events(CTX)]
    queued = harness.queued()
    assert [(m["kind"], m["follow_up"]) for m in queued] == [("lifecycle", "purge")]
    assert harness.mirrored(CTX, "contact")  # nothing removed before the purge asks again
    purge = harness.wiring.worker.handle(message(queued[0]), budget())
    assert purge.status == "purged"
    for entity in ENTITIES:
        assert harness.mirrored(CTX, entity) == {}
    assert harness.tenants.get(CTX).status is TenantStatus.DELETED  # type: ignore[union-attr]


def test_a_paused_tenant_is_skipped(harness: SyncHarness, control: Control) -> None:
    harness.install(CTX)
    harness.tenants.update_fields(CTX, sync_paused=True)
    control.reset_counters(CTX)
    assert sync(harness).status == "skipped"
    assert control.counters(CTX).get("total", 0) == 0


def test_uninstall_removes_the_mirrored_records_and_the_sync_stops(
    harness: SyncHarness, control: Control, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness.install(CTX)
    sync(harness)
    assert harness.mirrored(CTX, "contact")
    monkeypatch.setenv("RECORDS_TABLE", harness.records_table)
    harness.onboarding.uninstaller.uninstall(CTX, actor="Ada Administrator")
    for entity in ENTITIES:
        assert harness.mirrored(CTX, entity) == {}
    profile = harness.tenants.get(CTX)
    assert profile is not None
    assert profile.status is TenantStatus.UNINSTALLED
    control.reset_counters(CTX)
    assert sync(harness).status == "skipped"
    assert control.counters(CTX).get("total", 0) == 0
    event = harness.tenants.recent_events(CTX)[0]
    assert event.kind == "uninstalled"
    assert event.details["mirrored_records_removed"] > 0


def test_a_moved_tenant_is_found_through_the_state_api_without_a_notification(
    harness: SyncHarness, control: Control
) -> None:
    """A Move is applied by NotificationConfirmFunction (tests/integration/lifecycle);
    the worker does not need it: the old host's 421 sends it to the state API."""
    harness.install(CTX)
    control.post(f"/tenants/{CTX}/changes", {"change": "Move", "host": "sod7", "notify": False})
    assert sync(harness).status == "done"
    state_answer = harness.tenants.get(CTX).state_answer
    assert state_answer is not None
    assert "/sod7/" in state_answer["Api"]


def uninstall(harness: SyncHarness, monkeypatch: pytest.MonkeyPatch, ctx: str = CTX) -> None:
    """The management page's uninstall, as RedirectCallbackFunction wires it (its
    RecordsTable and SyncQueue; the queue is the harness's, so sends are recorded)."""
    monkeypatch.setenv("RECORDS_TABLE", harness.records_table)
    onboarding = harness.onboarding
    onboarding.__dict__["sync_queue"] = harness.wiring.queue
    onboarding.uninstaller.uninstall(ctx, actor="admin@example.com")


def test_an_uninstall_sweeps_the_mirror_again_after_a_late_sync_write(
    harness: SyncHarness, control: Control, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness.install(CTX)
    sync(harness)
    late = harness.wiring.mirror.changes(
        CTX, "contact", [MirrorRecord(99_999, datetime(2026, 11, 22, 9, 0, tzinfo=UTC))]
    )
    uninstall(harness, monkeypatch)
    for entity in ENTITIES:
        assert harness.mirrored(CTX, entity) == {}
    sweeps = [
        (body, delay) for body, delay in harness.delays if body.get("follow_up") == "sweep_mirror"
    ]
    assert sweeps == [
        (
            {
                "kind": "lifecycle",
                "ctx": CTX,
                "follow_up": "sweep_mirror",
                "change_type": None,
            },
            300,
        )
    ]
    # A worker that renewed the lease just before the purge writes its page after it.
    harness.wiring.mirror.write(CTX, late)
    assert list(harness.mirrored(CTX, "contact")) == [99_999]
    outcome = harness.wiring.worker.handle(message(harness.queued()[-1]), budget())
    assert outcome.status == "done"
    assert harness.mirrored(CTX, "contact") == {}
    assert harness.tenants.recent_events(CTX)[0].kind == "mirror_swept"


def test_a_sweep_after_a_reinstall_leaves_the_new_mirror_alone(
    harness: SyncHarness, control: Control, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness.install(CTX)
    uninstall(harness, monkeypatch)
    sweep = harness.queued()[-1]
    harness.install(CTX)
    sync(harness, entities=["contact"])
    mirrored = harness.mirrored(CTX, "contact")
    assert mirrored
    outcome = harness.wiring.worker.handle(message(sweep), budget())
    assert outcome.status == "skipped"
    assert harness.mirrored(CTX, "contact") == mirrored
