"""The state API and the system-user service over HTTP, success and every failure."""

from __future__ import annotations

import datetime
import re

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sim_driver import CLAIM, SystemUserDriver

from local.simulator import RunningSimulator

pytestmark = pytest.mark.integration

AUTHENTICATE = "/Login/api/PartnerSystemUser/Authenticate"


def test_state_api(client: httpx.Client, simulator: RunningSimulator) -> None:
    answer = client.get("/api/state/Cust10002")
    assert answer.status_code == 200
    state = answer.json()
    base = simulator.base_url
    assert set(state) == {
        "ContextIdentifier",
        "Endpoint",
        "State",
        "IsRunning",
        "ValidUntil",
        "Api",
        "Version",
    }
    assert state["ContextIdentifier"] == "Cust10002"
    assert state["Endpoint"] == f"{base}/sod3/Cust10002"
    assert state["Api"] == f"{base}/sod3/Cust10002/api"
    assert state["State"] == "Running"
    assert state["IsRunning"] is True
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z", state["ValidUntil"])
    valid_until = datetime.datetime.fromisoformat(state["ValidUntil"][:26] + "+00:00")
    remaining = valid_until - datetime.datetime.now(datetime.UTC)
    assert datetime.timedelta(minutes=4) < remaining <= datetime.timedelta(minutes=5)


def test_state_api_for_an_unknown_tenant(client: httpx.Client) -> None:
    answer = client.get("/api/state/Cust99999")
    assert answer.status_code == 404
    assert answer.json()["Error"] is True
    assert answer.json()["ErrorType"] == "SoNotFoundException"


def approved_token(simulator: RunningSimulator, ctx: str = "Cust10001") -> str:
    return simulator.state.approve(ctx, simulator.state.default_client_id())


def test_authenticate_gives_a_ticket_in_a_jwt(
    client: httpx.Client, simulator: RunningSimulator, system_user: SystemUserDriver
) -> None:
    token = approved_token(simulator)
    answer = system_user.authenticate("Cust10001", system_user.sign(token))
    assert answer["IsSuccessful"] is True
    assert answer["ErrorMessage"] == ""
    header = jwt.get_unverified_header(answer["Token"])
    assert header["alg"] == "RS256"
    assert "x5t" in header
    assert "kid" not in header
    jwks = client.get("/login/.well-known/jwks").json()
    serial = simulator.state.tenant("Cust10001").serial
    claims = jwt.decode(
        answer["Token"],
        jwt.PyJWK(jwks["keys"][0]).key,
        algorithms=["RS256"],
        audience=f"spn:{serial}",
        issuer="SuperOffice AS",
    )
    assert claims[CLAIM + "ticket"].startswith("7T:")
    assert claims[CLAIM + "ctx"] == "Cust10001"


def test_each_exchange_makes_a_new_ticket(
    simulator: RunningSimulator, system_user: SystemUserDriver
) -> None:
    token = approved_token(simulator)
    assert system_user.ticket("Cust10001", token) != system_user.ticket("Cust10001", token)


def failure(answer: dict[str, object]) -> int:
    assert answer["IsSuccessful"] is False
    assert answer["Token"] is None
    message = str(answer["ErrorMessage"])
    code, _, text = message.partition(": ")
    assert text
    return int(code)


def test_failures(simulator: RunningSimulator, system_user: SystemUserDriver) -> None:
    # Not approved yet.
    assert failure(system_user.authenticate("Cust10001", system_user.sign("LocalApp-xyz"))) == 4
    token = approved_token(simulator)
    now = datetime.datetime.now(datetime.UTC)
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cases = {
        "wrong application token": (system_user.sign(token), "not-the-secret", 4),
        "another tenant's token": (system_user.sign("LocalApp-other"), None, 4),
        "stale timestamp": (system_user.sign(token, now - datetime.timedelta(minutes=7)), None, 6),
        "future timestamp": (system_user.sign(token, now + datetime.timedelta(minutes=7)), None, 6),
        "wrong key": (system_user.sign(token, key=other_key), None, 7),
        "no signature": (token + "." + now.strftime("%Y%m%d%H%M") + ".", None, 7),
    }
    for name, (signed, application_token, code) in cases.items():
        answer = system_user.authenticate("Cust10001", signed, application_token)
        assert failure(answer) == code, name
    assert failure(system_user.authenticate("Cust99999", system_user.sign(token))) == 4


def test_a_revoked_app_is_told_so(
    client: httpx.Client, simulator: RunningSimulator, system_user: SystemUserDriver
) -> None:
    token = approved_token(simulator)
    client.post("/_control/tenants/Cust10001/revoke").raise_for_status()
    answer = system_user.authenticate("Cust10001", system_user.sign(token))
    assert failure(answer) == 1
    assert answer["ErrorMessage"].startswith("1: Revoked")
    client.post("/_control/tenants/Cust10001/approve").raise_for_status()
    assert system_user.authenticate("Cust10001", system_user.sign(token))["IsSuccessful"]


@pytest.mark.parametrize(("code", "name"), [(3, "Expired"), (4, "Denied"), (5, "NeedsReapproval")])
def test_injected_errors_answer_the_next_calls(
    client: httpx.Client,
    simulator: RunningSimulator,
    system_user: SystemUserDriver,
    code: int,
    name: str,
) -> None:
    token = approved_token(simulator)
    injected = client.post(
        "/_control/tenants/Cust10001/system-user-errors", json={"code": code, "count": 2}
    )
    assert injected.json()["pending"] == [code, code]
    for _ in range(2):
        answer = system_user.authenticate("Cust10001", system_user.sign(token))
        assert failure(answer) == code
        assert answer["ErrorMessage"] == f"{code}: {name}"
    assert system_user.authenticate("Cust10001", system_user.sign(token))["IsSuccessful"]


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[]",
        b"",
        b'{"SignedSystemToken": "x", "ApplicationToken": "y"}',
        b'{"SignedSystemToken": 1, "ApplicationToken": "y", "ContextIdentifier": "Cust10001"}',
        b'{"SignedSystemToken": "x", "ApplicationToken": "y", "ContextIdentifier": "Cust10001",'
        b' "ReturnTokenType": "Saml"}',
    ],
)
def test_malformed_requests_get_json_400(client: httpx.Client, body: bytes) -> None:
    answer = client.post(AUTHENTICATE, content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert answer.json()["error"] == "bad_request"
