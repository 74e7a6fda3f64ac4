"""The tenant API held to SuperOffice's published contract, over HTTP.

In `enforce` mode every rule refuses a request as SuperOffice would (a SuperOffice error
body, the status SuperOffice gives); in `report` mode the same request is served as
before and the refusal is listed over the control API.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sim_driver import SystemUserDriver

from local.simulator import RunningSimulator

pytestmark = pytest.mark.integration

API = "/sod2/Cust10001/api"
PREFERENCE = f"{API}/v1/Preference/MyPartnerApp/Installed/Database"
PANELS = f"{API}/v1/List/WebPanel/Items"
ARCHIVE = f"{API}/v1/Archive/dynamic"


@pytest.fixture
def api(
    simulator: RunningSimulator, client: httpx.Client, system_user: SystemUserDriver
) -> httpx.Client:
    token = simulator.state.approve("Cust10001", simulator.state.default_client_id())
    client.headers.update(system_user.headers(system_user.ticket("Cust10001", token)))
    return client


def _set_mode(client: httpx.Client, mode: str) -> None:
    answer = client.put("/_control/contract", json={"mode": mode})
    assert answer.status_code == 200, answer.text
    assert answer.json()["mode"] == mode


@pytest.fixture
def mode(client: httpx.Client) -> Iterator[str]:
    """The mode the test asks for (indirect parameter), the session's mode again after."""
    before = client.get("/_control/contract").json()["mode"]
    yield before
    _set_mode(client, before)


@pytest.fixture
def enforce(client: httpx.Client, mode: str) -> None:
    _set_mode(client, "enforce")


@pytest.fixture
def report(client: httpx.Client, mode: str) -> None:
    _set_mode(client, "report")


