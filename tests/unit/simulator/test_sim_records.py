"""Seeded and bulk records, added tenants, timed faults, and queries through the REST gate,
all without a network and with a fake clock."""

from __future__ import annotations

import calendar
import json
import time
from collections import Counter
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import pytest

from local.id_tokens import tenant_serial
from local.simulator.app import build_router
from local.simulator.apps import RegisteredApp
from local.simulator.context import SimulatorContext
from local.simulator.faults import Fault, FaultQueue
from local.simulator.record_seed import UPDATED_WITHIN_SECONDS
from local.simulator.records import Records
from local.simulator.routing import BadRequest, Conflict, HTTPError, Request, Router
from local.simulator.state import SimulatorState
from local.simulator.timestamps import format_timestamp, whole_seconds
from local.superid_keys import load_or_create_signing_key

NOW = calendar.timegm((2026, 11, 1, 12, 0, 0, 0, 0, 0)) + 0.25
APP = RegisteredApp(
    client_id="client",
    client_secret="secret",
    public_key_pem="unused here",
    name="PartnerApp",
    redirect_uris=(),
)


class FakeClock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def new_state(clock: FakeClock | None = None) -> SimulatorState:
    return SimulatorState([APP], clock=clock or FakeClock())


# -- seeded records -----------------------------------------------------------------------


def test_seeded_tenants_have_records_of_their_own() -> None:
    state = new_state()
    counts = {t.ctx: t.records.counts() for t in state.tenants()}
    assert counts["Cust10001"] == {"contact": 40, "person": 80, "project": 12, "sale": 25}
    assert sum(counts["Cust10002"].values()) < sum(counts["Cust10001"].values())
    production = state.tenant("Cust10001").records.snapshot()
    sandbox = state.tenant("Cust10003").records.snapshot()
    production_names = {r["fieldValues"]["name"] for r in production["contact"]}
    sandbox_names = {r["fieldValues"]["name"] for r in sandbox["contact"]}
    assert production_names != sandbox_names


def test_seeded_timestamps_lie_in_the_last_days_and_share_seconds() -> None:
    state = new_state()
    records = state.tenant("Cust10001").records
    for entity in ("contact", "person", "sale", "project"):
        stored = list(records.of(entity).values())
        for record in stored:
            assert NOW - UPDATED_WITHIN_SECONDS - 60 <= record.updated < NOW
            assert record.registered <= record.updated
        groups = Counter(record.updated for record in stored)
        assert set(groups.values()) <= set(range(3, 11)), (entity, groups)
        # Keys are not in updated order: paging by key alone would not do.
        by_updated = sorted(stored, key=lambda r: (r.updated, r.primary_key))
        assert [r.primary_key for r in by_updated] != sorted(r.primary_key for r in stored)


def test_persons_point_to_contacts_and_seeding_is_deterministic() -> None:
    first, second = new_state(), new_state()
    tenant = first.tenant("Cust10001")
    contacts = set(tenant.records.of("contact"))
    assert all(p.fields["contact_id"] in contacts for p in tenant.records.of("person").values())
    assert [t.records.snapshot() for t in first.tenants()] == [
        t.records.snapshot() for t in second.tenants()
    ]


def test_reset_restores_the_seeded_records() -> None:
    clock = FakeClock()
    state = new_state(clock)
    before = state.tenant("Cust10001").records.snapshot()
    with state.lock:
        records = state.tenant("Cust10001").records
        records.delete("contact", 1)
        records.save("contact", {"name": "New"}, now=clock())
    state.reset()
    assert state.tenant("Cust10001").records.snapshot() == before


