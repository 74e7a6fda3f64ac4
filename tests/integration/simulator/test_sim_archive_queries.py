"""Archive queries over HTTP, through the REST gate with a system-user ticket: the app's
keyset paging over bulk records, reconciliation by primary key, added tenants, faults for
a period and offline maintenance."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from sim_driver import SystemUserDriver

pytestmark = pytest.mark.integration

CONTROL = "/_control/tenants"
DYNAMIC = "/v1/Archive/dynamic"


def system_headers(client: httpx.Client, system_user: SystemUserDriver, ctx: str) -> dict[str, str]:
    token = client.post(f"{CONTROL}/{ctx}/approve").json()["systemToken"]
    return system_user.headers(system_user.ticket(ctx, token))


def api_of(client: httpx.Client, ctx: str) -> str:
    """The tenant's REST base as the state API names it, without the simulator's origin."""
    api: str = client.get(f"/api/state/{ctx}").json()["Api"]
    return api.removeprefix(str(client.base_url).rstrip("/"))


def after(updated: str, key: int) -> str:
    """The app's keyset filter: what comes after (updated, key) in (updated, id) order."""
    return (
        f"(contact.updated afterTime '{updated}') or "
        f"(contact.updated dateTime '{updated}' and contact.contact_id gt {key})"
    )


def page(
    client: httpx.Client, url: str, headers: dict[str, str], **params: str
) -> list[dict[str, Any]]:
    answer = client.get(url, headers=headers, params={f"${k}": v for k, v in params.items()})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    # No odata.nextLink: SuperOffice documents it as a string, there only with a next page.
    assert set(body) == {"odata.metadata", "value"}
    rows: list[dict[str, Any]] = body["value"]
    return rows


def test_a_query_through_the_gate_with_a_ticket(
    client: httpx.Client, system_user: SystemUserDriver
) -> None:
    headers = system_headers(client, system_user, "Cust10001")
    api = api_of(client, "Cust10001")
    client.delete(f"{CONTROL}/Cust10001/counters")
    seeded = client.get(f"{CONTROL}/Cust10001/records", params={"entity": "contact"}).json()
    contacts = sorted(seeded["records"]["contact"], key=lambda r: (r["updated"], r["primaryKey"]))
    assert seeded["counts"] == {"contact": 40}
    rows = page(
        client,
        api + DYNAMIC,
        headers,
        select="contact.contact_id,contact.updated,contact.name,contact.kananame",
        orderby="contact.updated,contact.contact_id",
        top="15",
    )
    assert [row["PrimaryKey"] for row in rows] == [r["primaryKey"] for r in contacts[:15]]
    first = rows[0]
    assert list(first) == [
        "PrimaryKey",
        "EntityName",
        "contact.contact_id",
        "contact.updated",
        "contact.name",
        "contact.kananame",
    ]
    assert first["EntityName"] == "contact"
    assert first["contact.contact_id"] == first["PrimaryKey"]
    assert first["contact.updated"] == contacts[0]["updated"]
    assert first["contact.name"] == contacts[0]["fieldValues"]["name"]
    # A documented field the record has no value for.
    assert first["contact.kananame"] is None
    # The next page: what comes after the last row, within its second too.
    last = rows[-1]
    rest = page(
        client,
        api + DYNAMIC,
        headers,
        select="contact.contact_id,contact.updated",
        filter=after(last["contact.updated"], last["contact.contact_id"]),
        orderby="contact.updated,contact.contact_id",
        top="5000",
    )
    assert [row["PrimaryKey"] for row in rows + rest] == [r["primaryKey"] for r in contacts]
    # The entity archive: columns without the prefix, answered as given.
    persons = page(
        client, api + "/v1/person", headers, select="firstname,person.contact_id", top="3"
    )
    assert [set(row) for row in persons] == [
        {"PrimaryKey", "EntityName", "firstname", "person.contact_id"}
    ] * 3
    refused = client.get(
        api + DYNAMIC,
        headers=headers,
        params={"$select": "contact.name", "$filter": "contact.contact_id le 5"},
    )
    assert refused.status_code == 400
    assert refused.json()["ErrorType"] == "SoArgumentException"
    assert "le" in refused.json()["ErrorMessage"]
    assert client.get(api + DYNAMIC, params={"$select": "contact.name"}).status_code == 401
    wrong_host = client.get(
        api.replace("/sod2/", "/sod3/") + DYNAMIC,
        headers=headers,
        params={"$select": "contact.name"},
    )
    assert wrong_host.status_code == 421
    counters = client.get(f"{CONTROL}/Cust10001/counters").json()
    assert counters["byPath"] == {"GET /api/v1/Archive/dynamic": 5, "GET /api/v1/person": 1}
    assert counters["byStatus"] == {"200": 3, "400": 1, "401": 1, "421": 1}