def _refused(answer: httpx.Response, status: int, *words: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    assert body["Error"] is True
    assert set(body) == {"Error", "ErrorType", "ErrorMessage", "ErrorSource"}
    for word in words:
        assert word in body["ErrorMessage"], body
    return body


def _refusals(client: httpx.Client, **query: str) -> list[dict[str, Any]]:
    answer = client.get("/_control/contract-refusals", params=query)
    assert answer.status_code == 200
    refusals: list[dict[str, Any]] = answer.json()["refusals"]
    return refusals


# -- enforce: one test per rule --------------------------------------------------------------


@pytest.mark.usefixtures("enforce")
def test_an_undocumented_path_is_404(api: httpx.Client) -> None:
    body = _refused(api.get(f"{API}/v1/Nothing/Here"), 404, "/api/v1/Nothing/Here")
    assert body["ErrorType"] == "SoNotFoundException"


@pytest.mark.usefixtures("enforce")
def test_a_method_the_operation_does_not_document_is_405(
    simulator: RunningSimulator, api: httpx.Client
) -> None:
    assert api.put(PREFERENCE, params={"value": "1"}).status_code == 204
    answer = api.delete(PREFERENCE)
    _refused(answer, 405, "DELETE")
    assert answer.headers["Allow"] == "GET, PUT"
    preferences = simulator.state.tenant("Cust10001").items.preferences
    assert preferences.get("MyPartnerApp", "Installed", "Database")["Value"] == "1"  # kept


@pytest.mark.usefixtures("enforce")
def test_an_undocumented_query_parameter_is_400(api: httpx.Client) -> None:
    _refused(api.get(f"{API}/v1/List", params={"bogus": "1"}), 400, "bogus", "includeDeleted")


@pytest.mark.usefixtures("enforce")
def test_a_value_outside_a_documented_enum_is_400(api: httpx.Client) -> None:
    _refused(api.put(f"{API}/v1/Preference/S/K/Galaxy", params={"value": "1"}), 400, "'Galaxy'")
    template = api.post(f"{API}/v1/Contact/UdefLayout", params={"udefFieldType": "Text"})
    _refused(template, 400, "'Text'", "ShortText")
    panel = {"Name": "P", "ProgId": "A:P", "Url": "https://x", "VisibleIn": "Nowhere"}
    _refused(api.post(PANELS, json=panel), 400, "VisibleIn", "'Nowhere'")


@pytest.mark.usefixtures("enforce")
def test_an_unknown_body_property_is_400_naming_it(api: httpx.Client) -> None:
    before = api.get(PANELS).json()
    panel = {"Name": "P", "ProgId": "A:P", "Url": "https://x", "Description": "not a field"}
    _refused(api.post(PANELS, json=panel), 400, "'Description' was unexpected")
    assert api.get(PANELS).json() == before  # nothing was created


@pytest.mark.usefixtures("enforce")
def test_an_archive_column_that_is_no_field_of_its_table_is_400(api: httpx.Client) -> None:
    query = {"$select": "contact.contact_id,contact.business", "$top": "5"}
    _refused(api.get(ARCHIVE, params=query), 400, "contact.business", "no field 'business'")


@pytest.mark.usefixtures("enforce")
def test_an_operator_not_documented_for_the_column_type_is_400(api: httpx.Client) -> None:
    query = {
        "$select": "contact.contact_id",
        "$filter": "contact.updated eq '2026-11-01T10:00:05'",
    }
    _refused(api.get(ARCHIVE, params=query), 400, "'eq'", "UtcDateTime", "afterTime")


@pytest.mark.usefixtures("enforce")
def test_the_preference_agent_is_served_in_enforce_mode(
    client: httpx.Client, api: httpx.Client
) -> None:
    # The documented way to remove a preference (REST has no DELETE), and the documented
    # shape of its value (a bare JSON string): served, and nothing refused.
    client.delete("/_control/contract-refusals")
    assert api.put(PREFERENCE, params={"value": "1"}).status_code == 204
    assert api.get(PREFERENCE).json() == "1"
    agent = f"{API}/v1/Agents/Preference"
    by_name = {"PrefSection": "MyPartnerApp", "PrefKey": "Installed", "PrefLevel": "Database"}
    found = api.post(f"{agent}/GetPreferenceByName", json=by_name)
    assert found.status_code == 200, found.text
    preference_id = found.json()["UserPreferenceId"]
    deleted = api.post(f"{agent}/DeletePreference", json={"Id": preference_id})
    assert deleted.status_code == 204, deleted.text
    assert api.get(PREFERENCE).json() == ""
    assert _refusals(client) == []


@pytest.mark.usefixtures("enforce")
def test_documented_requests_are_served_in_enforce_mode(api: httpx.Client) -> None:
    assert api.get(f"{API}/v1/List", params={"includeDeleted": "false"}).status_code == 200
    query = {
        "$select": "contact.contact_id,contact.updated,contact.name",
        "$filter": "contact.updated afterTime '2000-01-01T00:00:00' and contact.contact_id gt 3",
        "$orderby": "contact.updated,contact.contact_id",
        "$top": "5",
    }
    rows = api.get(ARCHIVE, params=query)
    assert rows.status_code == 200, rows.text
    assert len(rows.json()["value"]) == 5
    panel = {"Name": "P", "ProgId": "A:P", "Url": "https://x", "VisibleIn": "ContactCard"}
    assert api.post(PANELS, json=panel).status_code == 200


# -- report: served as before, and listed -----------------------------------------------------


@pytest.mark.usefixtures("report")
def test_report_mode_serves_the_request_and_lists_the_refusal(
    client: httpx.Client, api: httpx.Client
) -> None:
    assert api.get(f"{API}/v1/List", params={"bogus": "1"}).status_code == 200
    archive = api.get(ARCHIVE, params={"$select": "contact.contact_id,contact.business"})
    assert archive.status_code == 200

    refusals = _refusals(client)
    assert [(item["rule"], item["method"], item["path"]) for item in refusals] == [
        ("undocumented-query-parameter", "GET", "/api/v1/List"),
        ("archive-column", "GET", "/api/v1/Archive/dynamic"),
    ]
    archive_refusal = refusals[1]
    assert archive_refusal["operationId"] == "v1Archive_GetArchive_GET"
    assert (archive_refusal["ctx"], archive_refusal["mode"]) == ("Cust10001", "report")
    assert "contact.business" in archive_refusal["message"]
    assert "$select=contact.contact_id,contact.business" in archive_refusal["query"]
    summary = client.get("/_control/contract").json()
    assert summary == {
        "mode": "report",
        "total": 2,
        "byRule": {"archive-column": 1, "undocumented-query-parameter": 1},
    }
    assert [item["rule"] for item in _refusals(client, rule="archive-column")] == ["archive-column"]


@pytest.mark.usefixtures("report")
def test_off_checks_nothing(client: httpx.Client, api: httpx.Client) -> None:
    _set_mode(client, "off")
    assert api.get(f"{API}/v1/List", params={"bogus": "1"}).status_code == 200
    assert _refusals(client) == []


# -- the control API ---------------------------------------------------------------------------


@pytest.mark.usefixtures("report")
def test_refusals_are_cleared_on_request_and_by_reset_the_mode_stays(
    simulator: RunningSimulator, client: httpx.Client, api: httpx.Client
) -> None:
    api.get(f"{API}/v1/List", params={"bogus": "1"})
    assert len(_refusals(client)) == 1
    assert client.delete("/_control/contract-refusals").status_code == 204
    assert _refusals(client) == []
    api.get(f"{API}/v1/List", params={"bogus": "1"})
    _set_mode(client, "enforce")
    assert client.post("/_control/reset").status_code == 200
    assert client.get("/_control/contract").json() == {"mode": "enforce", "total": 0, "byRule": {}}


@pytest.mark.usefixtures("mode")
@pytest.mark.parametrize("body", [{"mode": "strict"}, {"mode": None}, {}, {"mode": 1}])
def test_an_unknown_mode_is_400(client: httpx.Client, body: dict[str, Any]) -> None:
    before = client.get("/_control/contract").json()["mode"]
    answer = client.put("/_control/contract", json=body)
    assert answer.status_code == 400
    assert "off, report, enforce" in answer.json()["message"]
    assert client.get("/_control/contract").json()["mode"] == before


def test_an_unknown_rule_filter_is_400(client: httpx.Client) -> None:
    assert client.get("/_control/contract-refusals", params={"rule": "nope"}).status_code == 400