def test_saving_stamps_updated_and_keeps_registered() -> None:
    records = Records()
    created = records.save("contact", {"name": "A"}, now=NOW)
    record = records.of("contact")[created.primary_key]
    assert (record.registered, record.updated) == (int(NOW), int(NOW))
    records.save("contact", {"name": "B"}, created.primary_key, now=NOW + 10.5)
    assert (record.registered, record.updated) == (int(NOW), int(NOW) + 10)
    explicit = whole_seconds("2026-11-01T10:00:05")
    records.save("contact", {}, created.primary_key, now=NOW, updated=explicit)
    assert record.to_json()["updated"] == "2026-11-01T10:00:05"
    assert record.to_json()["registered"] == format_timestamp(NOW)


# -- bulk ---------------------------------------------------------------------------------


def test_bulk_creates_groups_per_second_with_running_numbers() -> None:
    records = Records()
    records.save("contact", {"name": "First"}, now=NOW)
    start = whole_seconds("2026-11-01T10:00:00")
    result = records.bulk(
        "Contact", 20, per_second=7, start=start, fields={"name": "Bulk {n}", "size": 3}
    )
    assert (result.entity, result.created) == ("contact", 20)
    assert (result.first_primary_key, result.last_primary_key) == (2, 21)
    made = [records.of("contact")[key] for key in range(2, 22)]
    assert [r.fields["name"] for r in made[:3]] == ["Bulk 1", "Bulk 2", "Bulk 3"]
    assert made[-1].fields == {"name": "Bulk 20", "size": 3}
    assert Counter(r.updated - start for r in made) == {0: 7, 1: 7, 2: 6}
    assert all(r.registered == r.updated for r in made)
    assert records.save("contact", {}, now=NOW).primary_key == 22


def test_bulk_of_ten_thousand_is_fast() -> None:
    records = Records()
    started = time.perf_counter()
    records.bulk("person", 10_000, per_second=9, start=int(NOW), fields={"firstname": "P{n}"})
    assert time.perf_counter() - started < 0.5
    assert records.counts()["person"] == 10_000
    assert records.of("person")[10_000].fields == {"firstname": "P10000"}


# -- tenants ------------------------------------------------------------------------------


def test_added_tenants_run_with_their_own_serial_and_go_on_reset() -> None:
    state = new_state()
    tenant = state.add_tenant("Cust20001", "Added AS", "sod7", {"contact": 5, "person": 12})
    assert (tenant.state, tenant.host, tenant.serial) == (
        "Running",
        "sod7",
        tenant_serial("Cust20001"),
    )
    assert tenant.records.counts() == {"contact": 5, "person": 12, "project": 0, "sale": 0}
    assert state.tenant("cust20001") is tenant
    with pytest.raises(Conflict):
        state.add_tenant("Cust20001", "Again", "sod2")
    with pytest.raises(Conflict):
        state.add_tenant("Cust10001", "Seeded", "sod2")
    for ctx in ("cust20002", "Cust", "Cust12a", "Tenant1", " Cust20002"):
        with pytest.raises(BadRequest):
            state.add_tenant(ctx, "Bad", "sod2")
    with pytest.raises(BadRequest):
        state.add_tenant("Cust20002", "Bad host", "sod")
    for number in range(100):
        state.add_tenant(f"Cust3{number:04d}", f"Tenant {number}", "sod2", {"contact": 2})
    assert len(state.tenants()) == 104
    assert len({t.serial for t in state.tenants()}) == 104
    state.reset()
    assert [t.ctx for t in state.tenants()] == ["Cust10001", "Cust10002", "Cust10003"]


# -- timed faults -------------------------------------------------------------------------


def test_a_timed_fault_applies_to_every_match_until_its_time_is_up() -> None:
    clock = FakeClock()
    queue = FaultQueue()
    queue.add(
        Fault.from_json({"status": 503, "forSeconds": 30, "pathContains": "/Archive"}), clock()
    )
    assert queue.pending(clock())[0] | {"secondsLeft": None} == {
        "count": None,
        "forSeconds": 30.0,
        "secondsLeft": None,
        "status": 503,
        "retryAfter": None,
        "delaySeconds": 0.0,
        "drop": False,
        "method": None,
        "pathContains": "/Archive",
    }
    for _ in range(50):
        fault = queue.take("GET", "/api/v1/Archive/dynamic", clock())
        assert fault is not None
        assert fault.status == 503
    assert queue.take("GET", "/api/v1/List", clock()) is None
    clock.now += 29.5
    assert queue.pending(clock())[0]["secondsLeft"] == pytest.approx(0.5)
    assert queue.take("GET", "/api/v1/Archive/dynamic", clock()) is not None
    clock.now += 0.5
    assert queue.take("GET", "/api/v1/Archive/dynamic", clock()) is None
    assert queue.pending(clock()) == []


