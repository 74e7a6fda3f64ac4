"""Installs and status transitions: transactional, conditional, one winner under contention."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from store_testkit import START, SYSTEM_TOKEN, TICKET, FakeClock

from superoffice_app.store import (
    PURGED_STATUSES,
    AppliedNotification,
    ConflictError,
    Installer,
    ProvisionedItem,
    TenantNotFoundError,
    TenantProfile,
    TenantStatus,
    TenantStatusError,
    TenantStore,
    TransitionError,
)
from superoffice_app.tokens.secret import Secret

pytestmark = pytest.mark.integration

Install = Callable[..., TenantProfile]
Items = Callable[[str], Mapping[str, dict[str, Any]]]
ACTIVE = TenantStatus.ACTIVE
INSTALLING = TenantStatus.INSTALLING
LIVE = set(TenantStatus) - PURGED_STATUSES


def activate(store: TenantStore, ctx: str = "Cust10001") -> TenantProfile:
    return store.transition(ctx, ACTIVE, allowed_from={INSTALLING})


# -- begin_install ------------------------------------------------------------------------------


def test_a_new_install_writes_profile_and_sealed_secrets_together(
    install: Install, store: TenantStore, items_of: Items
) -> None:
    profile = install(
        "Cust10001",
        version="Release_11.10_2026.02.24-02",
        state_answer={"State": "Running", "IsRunning": True, "ValidUntil": "x"},
        state_valid_until=START + timedelta(minutes=10),
    )
    assert profile.status is INSTALLING
    assert profile.revision == 1
    assert profile.created_at == profile.installed_at == profile.transitioned_at == START
    assert profile.installed_by == Installer(
        associate_id=5, name="Ada Admin", email="ada@acme.example"
    )
    assert store.get("Cust10001") == profile
    items = items_of("Cust10001")
    assert set(items) == {"PROFILE", "SECRET#system_token", "SECRET#ticket"}
    # Ciphertext only: the plaintext is nowhere in the table.
    assert SYSTEM_TOKEN not in repr(items)
    assert TICKET not in repr(items)
    assert "ciphertext" in items["SECRET#system_token"]
    assert store.get_secret("Cust10001", "system_token") == Secret(SYSTEM_TOKEN)
    assert store.get_secret("Cust10001", "ticket") == Secret(TICKET)
    # Only the profile carries `status` (the ByStatus index stays sparse).
    assert [sk for sk, item in items.items() if "status" in item] == ["PROFILE"]


def test_the_profile_never_holds_a_secret(install: Install) -> None:
    profile = install("Cust10001")
    assert SYSTEM_TOKEN not in repr(profile)
    assert TICKET not in repr(profile)


def test_a_reinstall_rewrites_the_profile_and_replaces_all_secrets(
    install: Install, store: TenantStore, clock: FakeClock, items_of: Items
) -> None:
    first = install("Cust10001", secrets={"system_token": "old-token", "ticket": "7T:old"})
    activate(store)
    store.record_provisioned("Cust10001", ProvisionedItem(kind="webpanel", key="acme_panel"))
    store.append_event("Cust10001", "install", "installed")
    clock.advance(days=3)
    again = install("Cust10001", company_name="Acme Renamed AS", secrets={"system_token": "new"})
    assert again.status is INSTALLING
    assert again.revision == 3
    assert again.created_at == first.created_at
    assert again.installed_at == clock.now
    assert again.company_name == "Acme Renamed AS"
    assert store.get_secret("Cust10001", "system_token") == Secret("new")
    # The previous install's ticket must not outlive it.
    assert store.get_secret("Cust10001", "ticket") is None
    assert "SECRET#ticket" not in items_of("Cust10001")
    # What exists in SuperOffice and what happened stay on record.
    assert [item.key for item in store.list_provisioned("Cust10001")] == ["acme_panel"]
    assert [event.kind for event in store.recent_events("Cust10001")] == ["install"]


@pytest.mark.parametrize(
    "status",
    [TenantStatus.INSTALL_FAILED, TenantStatus.REVOKED, TenantStatus.SUSPENDED, INSTALLING],
)
def test_an_install_takes_over_a_failed_crashed_or_lost_tenant(
    install: Install, store: TenantStore, status: TenantStatus
) -> None:
    install("Cust10001")
    if status is not INSTALLING:
        path = {
            TenantStatus.INSTALL_FAILED: [TenantStatus.INSTALL_FAILED],
            TenantStatus.REVOKED: [ACTIVE, TenantStatus.REVOKED],
            TenantStatus.SUSPENDED: [ACTIVE, TenantStatus.SUSPENDED],
        }[status]
        for step in path:
            store.transition("Cust10001", step, allowed_from=LIVE)
    assert install("Cust10001").status is INSTALLING


def test_no_install_while_an_uninstall_runs(
    install: Install, store: TenantStore, items_of: Items
) -> None:
    install("Cust10001")
    activate(store)
    store.transition("Cust10001", TenantStatus.UNINSTALLING, allowed_from={ACTIVE})
    before = items_of("Cust10001")
    with pytest.raises(TransitionError) as refused:
        install("Cust10001", secrets={"system_token": "new"})
    assert refused.value.status == TenantStatus.UNINSTALLING
    assert refused.value.to == INSTALLING
    assert items_of("Cust10001") == before  # neither profile nor secrets touched


def test_a_stale_expected_revision_refuses_the_install(install: Install) -> None:
    install("Cust10001")
    with pytest.raises(ConflictError) as refused:
        install("Cust10001", expected_revision=7)
    assert (refused.value.expected_revision, refused.value.actual_revision) == (7, 1)


def test_the_transaction_is_all_or_nothing(
    install: Install, store: TenantStore, items_of: Items, tenants_table: Any
) -> None:
    """A writer that got in between read and write cancels profile and secrets alike."""
    install("Cust10001", secrets={"system_token": "first"})
    original_get = store.get
    raced = threading.Event()

    def get_then_race(ctx: str) -> TenantProfile | None:
        profile = original_get(ctx)
        if not raced.is_set():
            raced.set()
            store.update_fields(ctx, company_name="Changed In Between")
        return profile

    store.get = get_then_race  # type: ignore[method-assign]
    with pytest.raises(ConflictError):
        install("Cust10001", secrets={"system_token": "second", "ticket": "7T:second"})
    store.get = original_get  # type: ignore[method-assign]
    assert store.get_secret("Cust10001", "system_token") == Secret("first")
    assert "SECRET#ticket" not in items_of("Cust10001")
    profile = store.get("Cust10001")
    assert profile is not None
    assert profile.company_name == "Changed In Between"
    assert profile.revision == 2


def test_concurrent_first_installs_leave_one_consistent_tenant(
    install: Install, store: TenantStore
) -> None:
    def attempt(number: int) -> str:
        try:
            install("Cust10001", secrets={"system_token": f"token-{number}"})
        except ConflictError:
            return "conflict"
        return f"token-{number}"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(attempt, range(8)))
    winners = [outcome for outcome in outcomes if outcome != "conflict"]
    profile = store.get("Cust10001")
    assert profile is not None
    # Every success was a full write; the last one's secret is the one stored.
    assert profile.revision == len(winners)
    secret = store.get_secret("Cust10001", "system_token")
    assert secret is not None
    assert secret.reveal() in winners


# -- transitions -------------------------------------------------------------------------------


def test_a_transition_moves_the_status_and_counts_the_revision(
    install: Install, store: TenantStore, clock: FakeClock
) -> None:
    install("Cust10001")
    clock.advance(seconds=30)
    active = store.transition(
        "Cust10001",
        ACTIVE,
        allowed_from={INSTALLING},
        expected_revision=1,
        version="Release_11.10_2026.02.24-02",
    )
    assert active.status is ACTIVE
    assert active.revision == 2
    assert active.transitioned_at == active.updated_at == clock.now
    assert active.version == "Release_11.10_2026.02.24-02"
    assert store.get("Cust10001") == active


def test_a_refused_transition_says_why_and_changes_nothing(
    install: Install, store: TenantStore
) -> None:
    install("Cust10001")
    with pytest.raises(TransitionError) as refused:
        store.transition("Cust10001", TenantStatus.SUSPENDED, allowed_from={ACTIVE})
    error = refused.value
    assert (error.ctx, error.status, error.to) == ("Cust10001", INSTALLING, "suspended")
    assert error.allowed == {ACTIVE}
    assert "Cust10001 is installing: cannot move to suspended" in str(error)
    profile = store.get("Cust10001")
    assert profile is not None
    assert profile.revision == 1


def test_a_stale_revision_is_a_conflict(install: Install, store: TenantStore) -> None:
    install("Cust10001")
    activate(store)
    with pytest.raises(ConflictError) as refused:
        store.transition(
            "Cust10001", TenantStatus.SUSPENDED, allowed_from={ACTIVE}, expected_revision=1
        )
    assert (refused.value.expected_revision, refused.value.actual_revision) == (1, 2)


def test_a_missing_tenant_is_reported(store: TenantStore) -> None:
    with pytest.raises(TenantNotFoundError):
        store.transition("Cust404", ACTIVE, allowed_from={INSTALLING})
    with pytest.raises(TenantNotFoundError):
        store.update_fields("Cust404", company_name="x")
    assert store.get("Cust404") is None


def test_entering_installing_or_a_purged_status_needs_its_own_operation(
    install: Install, store: TenantStore
) -> None:
    install("Cust10001")
    with pytest.raises(ValueError, match="begin_install"):
        store.transition("Cust10001", INSTALLING, allowed_from={INSTALLING})
    with pytest.raises(ValueError, match="purge"):
        store.transition("Cust10001", TenantStatus.UNINSTALLED, allowed_from={INSTALLING})
    with pytest.raises(ValueError, match="begin_install"):
        store.transition("Cust10001", ACTIVE, allowed_from={TenantStatus.DELETED})


def test_same_revision_writers_exactly_one_wins(install: Install, store: TenantStore) -> None:
    install("Cust10001")
    active = activate(store)
    barrier = threading.Barrier(12)

    def suspend_or_upgrade(number: int) -> str:
        target = TenantStatus.SUSPENDED if number % 2 else TenantStatus.UPGRADING
        barrier.wait()
        try:
            store.transition(
                "Cust10001", target, allowed_from={ACTIVE}, expected_revision=active.revision
            )
        except ConflictError:
            return "conflict"
        return target.value

    with ThreadPoolExecutor(max_workers=12) as pool:
        outcomes = list(pool.map(suspend_or_upgrade, range(12)))
    winners = [outcome for outcome in outcomes if outcome != "conflict"]
    assert len(winners) == 1, outcomes
    profile = store.get("Cust10001")
    assert profile is not None
    assert profile.status == winners[0]
    assert profile.revision == active.revision + 1


def test_without_a_revision_the_status_condition_still_admits_one(
    install: Install, store: TenantStore
) -> None:
    install("Cust10001")
    barrier = threading.Barrier(10)

    def activate_once(_: int) -> bool:
        barrier.wait()
        try:
            store.transition("Cust10001", ACTIVE, allowed_from={INSTALLING})
        except TransitionError:
            return False
        return True

    with ThreadPoolExecutor(max_workers=10) as pool:
        assert sum(pool.map(activate_once, range(10))) == 1


def test_update_fields_sets_and_removes_with_optimistic_locking(
    install: Install, store: TenantStore, clock: FakeClock
) -> None:
    install("Cust10001")
    clock.advance(minutes=1)
    notification = AppliedNotification(change_type=5, at=datetime(2026, 3, 2, 9, 31, tzinfo=UTC))
    updated = store.update_fields(
        "Cust10001",
        expected_revision=1,
        endpoint="https://online3.example/Cust10001",
        last_notification=notification,
        serial=None,
    )
    assert updated.revision == 2
    assert updated.status is INSTALLING
    assert updated.endpoint == "https://online3.example/Cust10001"
    assert updated.last_notification == notification
    assert updated.serial is None
    assert updated.updated_at == clock.now
    assert updated.transitioned_at == START
    with pytest.raises(ConflictError):
        store.update_fields("Cust10001", expected_revision=1, company_name="late")
    with pytest.raises(TypeError, match="status"):
        store.update_fields("Cust10001", status="active")


def test_update_fields_refuses_a_purged_tenant(install: Install, store: TenantStore) -> None:
    install("Cust10001")
    store.purge("Cust10001", status=TenantStatus.DELETED)
    with pytest.raises(TenantStatusError) as refused:
        store.update_fields("Cust10001", company_name="ghost")
    assert refused.value.status == TenantStatus.DELETED
