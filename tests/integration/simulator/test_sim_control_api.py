"""The control API over HTTP: tenant views, revoke/approve, moves, states, faults, counters."""

from __future__ import annotations

import socket
import time

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sim_driver import REDIRECT_URI, SuperIdDriver, SystemUserDriver

from local.app_credentials import public_key_to_pem
from local.simulator import RunningSimulator

pytestmark = pytest.mark.integration

CONTROL = "/_control/tenants/Cust10001"
LISTS = "/sod2/Cust10001/api/v1/List"


@pytest.fixture
def headers(client: httpx.Client, system_user: SystemUserDriver) -> dict[str, str]:
    """REST headers of a fresh system-user ticket for Cust10001 (approved through control)."""
    token = client.post(f"{CONTROL}/approve").json()["systemToken"]
    return system_user.headers(system_user.ticket("Cust10001", token))


def test_list_tenants(client: httpx.Client) -> None:
    tenants = client.get("/_control/tenants").json()
    assert [(t["ctx"], t["host"], t["state"]) for t in tenants] == [
        ("Cust10001", "sod2", "Running"),
        ("Cust10002", "sod3", "Running"),
        ("Cust10003", "sod2", "Running"),
    ]


def test_tenant_view_shows_presence_of_secrets_not_their_values(
    client: httpx.Client, simulator: RunningSimulator, headers: dict[str, str]
) -> None:
    view = client.get(CONTROL).json()
    assert view["approved"] is True
    assert view["systemTokenPresent"] is True
    assert view["apps"][0]["activeTickets"] == 1
    assert set(view["items"]) == {"udefs", "lists", "webPanels", "preferences"}
    assert view["items"]["lists"][0]["Items"]
    assert view["users"][0]["isAdministrator"] is True
    token = simulator.state.tenant("Cust10001").active_system_token(view["apps"][0]["clientId"])
    assert token is not None
    assert token not in client.get(CONTROL).text
    assert headers["SO-AppToken"] not in client.get(CONTROL).text
    assert client.get("/_control/tenants/Cust99999").status_code == 404


def test_revoke_and_reapprove(
    client: httpx.Client, system_user: SystemUserDriver, headers: dict[str, str]
) -> None:
    assert client.get(LISTS, headers=headers).status_code == 200
    revoked = client.post(f"{CONTROL}/revoke")
    assert revoked.json()["revoked"] is True
    assert client.get(LISTS, headers=headers).status_code == 401
    view = client.get(CONTROL).json()
    assert (view["approved"], view["systemTokenPresent"]) == (False, True)
    token = client.post(f"{CONTROL}/approve").json()["systemToken"]
    fresh = system_user.headers(system_user.ticket("Cust10001", token))
    assert client.get(LISTS, headers=fresh).status_code == 200
    rotated = client.post(f"{CONTROL}/approve", json={"rotate": True}).json()["systemToken"]
    assert rotated != token
    assert client.post("/_control/tenants/Cust10002/revoke").status_code == 404


def test_move_to_another_host(
    client: httpx.Client, simulator: RunningSimulator, headers: dict[str, str]
) -> None:
    moved = client.put(f"{CONTROL}/host", json={"host": "sod7"})
    assert moved.status_code == 200
    assert moved.json()["api"] == f"{simulator.base_url}/sod7/Cust10001/api"
    assert client.get(LISTS, headers=headers).status_code == 421
    assert client.get("/api/state/Cust10001").json()["Api"].endswith("/sod7/Cust10001/api")
    assert client.get("/sod7/Cust10001/api/v1/List", headers=headers).status_code == 200
    assert client.put(f"{CONTROL}/host", json={"host": "sod"}).status_code == 400


@pytest.mark.parametrize(
    ("state", "status"),
    [("Suspended", 503), ("OfflineMaintenance", 503), ("OnlineMaintenance", 200), ("Deleted", 404)],
)
def test_tenant_states(
    client: httpx.Client, headers: dict[str, str], state: str, status: int
) -> None:
    assert client.put(f"{CONTROL}/state", json={"state": state}).json()["state"] == state
    answer = client.get("/api/state/Cust10001").json()
    assert answer["State"] == state
    assert answer["IsRunning"] is (state == "OnlineMaintenance")
    assert client.get(LISTS, headers=headers).status_code == status


