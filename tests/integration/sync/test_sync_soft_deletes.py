"""Deleted in SuperOffice's user interface, removed for good, restored: the mirror and the
bus, through the webhook path (the targeted sync the CRM webhook queues) and through the
scheduled path (change pages and the daily key reconciliation).

The simulator models SuperOffice's two steps: a delete in the user interface keeps the
row with ``DeletedDate`` set (``{entity}.softdeleted``), a later purge removes it
(``{entity}.deleted``), and a restore clears ``DeletedDate`` (``{entity}.changed``).
Neither step moves ``updated`` unless the test says so: SuperOffice does not document it.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest

from local.simulator.timestamps import format_timestamp
from tests.integration.sync.conftest import SyncHarness
from tests.integration.sync.sync_helpers import Control, budget, message

pytestmark = pytest.mark.integration

CTX = "Cust10002"
PATHS = ("webhook", "schedule")


@pytest.fixture
def control(harness: SyncHarness) -> Control:
    return Control(harness.simulator.base_url)


def sync(harness: SyncHarness, *entities: str) -> Any:
    body: dict[str, Any] = {"kind": "sync", "ctx": CTX, "reason": "schedule"}
    if entities:
        body["entities"] = list(entities)
    outcome = harness.wiring.worker.handle(message(body), budget())
    assert outcome.status == "done", outcome
    return outcome


def reconcile_every(harness: SyncHarness, every: timedelta) -> None:
    worker = harness.wiring.worker
    worker._settings = dataclasses.replace(worker._settings, reconcile_every=every)


def deliver(harness: SyncHarness, change: dict[str, Any]) -> Any:
    """What the CRM webhook route queues for the event SuperOffice sent about ``change``."""
    body = {
        "kind": "record",
        "ctx": CTX,
        "entity": change["entity"],
        "primary_key": change["primaryKey"],
        "event": change["event"],
        "event_id": f"test-{change['event']}-{change['primaryKey']}",
    }
    outcome = harness.wiring.worker.handle(message(body), budget())
    assert outcome.status == "done", outcome
    return outcome


def soft_delete(control: Control, entity: str, key: int, **body: Any) -> dict[str, Any]:
    answer: dict[str, Any] = control.post(
        f"/tenants/{CTX}/records/{entity}/{key}/softdelete", {"notify": False, **body}
    )
    return answer


def restore(control: Control, entity: str, key: int, **body: Any) -> dict[str, Any]:
    answer: dict[str, Any] = control.post(
        f"/tenants/{CTX}/records/{entity}/{key}/restore", {"notify": False, **body}
    )
    return answer


def purge(control: Control, entity: str, key: int) -> dict[str, Any]:
    answer: dict[str, Any] = control.delete(f"/tenants/{CTX}/records/{entity}/{key}?notify=false")
    return answer


def learn(harness: SyncHarness, path: str, change: dict[str, Any]) -> None:
    """The app learns of ``change``: its webhook, or the next scheduled sync with the
    daily reconciliation due."""
    if path == "webhook":
        deliver(harness, change)
    else:
        reconcile_every(harness, timedelta(0))
        sync(harness, change["entity"])
        reconcile_every(harness, timedelta(hours=24))


def stalest(harness: SyncHarness, entity: str, count: int = 1) -> list[int]:
    """The least recently changed records: far behind the cursor and its overlap, so only
    an event or the reconciliation can tell the sync about them."""
    records = harness.simulator_records(CTX, entity)
    return sorted(records, key=lambda key: (records[key]["updated"], key))[:count]


def published(events: Any) -> list[tuple[str, int, str]]:
    return [
        (event["detail"]["entity"], event["detail"]["primaryKey"], event["detail"]["change"])
        for event in events.drain()
    ]


@pytest.fixture
def synced(harness: SyncHarness) -> SyncHarness:
    harness.install(CTX)
    sync(harness)
    return harness


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("entity", ["contact", "person"])
def test_a_delete_in_the_user_interface_is_a_delete_once(
    synced: SyncHarness, control: Control, path: str, entity: str
) -> None:
    harness = synced
    (key,) = stalest(harness, entity)
    events = harness.watch_events()  # from here on
    change = soft_delete(control, entity, key)
    assert change["event"] == f"{entity}.softdeleted"
    learn(harness, path, change)
    assert key not in harness.mirrored(CTX, entity)
    assert published(events) == [(entity, key, "deleted")]
    counted = harness.wiring.worker._states.entity(CTX, entity).records_mirrored
    assert counted == len(harness.mirrored(CTX, entity))
    # SuperOffice removes it for good later: nothing is left to delete, nothing published.
    gone = purge(control, entity, key)
    assert gone["event"] == f"{entity}.deleted"
    learn(harness, path, gone)
    learn(harness, "webhook" if path == "schedule" else "schedule", gone)
    assert key not in harness.mirrored(CTX, entity)
    assert published(events) == []


def test_a_soft_delete_the_schedule_sees_only_at_reconciliation_or_when_updated_moves(
    synced: SyncHarness, control: Control
) -> None:
    """SuperOffice does not document that a delete in the user interface moves `updated`:
    the change pages see it when it does, the daily reconciliation in any case."""
    harness = synced
    quiet, touched = stalest(harness, "contact", 2)
    events = harness.watch_events()
    soft_delete(control, "contact", quiet)
    sync(harness, "contact")  # reconciliation not due: the change pages cannot show it
    assert quiet in harness.mirrored(CTX, "contact")
    soft_delete(
        control, "contact", touched, updated=format_timestamp(harness.simulator.state.now() + 1)
    )
    sync(harness, "contact")
    mirrored = harness.mirrored(CTX, "contact")
    assert (quiet in mirrored, touched in mirrored) == (True, False)
    reconcile_every(harness, timedelta(0))
    sync(harness, "contact")
    assert quiet not in harness.mirrored(CTX, "contact")
    assert sorted(published(events)) == [
        ("contact", quiet, "deleted"),
        ("contact", touched, "deleted"),
    ]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("entity", ["contact", "sale"])
def test_a_hard_delete_is_a_delete_once(
    synced: SyncHarness, control: Control, path: str, entity: str
) -> None:
    harness = synced
    key = max(harness.simulator_records(CTX, entity))
    events = harness.watch_events()
    gone = purge(control, entity, key)
    learn(harness, path, gone)
    assert key not in harness.mirrored(CTX, entity)
    learn(harness, "webhook" if path == "schedule" else "schedule", gone)
    assert published(events) == [(entity, key, "deleted")]


@pytest.mark.parametrize("path", PATHS)
def test_a_record_restored_from_a_delete_in_the_user_interface_comes_back_as_created(
    synced: SyncHarness, control: Control, path: str
) -> None:
    harness = synced
    (key,) = stalest(harness, "person")
    before = harness.mirrored(CTX, "person")[key]
    events = harness.watch_events()
    learn(harness, path, soft_delete(control, "person", key))
    assert key not in harness.mirrored(CTX, "person")
    back = restore(control, "person", key)  # `updated` stays behind every cursor
    assert back["event"] == "person.changed"
    learn(harness, path, back)
    assert harness.mirrored(CTX, "person").get(key) == before
    assert published(events) == [("person", key, "deleted"), ("person", key, "created")]
    # What the management page counts is what the mirror holds.
    counted = harness.wiring.worker._states.entity(CTX, "person").records_mirrored
    assert counted == len(harness.mirrored(CTX, "person"))
    # Both paths agree afterwards: nothing more to do, nothing published again.
    learn(harness, "webhook" if path == "schedule" else "schedule", back)
    assert published(events) == []


def test_a_restore_that_moves_updated_is_seen_by_the_change_pages(
    synced: SyncHarness, control: Control
) -> None:
    harness = synced
    (key,) = stalest(harness, "contact")
    deliver(harness, soft_delete(control, "contact", key))
    events = harness.watch_events()
    restore(control, "contact", key, updated=format_timestamp(harness.simulator.state.now() + 1))
    sync(harness, "contact")  # reconciliation not due
    assert key in harness.mirrored(CTX, "contact")
    assert published(events) == [("contact", key, "created")]