@pytest.mark.parametrize(
    "data",
    [
        {"status": 503, "forSeconds": 0},
        {"status": 503, "forSeconds": -5},
        {"status": 503, "forSeconds": "30"},
        {"status": 503, "forSeconds": True},
        {"status": 503, "forSeconds": 90_000},
        {"status": 503, "forSeconds": 30, "count": 2},
    ],
)
def test_senseless_timed_faults_are_refused(data: dict[str, Any]) -> None:
    with pytest.raises(BadRequest):
        Fault.from_json(data)


# -- through the router: the REST gate, with the fake clock -------------------------------


@pytest.fixture(scope="module")
def signing_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("keys")


def simulator(signing_dir: Path, clock: FakeClock) -> tuple[Router, SimulatorState]:
    state = new_state(clock)
    context = SimulatorContext(
        "http://127.0.0.1:3001", load_or_create_signing_key(signing_dir), state
    )
    return build_router(context), state


def call(
    router: Router,
    method: str,
    path: str,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    body: Any = None,
) -> tuple[int, Any]:
    message = Message()
    for name, value in (headers or {}).items():
        message[name] = value
    handler, parameters = router.match(method, path)
    request = Request(
        method=method,
        path=path,
        query=parse_qs(urlencode(params or {}), keep_blank_values=True),
        headers=message,
        body=b"" if body is None else json.dumps(body).encode(),
        client_address="127.0.0.1",
        path_parameters=parameters,
    )
    try:
        response = handler(request)
    except HTTPError as error:  # as the server answers them
        return error.status, {"error": error.slug, "message": str(error)}
    return response.status, json.loads(response.body) if response.body else None


def ticket_headers(state: SimulatorState, ctx: str) -> dict[str, str]:
    state.approve(ctx, APP.client_id)
    ticket = state.tickets.issue(state.tenant(ctx).ctx, APP.client_id)
    return {"Authorization": f"SOTicket {ticket.value}", "SO-AppToken": APP.client_secret}


def test_a_fault_for_a_period_ends_with_the_simulator_clock(signing_dir: Path) -> None:
    clock = FakeClock()
    router, state = simulator(signing_dir, clock)
    headers = ticket_headers(state, "Cust10001")
    archive = "/sod2/Cust10001/api/v1/Contact"
    added, _ = call(
        router,
        "POST",
        "/_control/tenants/Cust10001/faults",
        body={"status": 503, "forSeconds": 30, "retryAfter": 10},
    )
    assert added == 200
    for _ in range(3):
        status, body = call(router, "GET", archive, {"$select": "name"}, headers)
        assert status == 503
        assert body["ErrorMessage"] == "Injected fault"
    clock.now += 29
    assert call(router, "GET", archive, {"$select": "name"}, headers)[0] == 503
    clock.now += 1
    status, body = call(router, "GET", archive, {"$select": "name"}, headers)
    assert status == 200
    assert len(body["value"]) == 40
    assert call(router, "GET", "/_control/tenants/Cust10001/faults")[1]["faults"] == []
    by_status = call(router, "GET", "/_control/tenants/Cust10001/counters")[1]["byStatus"]
    assert by_status == {"200": 1, "503": 4}


