"""The tenants' REST API over HTTP: hosts, credentials, and every resource of the contract."""

from __future__ import annotations

import time

import httpx
import pytest
from sim_driver import SystemUserDriver

from local.simulator import RunningSimulator

pytestmark = pytest.mark.integration

API = "/sod2/Cust10001/api"
# An id path parameter that is not a number: the resource answers 404 (it names nothing);
# in `enforce` mode the contract check refuses it first, 400 (the parameter is an int32).
NOT_AN_ID = (400, 404)


def contract_mode(client: httpx.Client) -> str:
    mode: str = client.get("/_control/contract").json()["mode"]
    return mode


@pytest.fixture
def ticket(simulator: RunningSimulator, system_user: SystemUserDriver) -> str:
    token = simulator.state.approve("Cust10001", simulator.state.default_client_id())
    return system_user.ticket("Cust10001", token)


@pytest.fixture
def api(client: httpx.Client, system_user: SystemUserDriver, ticket: str) -> httpx.Client:
    """A client for Cust10001's REST base, authenticated as the system user."""
    client.headers.update(system_user.headers(ticket))
    return client


def test_current_principal_of_the_system_user(api: httpx.Client) -> None:
    answer = api.get(f"{API}/v1/User/currentPrincipal")
    assert answer.status_code == 200
    principal = answer.json()
    assert {"AssociateId", "Associate", "EMailAddress", "FunctionRights"} <= set(principal)
    assert principal["UserType"] == "SystemAssociate"
    assert principal["DatabaseContextIdentifier"] == "Cust10001"


@pytest.mark.parametrize(
    "path",
    [
        "/sod3/Cust10001/api/v1/User/currentPrincipal",
        "/Cust10001/api/v1/User/currentPrincipal",
        "/sod/Cust10001/api/v1/List",
    ],
)
def test_a_wrong_or_unnumbered_host_answers_421(api: httpx.Client, path: str) -> None:
    answer = api.get(path)
    assert answer.status_code == 421
    assert answer.json()["Error"] is True


def test_credentials(client: httpx.Client, system_user: SystemUserDriver, ticket: str) -> None:
    url = f"{API}/v1/List"
    assert client.get(url).status_code == 401
    assert client.get(url, headers={"Authorization": "SOTicket 7T:unknown"}).status_code == 401
    wrong_token = {**system_user.headers(ticket), "SO-AppToken": "wrong"}
    assert client.get(url, headers=wrong_token).status_code == 403
    no_token = {"Authorization": f"SOTicket {ticket}"}
    assert client.get(url, headers=no_token).status_code == 403
    other_tenant = client.get("/sod3/Cust10002/api/v1/List", headers=system_user.headers(ticket))
    assert other_tenant.status_code == 401
    missing = client.get(url)
    assert missing.json()["ErrorType"]
    assert missing.headers["www-authenticate"].startswith("SOTicket")
    assert client.get(url, headers=system_user.headers(ticket)).status_code == 200


def test_unknown_tenant_resource_and_method(api: httpx.Client) -> None:
    assert api.get("/sod2/Cust99999/api/v1/List").status_code == 404
    missing = api.get(f"{API}/v1/Nothing/Here")
    assert missing.status_code == 404
    assert missing.json()["ErrorType"] == "SoNotFoundException"
    wrong = api.patch(f"{API}/v1/List")
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "GET, POST"


def test_udef_layout_create_publish_delete(api: httpx.Client) -> None:
    layout = f"{API}/v1/contact/UdefLayout"  # entity names are case-insensitive
    existing = api.get(layout).json()
    assert [f["FieldLabel"] for f in existing] == ["Customer number", "Segment"]

    template = api.post(layout, params={"udefFieldType": "Number"})
    assert template.status_code == 200
    field = template.json()
    assert (field["UDefFieldId"], field["FieldLabel"], field["ProgId"]) == (0, "", "")
    assert field["FieldType"] == "Number"
    field.update(FieldLabel="Partner score", ProgId="LocalApp:Score")

    saved = api.put(layout, json=[*existing, field])
    assert saved.status_code == 200
    assert [f["ProgId"] for f in saved.json()][-1] == "LocalApp:Score"
    assert api.get(f"{API}/v1/Contact/UdefLayout/Publish").json() is False
    ids_before = {f["ProgId"]: f["UDefFieldId"] for f in api.get(layout).json()}
    published = api.post(f"{API}/v1/Contact/UdefLayout/Publish")
    assert (published.status_code, published.json()) == (200, len(ids_before))
    ids_after = {f["ProgId"]: f["UDefFieldId"] for f in api.get(layout).json()}
    assert set(ids_after) == set(ids_before)
    assert ids_after != ids_before  # publishing renumbers, as SuperOffice does

    assert api.delete(f"{layout}/LocalApp:Score").status_code == 204
    assert api.delete(f"{layout}/Customer%20number").status_code == 204
    assert [f["FieldLabel"] for f in api.get(layout).json()] == ["Segment"]
    assert api.delete(f"{layout}/LocalApp:Score").status_code == 404
    assert api.post(f"{API}/v1/Contact/UdefLayout/Publish").status_code == 200