def test_deleted_tenants_cannot_be_signed_into(client: httpx.Client) -> None:
    client.put(f"{CONTROL}/state", json={"state": "Deleted"})
    page = client.get(
        "/login/common/oauth/authorize",
        params={
            "client_id": client.get("/_control/apps").json()[0]["clientId"],
            "redirect_uri": REDIRECT_URI,
            "response_type": "code",
            "scope": "openid",
            "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "code_challenge_method": "S256",
        },
    )
    assert 'value="Cust10001"' not in page.text
    assert 'value="Cust10002"' in page.text


def test_fault_status_with_retry_after(client: httpx.Client, headers: dict[str, str]) -> None:
    added = client.post(f"{CONTROL}/faults", json={"status": 429, "count": 2, "retryAfter": 3})
    assert added.json()["faults"][0]["count"] == 2
    for _ in range(2):
        answer = client.get(LISTS, headers=headers)
        assert answer.status_code == 429
        assert answer.headers["retry-after"] == "3"
    assert client.get(LISTS, headers=headers).status_code == 200
    client.post(f"{CONTROL}/faults", json={"status": 503})
    assert client.get(LISTS, headers=headers).headers.get("retry-after") is None
    assert client.get(f"{CONTROL}/faults").json()["faults"] == []


def test_faults_can_target_a_method_and_path(client: httpx.Client, headers: dict[str, str]) -> None:
    client.post(f"{CONTROL}/faults", json={"status": 502, "method": "POST", "pathContains": "List"})
    assert client.get(LISTS, headers=headers).status_code == 200
    assert client.post(LISTS, headers=headers, json={"Name": "x"}).status_code == 502
    client.post(f"{CONTROL}/faults", json={"status": 500, "count": 5})
    assert client.delete(f"{CONTROL}/faults").json()["faults"] == []
    assert client.get(LISTS, headers=headers).status_code == 200


def test_slow_answers(client: httpx.Client, headers: dict[str, str]) -> None:
    client.post(f"{CONTROL}/faults", json={"delaySeconds": 0.3})
    started = time.monotonic()
    assert client.get(LISTS, headers=headers).status_code == 200
    assert time.monotonic() - started >= 0.3
    client.post(f"{CONTROL}/faults", json={"delaySeconds": 0.6, "status": 504})
    with pytest.raises(httpx.ReadTimeout):
        client.get(LISTS, headers=headers, timeout=0.2)
    # The simulator still answers (to nobody) and counts it; wait for that, so the late
    # answer cannot land in the next test's counters.
    deadline = time.monotonic() + 5
    while "504" not in client.get(f"{CONTROL}/counters").json()["byStatus"]:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_dropped_connections(
    client: httpx.Client, simulator: RunningSimulator, headers: dict[str, str]
) -> None:
    client.post(f"{CONTROL}/faults", json={"drop": True})
    with pytest.raises(httpx.RemoteProtocolError):
        client.get(LISTS, headers=headers)
    assert client.get(LISTS, headers=headers).status_code == 200
    # At the socket level: no status line at all.
    client.post(f"{CONTROL}/faults", json={"drop": True})
    host, port = simulator.server.server_address[:2]
    request = (
        f"GET {LISTS} HTTP/1.1\r\nHost: x\r\nAuthorization: {headers['Authorization']}\r\n"
        f"SO-AppToken: {headers['SO-AppToken']}\r\n\r\n"
    )
    with socket.create_connection((str(host), port), timeout=5) as connection:
        connection.sendall(request.encode())
        assert connection.recv(1024) == b""