def test_queries_in_offline_maintenance_answer_503(signing_dir: Path) -> None:
    router, state = simulator(signing_dir, FakeClock())
    headers = ticket_headers(state, "Cust10002")
    path = "/sod3/Cust10002/api/v1/Archive/dynamic"
    params = {"$select": "person.person_id,person.contact_id"}
    assert call(router, "GET", path, params, headers)[0] == 200
    call(router, "PUT", "/_control/tenants/Cust10002/state", body={"state": "OfflineMaintenance"})
    status, body = call(router, "GET", path, params, headers)
    assert (status, body["ErrorType"]) == (503, "SoTenantNotAvailableException")
    state_api = call(router, "GET", "/api/state/Cust10002")[1]
    assert (state_api["State"], state_api["IsRunning"]) == ("OfflineMaintenance", False)


def test_control_records_bulk_and_tenants(signing_dir: Path) -> None:
    clock = FakeClock()
    router, state = simulator(signing_dir, clock)
    status, created = call(
        router,
        "POST",
        "/_control/tenants",
        body={
            "ctx": "Cust20001",
            "companyName": "Added AS",
            "host": "sod4",
            "records": {"contact": 5},
        },
    )
    assert status == 201
    assert (created["ctx"], created["state"], created["isRunning"]) == (
        "Cust20001",
        "Running",
        True,
    )
    assert created["serial"] == tenant_serial("Cust20001")
    assert created["records"]["contact"] == 5
    assert created["api"] == "http://127.0.0.1:3001/sod4/Cust20001/api"
    assert call(router, "POST", "/_control/tenants", body={"ctx": "Cust20001"})[0] == 409
    assert call(router, "POST", "/_control/tenants", body={"ctx": "Tenant7"})[0] == 400
    assert (
        call(
            router, "POST", "/_control/tenants", body={"ctx": "Cust20002", "records": {"phone": 1}}
        )[0]
        == 400
    )

    status, bulk = call(
        router,
        "POST",
        "/_control/tenants/Cust20001/records/contact/bulk",
        body={
            "count": 5000,
            "perSecond": 7,
            "startAt": "2026-11-01T10:00:00",
            "fields": {"name": "Bulk {n}"},
        },
    )
    assert status == 201
    assert bulk == {
        "ctx": "Cust20001",
        "entity": "contact",
        "created": 5000,
        "firstPrimaryKey": 6,
        "lastPrimaryKey": 5005,
        "firstUpdated": "2026-11-01T10:00:00",
        "lastUpdated": format_timestamp(whole_seconds("2026-11-01T10:00:00") + 714),
    }
    # Without startAt the run ends the second before now.
    status, late = call(
        router,
        "POST",
        "/_control/tenants/Cust20001/records/sale/bulk",
        body={"count": 10, "perSecond": 3},
    )
    assert (late["firstUpdated"], late["lastUpdated"]) == (
        format_timestamp(NOW - 4),
        format_timestamp(NOW - 1),
    )
    for body in (
        {"count": 0},
        {"count": 100_001},
        {"count": 5, "perSecond": 0},
        {"count": 5, "startAt": "soon"},
    ):
        assert (
            call(router, "POST", "/_control/tenants/Cust20001/records/contact/bulk", body=body)[0]
            == 400
        )

    listing = call(router, "GET", "/_control/tenants/Cust20001/records", {"entity": "Sale"})[1]
    assert listing["counts"] == {"sale": 10}
    assert list(listing["records"]) == ["sale"]
    assert listing["records"]["sale"][0]["updated"] == format_timestamp(NOW - 4)

    status, saved = call(
        router,
        "POST",
        "/_control/tenants/Cust20001/records/contact",
        body={"fields": {"name": "Quiet"}, "updated": "2026-11-01T10:00:05Z", "notify": False},
    )
    assert (status, saved["primaryKey"], saved["updated"], saved["webhooks"]) == (
        201,
        5006,
        "2026-11-01T10:00:05",
        [],
    )
    status, deleted = call(router, "DELETE", "/_control/tenants/Cust20001/records/contact/5006")
    assert (status, deleted["event"]) == (200, "contact.deleted")
    headers = ticket_headers(state, "Cust20001")
    status, answer = call(
        router,
        "GET",
        "/sod4/Cust20001/api/v1/archive/DYNAMIC",
        {"$select": "contact.contact_id", "$filter": "contact.contact_id gt 5000", "$top": "5000"},
        headers,
    )
    assert status == 200
    assert [row["PrimaryKey"] for row in answer["value"]] == [5001, 5002, 5003, 5004, 5005]