def test_udef_errors(api: httpx.Client) -> None:
    assert api.post(f"{API}/v1/Contact/UdefLayout").status_code == 400
    assert api.post(f"{API}/v1/Contact/UdefLayout?udefFieldType=Blob").status_code == 400
    assert api.get(f"{API}/v1/Ticket/UdefLayout").status_code == 404
    malformed = api.put(
        f"{API}/v1/Person/UdefLayout",
        content=b"[{",
        headers={"Content-Type": "application/json"},
    )
    assert malformed.status_code == 400
    assert malformed.json()["Error"] is True
    assert "Traceback" not in malformed.text


def test_publish_can_be_made_to_take_a_while(client: httpx.Client, api: httpx.Client) -> None:
    client.put("/_control/tenants/Cust10001/publish-delay", json={"seconds": 0.4})
    publish = f"{API}/v1/Sale/UdefLayout/Publish"
    api.put(f"{API}/v1/Sale/UdefLayout", json=[{"FieldLabel": "Margin", "FieldType": "Decimal"}])
    assert api.post(publish).status_code == 200
    assert api.get(publish).json() is True
    assert api.post(publish).status_code == 409
    deadline = time.monotonic() + 5
    while api.get(publish).json() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert api.get(publish).json() is False
    assert api.post(publish).status_code == 200


def test_lists(api: httpx.Client) -> None:
    names = [entry["Name"] for entry in api.get(f"{API}/v1/List").json()]
    assert names == ["Category", "Business", "Segment"]
    created = api.post(f"{API}/v1/List", json={"Name": "Partner ratings", "Tooltip": "stars"})
    assert created.status_code == 200
    list_id = created.json()["Id"]
    item = api.post(f"{API}/v1/List/{list_id}/Items", json={"Name": "Five", "Tooltip": "best"})
    assert item.status_code == 200
    items = api.get(f"{API}/v1/List/{list_id}/Items").json()
    assert items == [item.json()]
    assert set(items[0]) >= {"Id", "Name", "Tooltip", "Deleted"}
    assert api.get(f"{API}/v1/List/{list_id}").json()["Name"] == "Partner ratings"
    assert api.delete(f"{API}/v1/List/{list_id}").status_code == 204
    assert api.get(f"{API}/v1/List/{list_id}/Items").status_code == 404
    assert api.delete(f"{API}/v1/List/{list_id}").status_code == 404
    assert api.delete(f"{API}/v1/List/1").status_code == 400  # built-in
    assert api.get(f"{API}/v1/List/abc").status_code in NOT_AN_ID
    assert api.post(f"{API}/v1/List", json={"Tooltip": "no name"}).status_code == 400


def test_web_panels(api: httpx.Client) -> None:
    items = f"{API}/v1/List/WebPanel/Items"
    assert [p["Name"] for p in api.get(items).json()] == ["Intranet"]
    body = {
        "Name": "Partner dashboard",
        "ProgId": "LocalApp:Dashboard",
        "Url": "https://app.example.com/panel?ctx=<uctx>&sid=<usid>",
        "VisibleIn": "ContactCard",
        "Tooltip": "LocalApp",
    }
    created = api.post(items, json=body)
    assert created.status_code == 200
    panel = created.json()
    panel_id = panel["WebPanelId"]
    assert {k: panel[k] for k in body} == body
    assert panel["Deleted"] is False
    assert api.get(f"{items}/{panel_id}").json() == panel
    updated = api.put(f"{items}/{panel_id}", json={**panel, "Name": "Dashboard"})
    assert updated.status_code == 200
    assert updated.json()["Name"] == "Dashboard"
    assert len(api.get(items).json()) == 2
    assert api.delete(f"{items}/{panel_id}").status_code == 204
    assert api.get(f"{items}/{panel_id}").status_code == 404
    assert api.put(f"{items}/{panel_id}", json=panel).status_code == 404
    assert api.post(items, json=["not", "an", "object"]).status_code == 400

    # A property a web panel does not have: ignored, as SuperOffice ignores it, unless the
    # contract check refuses it first (`enforce`), naming it.
    ignored = api.post(items, json={**body, "ProgId": "LocalApp:Other", "Description": "x"})
    if contract_mode(api) == "enforce":
        assert ignored.status_code == 400
        assert "'Description'" in ignored.json()["ErrorMessage"]
    else:
        assert ignored.status_code == 200
        assert "Description" not in ignored.json()


