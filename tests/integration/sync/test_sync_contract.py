"""Every request the sync makes, against the strict simulator (issue 12, the sync side).

The simulator refuses, as SuperOffice would, anything its published contract does not
document (`enforce`): archive columns that are not fields of the table, operators not
documented for a column's type, undocumented parameters. A tenant's whole sync life runs
through it here, every kind of query the sync makes, and it refuses nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from tests.integration.sync.conftest import SyncHarness
from tests.integration.sync.sync_helpers import Control, budget, message

pytestmark = pytest.mark.integration

CTX = "Cust10002"
ENTITIES = ("contact", "person", "sale", "project")


@pytest.fixture
def strict(harness: SyncHarness) -> Iterator[Control]:
    control = Control(harness.simulator.base_url)
    mode = control.get("/contract")["mode"]
    control.put("/contract", {"mode": "enforce"})
    control.delete("/contract-refusals")
    yield control
    control.put("/contract", {"mode": mode})


def handle(harness: SyncHarness, body: dict[str, Any]) -> Any:
    outcome = harness.wiring.worker.handle(message({"ctx": CTX, **body}), budget())
    assert outcome.status == "done", outcome
    assert outcome.errors == 0, outcome.entities
    return outcome


def record(entity: str, key: int, event: str) -> dict[str, Any]:
    return {"kind": "record", "entity": entity, "primary_key": key, "event": event}


def test_a_tenant_s_whole_sync_makes_no_request_superoffice_would_refuse(
    harness: SyncHarness, strict: Control
) -> None:
    control = strict
    harness.install(CTX)
    handle(harness, {"kind": "sync", "reason": "install"})  # the first, full sync
    contact = min(harness.simulator_records(CTX, "contact"))
    person = min(harness.simulator_records(CTX, "person"))
    sale = max(harness.simulator_records(CTX, "sale"))
    control.save(CTX, "contact", {"name": "Changed"}, id=contact)
    handle(harness, record("contact", contact, "contact.changed"))  # a targeted sync
    soft = control.post(f"/tenants/{CTX}/records/person/{person}/softdelete", {"notify": False})
    handle(harness, record("person", person, soft["event"]))
    control.post(f"/tenants/{CTX}/records/person/{person}/restore", {"notify": False})
    control.delete(f"/tenants/{CTX}/records/sale/{sale}?notify=false")
    # A scheduled sync with the key reconciliation due: it finds the restored person and
    # the removed sale.
    worker = harness.wiring.worker
    worker._settings = dataclasses.replace(worker._settings, reconcile_every=timedelta(0))
    handle(harness, {"kind": "sync", "reason": "schedule"})
    assert person in harness.mirrored(CTX, "person")
    assert sale not in harness.mirrored(CTX, "sale")
    handle(harness, {"kind": "lifecycle", "follow_up": "full_resync"})  # BackupRestored
    for entity in ENTITIES:
        assert sorted(harness.mirrored(CTX, entity)) == sorted(
            harness.simulator_records(CTX, entity)
        )
    refusals = control.get("/contract-refusals")
    assert refusals["mode"] == "enforce"
    assert refusals["total"] == 0, refusals["refusals"]
    archive = control.counters(CTX)["byPath"].get("GET /api/v1/Archive/dynamic", 0)
    assert archive > 3 * len(ENTITIES)  # it was asked, and it answered every time