# -- deleted in the user interface, restored, removed for good ------------------------------


def test_a_delete_in_the_user_interface_keeps_the_row_with_deleted_date(
    signing_dir: Path,
) -> None:
    clock = FakeClock()
    router, state = simulator(signing_dir, clock)
    headers = ticket_headers(state, "Cust10001")
    archive = "/sod2/Cust10001/api/v1/Archive/dynamic"
    key = min(state.tenant("Cust10001").records.of("person"))
    before = state.tenant("Cust10001").records.of("person")[key].updated
    select = {
        "$select": "person.person_id,person.updated,person.DeletedDate",
        "$filter": f"person.person_id eq {key}",
    }

    def row() -> dict[str, Any]:
        status, answer = call(router, "GET", archive, select, headers)
        assert status == 200
        rows: list[dict[str, Any]] = answer["value"]
        assert len(rows) == 1
        return rows[0]

    assert row()["person.DeletedDate"] == "0001-01-01T00:00:00"
    status, soft = call(
        router, "POST", f"/_control/tenants/Cust10001/records/person/{key}/softdelete"
    )
    assert (status, soft["event"], soft["changes"]) == (200, "person.softdeleted", ["DeletedDate"])
    assert soft["fieldValues"]["DeletedDate"] == format_timestamp(NOW)
    # The row is still there, marked; SuperOffice documents no change of `updated`.
    assert row()["person.DeletedDate"] == format_timestamp(NOW)
    assert row()["person.updated"] == format_timestamp(before)
    listing = call(router, "GET", "/_control/tenants/Cust10001/records", {"entity": "person"})[1]
    marked = [r for r in listing["records"]["person"] if r["primaryKey"] == key]
    assert marked[0]["deletedDate"] == format_timestamp(NOW)
    again = call(router, "POST", f"/_control/tenants/Cust10001/records/person/{key}/softdelete")
    assert again[0] == 400

    clock.now += 60
    status, restored = call(
        router,
        "POST",
        f"/_control/tenants/Cust10001/records/person/{key}/restore",
        body={"updated": "2026-11-01T12:00:30"},
    )
    assert (status, restored["event"], restored["changes"]) == (
        200,
        "person.changed",
        ["DeletedDate"],
    )
    assert row()["person.DeletedDate"] == "0001-01-01T00:00:00"
    assert row()["person.updated"] == "2026-11-01T12:00:30"
    assert (
        call(router, "POST", f"/_control/tenants/Cust10001/records/person/{key}/restore")[0] == 400
    )

    # Soft again, then removed for good: person.deleted, and queries no longer find it.
    call(router, "POST", f"/_control/tenants/Cust10001/records/person/{key}/softdelete")
    status, purged = call(router, "DELETE", f"/_control/tenants/Cust10001/records/person/{key}")
    assert (status, purged["event"]) == (200, "person.deleted")
    status, answer = call(router, "GET", archive, select, headers)
    assert answer["value"] == []


@pytest.mark.parametrize("entity", ["sale", "project"])
def test_tables_without_deleted_date_have_no_soft_delete(signing_dir: Path, entity: str) -> None:
    router, state = simulator(signing_dir, FakeClock())
    key = min(state.tenant("Cust10001").records.of(entity))
    status, answer = call(
        router, "POST", f"/_control/tenants/Cust10001/records/{entity}/{key}/softdelete"
    )
    assert status == 400
    assert "no soft delete" in answer["message"]
    missing = call(router, "POST", "/_control/tenants/Cust10001/records/contact/99999/softdelete")
    assert missing[0] == 404