def test_preferences(api: httpx.Client) -> None:
    url = f"{API}/v1/Preference/LocalApp/Installed/Database"
    # As documented: the value itself, a JSON string; nothing set reads as "".
    unset = api.get(url)
    assert (unset.status_code, unset.json()) == (200, "")
    written = api.put(url, params={"value": "2026-03-05"})
    assert (written.status_code, written.content) == (204, b"")
    assert api.get(url).json() == "2026-03-05"
    lower = api.get(url.lower().replace("/api/v1/preference", "/api/v1/Preference"))
    assert (lower.status_code, lower.json()) == (200, "2026-03-05")
    assert api.put(url).status_code == 400
    assert api.put(f"{API}/v1/Preference/LocalApp/Installed/Galaxy?value=1").status_code == 400
    assert api.put(f"{API}/v1/Preference/LocalApp/Installed/PCSpecific?value=1").status_code == 400
    # REST documents no DELETE for a preference.
    assert api.delete(url).status_code == 405
    assert api.get(url).json() == "2026-03-05"


def test_the_preference_agent_finds_and_deletes_a_preference(api: httpx.Client) -> None:
    url = f"{API}/v1/Preference/LocalApp/Installed/Database"
    agent = f"{API}/v1/Agents/Preference"
    assert api.put(url, params={"value": "1"}).status_code == 204
    by_name = {"PrefSection": "localapp", "PrefKey": "INSTALLED", "PrefLevel": "Database"}
    found = api.post(f"{agent}/GetPreferenceByName", json=by_name)
    assert found.status_code == 200
    preference = found.json()
    assert (preference["Level"], preference["RawValue"]) == ("Database", "1")
    assert preference["Specification"] == {"Section": "LocalApp", "Key": "Installed"}
    other_level = api.post(f"{agent}/GetPreferenceByName", json={**by_name, "PrefLevel": "PC"})
    assert (other_level.json()["Level"], other_level.json()["UserPreferenceId"]) == ("Undefined", 0)
    deleted = api.post(f"{agent}/DeletePreference", json={"Id": preference["UserPreferenceId"]})
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert api.get(url).json() == ""
    again = api.post(f"{agent}/DeletePreference", json={"Id": preference["UserPreferenceId"]})
    assert again.status_code == 404
    assert api.post(f"{agent}/DeletePreferences", json={"Ids": [9999]}).status_code == 204
    assert api.post(f"{agent}/GetPreferenceByName", json={"PrefKey": "x"}).status_code == 400
    assert api.post(f"{agent}/DeletePreference", json={"Id": "1"}).status_code == 400


def test_the_sandbox_starts_with_production_items_but_not_its_approval(
    client: httpx.Client, simulator: RunningSimulator, system_user: SystemUserDriver
) -> None:
    production = client.get("/_control/tenants/Cust10001").json()
    sandbox = client.get("/_control/tenants/Cust10003").json()
    assert sandbox["items"] == production["items"]
    assert sandbox["items"]["udefs"]["Contact"]["fields"]
    assert sandbox["serial"] != production["serial"]
    assert sandbox["sandboxOf"] == "Cust10001"
    state = simulator.state
    state.approve("Cust10001", state.default_client_id())
    assert client.get("/_control/tenants/Cust10003").json()["approved"] is False
    token = state.approve("Cust10003", state.default_client_id())
    headers = system_user.headers(system_user.ticket("Cust10003", token))
    panels = client.get("/sod2/Cust10003/api/v1/List/WebPanel/Items", headers=headers)
    assert [p["ProgId"] for p in panels.json()] == ["Customer:Intranet"]


def test_ids_that_are_not_plain_numbers_name_nothing(api: httpx.Client) -> None:
    for raw in ("%C2%B2", "-1", "1.0", "%201"):
        assert api.get(f"{API}/v1/List/{raw}/Items").status_code in NOT_AN_ID
        assert api.get(f"{API}/v1/List/WebPanel/Items/{raw}").status_code in NOT_AN_ID
