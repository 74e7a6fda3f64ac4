"""Customer state change notifications over HTTP, received by a stand-in app.

Checked as the app would: the Token verifies against the simulator's JWKS (x5t, no kid),
the issuer is the login host, the ctx claim names the tenant, and the state API agrees.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
from sim_driver import CLAIM, AppReceiver

from local.simulator import RunningSimulator

pytestmark = pytest.mark.integration

PATH = "/notifications/tenant-state"
CONTROL = "/_control/tenants/Cust10001"


@pytest.fixture
def app(client: httpx.Client, receiver: AppReceiver) -> Iterator[AppReceiver]:
    """The receiver as the local app's notification URL; other apps (registered by other
    tests, the simulator keeps them) get none, here and afterwards."""
    apps = [entry["clientId"] for entry in client.get("/_control/apps").json()]
    for client_id in apps[1:]:
        client.put("/_control/notification-urls", json={"clientId": client_id, "url": None})
    answer = client.put("/_control/notification-urls", json={"url": receiver.base_url + PATH})
    assert answer.status_code == 200, answer.text
    yield receiver
    client.put("/_control/notification-urls", json={"url": None})


def verify(client: httpx.Client, token: str) -> dict[str, Any]:
    discovery = client.get("/login/.well-known/openid-configuration").json()
    jwks = client.get(discovery["jwks_uri"]).json()
    header = jwt.get_unverified_header(token)
    assert "kid" not in header
    (jwk,) = [key for key in jwks["keys"] if key["x5t"] == header["x5t"]]
    return jwt.decode(
        token,
        jwt.PyJWK(jwk).key,
        algorithms=["RS256"],
        issuer=discovery["issuer"],
        options={"require": ["exp", "iat", "iss"]},
    )


def change(client: httpx.Client, body: dict[str, Any], ctx: str = "Cust10001") -> dict[str, Any]:
    answer = client.post(f"/_control/tenants/{ctx}/changes", json=body)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def answered_log(client: httpx.Client, count: int) -> list[dict[str, Any]]:
    """The notification log once `count` sends have an answer (they finish in the background)."""
    for _ in range(100):
        log = client.get("/_control/notifications").json()
        if sum(send["answered"] for entry in log for send in entry["sends"]) >= count:
            return list(log)
        time.sleep(0.05)
    raise AssertionError(f"fewer than {count} answered: {log}")


@pytest.mark.parametrize(
    "case",
    [
        ({"change": "Upgrade"}, 0, "OfflineMaintenance"),
        ({"change": "BackupRestored"}, 1, "Running"),
        ({"change": "Suspend"}, 2, "Suspended"),
        ({"change": "Resume"}, 3, "Running"),
        ({"change": "Delete"}, 4, "Deleted"),
        ({"change": "Move", "host": "sod7"}, 5, "Running"),
    ],
    ids=lambda case: case[0]["change"],
)
def test_each_change_notifies_with_a_verifiable_token(
    client: httpx.Client,
    app: AppReceiver,
    simulator: RunningSimulator,
    case: tuple[dict[str, Any], int, str],
) -> None:
    body, change_type, state = case
    if body["change"] == "Resume":
        client.put(f"{CONTROL}/state", json={"state": "Suspended"})
    result = change(client, body)
    assert result["state"] == state
    (received,) = app.wait_for(1, PATH)
    assert received.headers["content-type"].startswith("application/json")
    notification = received.json()
    assert notification["ChangeType"] == change_type
    assert notification["ContextIdentifier"] == "Cust10001"
    assert notification["VersionName"] == "Release_11.10_2026.02.24-02"
    assert notification["FileVersion"] == "11.10.2026"
    claims = verify(client, notification["Token"])
    assert claims["iss"] == simulator.base_url
    assert claims[CLAIM + "ctx"] == "Cust10001"
    assert claims["exp"] > claims["iat"]
    seen = client.get("/api/state/Cust10001").json()
    assert seen["State"] == state
    host = "sod7" if change_type == 5 else "sod2"
    assert notification["PublicEndpoint"] == host
    assert seen["Api"] == f"{simulator.base_url}/{host}/Cust10001/api"
    (entry,) = answered_log(client, 1)
    assert (entry["change"], entry["answerStatus"], entry["sends"][0]["kind"]) == (
        result["notifications"][0]["change"],
        200,
        "first",
    )


def test_move_leaves_the_old_host_answering_421(client: httpx.Client, app: AppReceiver) -> None:
    change(client, {"change": "Move", "host": "sod9"})
    assert client.get("/sod2/Cust10001/api/v1/List").status_code == 421
    # No credentials: past the host check the new segment asks for them.
    assert client.get("/sod9/Cust10001/api/v1/List").status_code == 401
    assert app.wait_for(1, PATH)[0].json()["PublicEndpoint"] == "sod9"


def test_upgrade_finishes_quietly(client: httpx.Client, app: AppReceiver) -> None:
    upgraded = change(client, {"change": "Upgrade", "version": "Release_11.11_2026.05.01-01"})
    assert upgraded["state"] == "OfflineMaintenance"
    notification = app.wait_for(1, PATH)[0].json()
    assert notification["VersionName"] == "Release_11.11_2026.05.01-01"
    assert notification["FileVersion"] == "11.11.2026"
    assert client.get("/api/state/Cust10001").json()["IsRunning"] is False
    finished = change(client, {"change": "FinishUpgrade"})
    assert (finished["state"], finished["notifications"]) == ("Running", [])
    assert client.get("/api/state/Cust10001").json()["State"] == "Running"
    assert len(app.settle(0.1)) == 1


def test_duplicate_and_late_notifications(client: httpx.Client, app: AppReceiver) -> None:
    suspend = {"change": "Suspend", "hold": True, "tokenIssuedSecondsAgo": 30}
    held = change(client, suspend)["notifications"][0]
    assert held["held"] is True
    change(client, {"change": "Resume"})
    app.wait_for(1, PATH)
    late = client.post(f"/_control/notifications/{held['id']}/send")
    assert late.status_code == 202
    arrived = app.wait_for(2, PATH)
    assert [r.json()["ChangeType"] for r in arrived] == [3, 2]  # Suspend arrives after Resume
    resume_claims, suspend_claims = (verify(client, r.json()["Token"]) for r in arrived)
    assert suspend_claims["iat"] <= resume_claims["iat"] - 30  # older, as the app can tell
    again = client.post(f"/_control/notifications/{held['id']}/send")
    assert again.status_code == 202
    third = app.wait_for(3, PATH)[2]
    assert third.body == arrived[1].body  # the very same notification, token and all
    log = answered_log(client, 3)
    assert [send["kind"] for send in log[0]["sends"]] == ["late", "duplicate"]
    assert client.get("/api/state/Cust10001").json()["State"] == "Running"
    assert client.post("/_control/notifications/99/send").status_code == 404


@pytest.mark.parametrize(
    ("kind", "error"),
    [("forged", jwt.InvalidSignatureError), ("expired", jwt.ExpiredSignatureError)],
)
def test_broken_tokens_on_purpose(
    client: httpx.Client, app: AppReceiver, kind: str, error: type[Exception]
) -> None:
    made = client.post(f"{CONTROL}/notifications", json={"changeType": 2, "token": kind})
    assert made.status_code == 201
    assert client.get("/api/state/Cust10001").json()["State"] == "Running"  # nothing changed
    token = app.wait_for(1, PATH)[0].json()["Token"]
    with pytest.raises(error):
        verify(client, token)
    assert answered_log(client, 1)[0]["tokenKind"] == kind


def test_unknown_change_type_and_app_answers_are_logged(
    client: httpx.Client, app: AppReceiver
) -> None:
    app.answer(500)
    client.post(f"{CONTROL}/notifications", json={"changeType": 9})
    assert app.wait_for(1, PATH)[0].json()["ChangeType"] == 9
    (entry,) = answered_log(client, 1)
    assert (entry["change"], entry["answerStatus"]) == ("Unknown", 500)
    assert client.get("/_control/notifications", params={"ctx": "Cust10002"}).json() == []


def test_unreachable_app_and_no_url(client: httpx.Client, receiver: AppReceiver) -> None:
    closed = AppReceiver()
    closed.close()
    client.put("/_control/notification-urls", json={"url": closed.base_url + PATH})
    change(client, {"change": "Suspend"})
    (entry,) = answered_log(client, 1)
    assert entry["answerStatus"] is None
    assert entry["sends"][0]["error"]
    client.put("/_control/notification-urls", json={"url": None})
    assert change(client, {"change": "Resume"})["notifications"] == []
    urls = client.get("/_control/notification-urls").json()
    assert {entry["url"] for entry in urls} == {None}


def test_bad_change_requests(client: httpx.Client, app: AppReceiver) -> None:
    for body in (
        {"change": "Explode"},
        {"change": "Move"},
        {"change": "Suspend", "token": "weird"},
        {"change": "Suspend", "sandboxClone": True},
        {"change": "Suspend", "tokenIssuedSecondsAgo": -1},
    ):
        assert client.post(f"{CONTROL}/changes", json=body).status_code == 400, body
    assert (
        client.post("/_control/tenants/Cust99999/changes", json={"change": "Suspend"}).status_code
        == 404
    )
    assert app.settle(0.1) == []