def test_keyset_paging_and_reconciliation_over_bulk_records(
    client: httpx.Client, system_user: SystemUserDriver
) -> None:
    created = client.post(
        CONTROL,
        json={
            "ctx": "Cust20001",
            "companyName": "Bulk AS",
            "host": "sod5",
            "records": {"contact": 3},
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["serial"]
    bulk = client.post(
        f"{CONTROL}/Cust20001/records/contact/bulk",
        json={
            "count": 5000,
            "perSecond": 7,
            "startAt": "2026-11-01T10:00:00",
            "fields": {"name": "Bulk {n}"},
        },
    )
    assert bulk.status_code == 201
    assert bulk.json()["created"] == 5000
    # A record moved into another second is read once, where it sorts now.
    moved = client.post(
        f"{CONTROL}/Cust20001/records/contact",
        json={
            "id": 10,
            "fields": {"name": "Moved"},
            "updated": "2026-11-01T10:00:05",
            "notify": False,
        },
    )
    assert moved.status_code == 200
    headers = system_headers(client, system_user, "Cust20001")
    api = api_of(client, "Cust20001")
    assert api == "/sod5/Cust20001/api"
    seen: list[int] = []
    cursor: tuple[str, int] | None = None
    while True:
        params = {
            "select": "contact.contact_id,contact.updated,contact.name",
            "orderby": "contact.updated,contact.contact_id",
            "top": "333",
        }
        if cursor is not None:
            params["filter"] = after(*cursor)
        rows = page(client, api + DYNAMIC, headers, **params)
        if not rows:
            break
        seen += [row["PrimaryKey"] for row in rows]
        cursor = (rows[-1]["contact.updated"], rows[-1]["contact.contact_id"])
    assert len(seen) == len(set(seen)) == 5003
    assert set(seen) == set(range(1, 5004))
    # Deletions show up only as keys missing from a reconciliation.
    for key in (4000, 4001):
        assert client.delete(f"{CONTROL}/Cust20001/records/contact/{key}").status_code == 200
    keys = page(
        client,
        api + DYNAMIC,
        headers,
        select="contact.contact_id",
        filter="contact.contact_id gt 3990",
        top="20",
    )
    assert [row["contact.contact_id"] for row in keys] == [
        k for k in range(3991, 4013) if k not in (4000, 4001)
    ]
    # A delete in the user interface keeps the row: it shows as DeletedDate, not missing.
    soft = client.post(f"{CONTROL}/Cust20001/records/contact/4002/softdelete", json={})
    assert soft.status_code == 200
    assert soft.json()["event"] == "contact.softdeleted"
    keys = page(
        client,
        api + DYNAMIC,
        headers,
        select="contact.contact_id,contact.DeletedDate",
        filter="contact.contact_id gt 4001",
        top="2",
    )
    assert [(row["contact.contact_id"], row["contact.DeletedDate"]) for row in keys] == [
        (4002, soft.json()["fieldValues"]["DeletedDate"]),
        (4003, "0001-01-01T00:00:00"),
    ]


def test_a_fault_for_a_period_and_offline_maintenance(
    client: httpx.Client, system_user: SystemUserDriver
) -> None:
    headers = system_headers(client, system_user, "Cust10002")
    url = api_of(client, "Cust10002") + "/v1/Sale"
    fault = client.post(
        f"{CONTROL}/Cust10002/faults",
        json={"status": 503, "forSeconds": 0.5, "pathContains": "/v1/Sale"},
    )
    assert fault.json()["faults"][0]["forSeconds"] == 0.5
    for _ in range(3):
        assert client.get(url, headers=headers).status_code == 503
    assert client.get(url.replace("/v1/Sale", "/v1/List"), headers=headers).status_code == 200
    time.sleep(0.6)
    assert client.get(url, headers=headers).status_code == 200
    assert client.get(f"{CONTROL}/Cust10002/faults").json()["faults"] == []

    client.put(f"{CONTROL}/Cust10002/state", json={"state": "OfflineMaintenance"})
    offline = client.get(url, headers=headers)
    assert offline.status_code == 503
    assert offline.json()["ErrorType"] == "SoTenantNotAvailableException"
    assert client.get("/api/state/Cust10002").json()["IsRunning"] is False
    client.put(f"{CONTROL}/Cust10002/state", json={"state": "Running"})
    assert client.get(url, headers=headers).status_code == 200


def test_reset_forgets_added_tenants(client: httpx.Client) -> None:
    for number in range(100):
        answer = client.post(CONTROL, json={"ctx": f"Cust3{number:04d}", "records": {"contact": 2}})
        assert answer.status_code == 201
    assert len(client.get(CONTROL).json()) == 103
    assert client.post(CONTROL, json={"ctx": "Cust30000"}).status_code == 409
    assert client.post("/_control/reset").json()["tenants"] == [
        "Cust10001",
        "Cust10002",
        "Cust10003",
    ]