def test_counters_measure_the_load(
    client: httpx.Client, system_user: SystemUserDriver, headers: dict[str, str]
) -> None:
    client.delete("/_control/counters")
    client.get("/api/state/Cust10001")
    client.get(LISTS, headers=headers)
    client.get(LISTS, headers=headers)
    client.get("/Cust10001/api/v1/List", headers=headers)  # 421: load all the same
    client.post(f"{CONTROL}/faults", json={"drop": True})
    with pytest.raises(httpx.RemoteProtocolError):
        client.get(LISTS, headers=headers)
    system_user.authenticate("Cust10001", system_user.sign("LocalApp-unknown"))
    counters = client.get(f"{CONTROL}/counters").json()
    assert counters["total"] == 6
    assert counters["byArea"] == {"rest": 4, "stateApi": 1, "systemUser": 1}
    assert counters["byPath"]["GET /api/v1/List"] == 4
    assert counters["byPath"]["GET /api/state/Cust10001"] == 1
    assert counters["byStatus"] == {"200": 4, "421": 1, "dropped": 1}
    assert set(client.get("/_control/counters").json()) == {"Cust10001"}
    assert client.delete(f"{CONTROL}/counters").json()["total"] == 0


def test_sign_ins_are_counted(client: httpx.Client, superid: SuperIdDriver) -> None:
    superid.install("Cust10002", user=1)
    by_area = client.get("/_control/tenants/Cust10002/counters").json()["byArea"]
    assert by_area == {"superId": 2}


def test_copy_items_refreshes_the_sandbox(client: httpx.Client, headers: dict[str, str]) -> None:
    client.post(LISTS, headers=headers, json={"Name": "Made in production"})
    before = client.get("/_control/tenants/Cust10003").json()["items"]["lists"]
    assert "Made in production" not in [entry["Name"] for entry in before]
    copied = client.post("/_control/tenants/Cust10003/copy-items", json={"from": "Cust10001"})
    assert "Made in production" in [entry["Name"] for entry in copied.json()["items"]["lists"]]


def test_expire_tickets(client: httpx.Client, headers: dict[str, str]) -> None:
    assert client.request("DELETE", f"{CONTROL}/tickets").json()["expired"] == 1
    assert client.get(LISTS, headers=headers).status_code == 401


def test_reset(client: httpx.Client, headers: dict[str, str]) -> None:
    client.put(f"{CONTROL}/host", json={"host": "sod9"})
    answer = client.post("/_control/reset")
    assert answer.json()["tenants"] == ["Cust10001", "Cust10002", "Cust10003"]
    assert client.get(CONTROL).json()["host"] == "sod2"
    assert client.get(LISTS, headers=headers).status_code == 401


def test_register_another_app(client: httpx.Client, simulator: RunningSimulator) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    body = {
        "clientId": "partner-two",
        "clientSecret": "two-secret",
        "publicKeyPem": public_key_to_pem(key.public_key()),
        "name": "PartnerTwo",
        "redirectUris": ["https://two.example.com/callback"],
    }
    registered = client.post("/_control/apps", json=body)
    assert registered.status_code == 201
    assert "two-secret" not in registered.text
    assert "partner-two" in [app["clientId"] for app in client.get("/_control/apps").json()]
    token = client.post(f"{CONTROL}/approve", json={"clientId": "partner-two"}).json()
    assert token["systemToken"].startswith("PartnerTwo-")
    assert simulator.state.app("partner-two") is not None
    bad = client.post("/_control/apps", json={**body, "publicKeyPem": "nope"})
    assert bad.status_code == 400


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", f"{CONTROL}/state", b"{"),
        ("PUT", f"{CONTROL}/state", b'{"state": "Asleep"}'),
        ("PUT", f"{CONTROL}/host", b"[]"),
        ("POST", f"{CONTROL}/faults", b'{"status": "often"}'),
        ("POST", f"{CONTROL}/system-user-errors", b'{"code": 2}'),
        ("POST", f"{CONTROL}/system-user-errors", b'{"code": [1]}'),
        ("PUT", f"{CONTROL}/publish-delay", b'{"seconds": "long"}'),
        ("POST", f"{CONTROL}/copy-items", b'{"from": 1}'),
        ("POST", f"{CONTROL}/approve", b'{"rotate": "yes"}'),
        ("POST", "/_control/apps", b'{"clientId": "x"}'),
    ],
)
def test_bad_control_bodies_get_json_400(
    client: httpx.Client, method: str, path: str, body: bytes
) -> None:
    answer = client.request(method, path, content=body)
    assert answer.status_code == 400
    assert answer.json()["error"] == "bad_request"
