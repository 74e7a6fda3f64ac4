"""CRM webhooks over HTTP: registration with its test event, signed deliveries, retries,
TooManyErrors, 410, re-activation, and a sandbox clone dropping them.

Retry pauses are scaled down through the control API, so nine failures take moments.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sim_driver import AppReceiver, Received, SystemUserDriver

pytestmark = pytest.mark.integration

API = "/sod2/Cust10001/api/v1"
CONTROL = "/_control/tenants/Cust10001"
SECRET = "s3cret-øk"  # not ASCII on purpose: the key is the UTF-8 bytes
HOOK = "/hooks/crm"


@pytest.fixture
def headers(client: httpx.Client, system_user: SystemUserDriver) -> dict[str, str]:
    token = client.post(f"{CONTROL}/approve").json()["systemToken"]
    return system_user.headers(system_user.ticket("Cust10001", token))


@pytest.fixture(autouse=True)
def fast_retries(client: httpx.Client) -> Iterator[None]:
    assert client.put("/_control/outbound", json={"delayScale": 0.001}).status_code == 200
    yield
    client.put("/_control/outbound", json={"delayScale": 1})


def definition(receiver: AppReceiver, **overrides: Any) -> dict[str, Any]:
    return {
        "Name": "PartnerApp sync",
        "Events": ["contact.created", "contact.changed", "contact.deleted"],
        "TargetUrl": receiver.base_url + HOOK,
        "Secret": SECRET,
        "State": "Active",
        "Type": "webhook",
        **overrides,
    }


def register(
    client: httpx.Client, headers: dict[str, str], receiver: AppReceiver, **overrides: Any
) -> dict[str, Any]:
    answer = client.post(f"{API}/Webhook", headers=headers, json=definition(receiver, **overrides))
    assert answer.status_code == 200, answer.text
    webhook: dict[str, Any] = answer.json()
    return webhook


def verify(received: Received) -> dict[str, Any]:
    """As the app must: HMAC-SHA256 of the raw bytes with the UTF-8 secret, base64."""
    digest = hmac.new(SECRET.encode("utf-8"), received.body, hashlib.sha256).digest()
    expected = base64.b64encode(digest).decode("ascii")
    assert hmac.compare_digest(received.headers["x-superoffice-signature"], expected)
    body: dict[str, Any] = received.json()
    return body


def save_contact(client: httpx.Client, fields: dict[str, Any], **extra: Any) -> dict[str, Any]:
    answer = client.post(f"{CONTROL}/records/contact", json={"fields": fields, **extra})
    assert answer.status_code in {200, 201}, answer.text
    result: dict[str, Any] = answer.json()
    return result


def health(client: httpx.Client, webhook_id: int) -> dict[str, Any]:
    hooks = client.get(f"{CONTROL}/webhooks").json()["webhooks"]
    return next(hook for hook in hooks if hook["WebhookId"] == webhook_id)


def wait_state(client: httpx.Client, webhook_id: int, state: str) -> dict[str, Any]:
    for _ in range(200):
        hook = health(client, webhook_id)
        if hook["State"] == state:
            return hook
        time.sleep(0.02)
    raise AssertionError(f"webhook {webhook_id} is {hook['State']}, not {state}")


def test_registration_needs_200_to_the_test_event(
    client: httpx.Client, headers: dict[str, str], receiver: AppReceiver
) -> None:
    for status in (500, 204, 404):
        receiver.answer(status)
        refused = client.post(f"{API}/Webhook", headers=headers, json=definition(receiver))
        assert refused.status_code == 400
        assert refused.json()["ErrorType"] == "SoArgumentException"
    assert client.get(f"{API}/Webhook", headers=headers).json() == []
    webhook = register(client, headers, receiver)
    assert webhook["WebhookId"] >= 1
    assert webhook["State"] == "Active"
    test = receiver.wait_for(4, HOOK)[3]
    assert test.headers["x-hook-test"] == "true"
    body = verify(test)
    assert body["Event"] == "test"
    assert body["ContextIdentifier"] == "Default"
    assert body["WebhookName"] == "PartnerApp sync"
    assert (body["PrimaryKey"], body["Entity"], body["Changes"]) == (0, "", [])
    assert body["EventId"] == test.headers["x-superoffice-eventid"]


def test_unreachable_target_and_bad_bodies_are_refused(
    client: httpx.Client, headers: dict[str, str], receiver: AppReceiver
) -> None:
    dead = AppReceiver()
    dead.close()
    answer = client.post(f"{API}/Webhook", headers=headers, json=definition(dead))
    assert answer.status_code == 400
    bodies: list[dict[str, Any]] = [
        {"Events": []},
        {"TargetUrl": "ftp://x"},
        {"State": "Paused"},
        {"Name": ""},
    ]
    for bad in bodies:
        answer = client.post(f"{API}/Webhook", headers=headers, json=definition(receiver, **bad))
        assert answer.status_code == 400, bad
    assert client.post(f"{API}/Webhook", json=definition(receiver)).status_code == 401
    assert receiver.settle(0.05) == []


def test_list_get_filter_and_delete(
    client: httpx.Client, headers: dict[str, str], receiver: AppReceiver
) -> None:
    first = register(client, headers, receiver)
    second = register(client, headers, receiver, Name="Other hook")
    everything = client.get(f"{API}/Webhook", headers=headers).json()
    assert [hook["WebhookId"] for hook in everything] == [first["WebhookId"], second["WebhookId"]]
    filtered = client.get(f"{API}/Webhook", headers=headers, params={"nameFilter": "partnerapp"})
    assert [hook["Name"] for hook in filtered.json()] == ["PartnerApp sync"]
    one = client.get(f"{API}/Webhook/{second['WebhookId']}", headers=headers).json()
    assert one == second
    assert client.delete(f"{API}/Webhook/{second['WebhookId']}", headers=headers).status_code == 204
    assert client.get(f"{API}/Webhook/{second['WebhookId']}", headers=headers).status_code == 404
    assert client.get("/sod2/Cust10002/api/v1/Webhook", headers=headers).status_code == 421


def test_record_changes_are_delivered_signed(
    client: httpx.Client, headers: dict[str, str], receiver: AppReceiver
) -> None:
    webhook = register(client, headers, receiver)
    created = save_contact(client, {"name": "Acme AS", "department": "Sales"}, associateId=2)
    assert created["event"] == "contact.created"
    assert created["webhooks"] == [webhook["WebhookId"]]
    key = created["primaryKey"]
    save_contact(client, {"name": "Acme ASA", "department": "Sales"}, id=key)
    client.post(f"{CONTROL}/records/person", json={"fields": {"firstname": "Ola"}})
    assert client.delete(f"{CONTROL}/records/contact/{key}").status_code == 200
    deliveries = receiver.wait_for(4, HOOK)[1:]
    bodies = [verify(received) for received in deliveries]
    assert [body["Event"] for body in bodies] == [
        "contact.created",
        "contact.changed",
        "contact.deleted",
    ]
    assert bodies[0]["Changes"] == ["department", "name"]
    assert bodies[0]["ChangedByAssociateId"] == 2
    assert bodies[1]["Changes"] == ["name"]
    assert bodies[1]["FieldValues"] == {"name": "Acme ASA", "department": "Sales"}
    for received, body in zip(deliveries, bodies, strict=True):
        assert body["PrimaryKey"] == key
        assert body["Entity"] == "contact"
        assert body["ContextIdentifier"] == "Cust10001"
        assert body["WebhookName"] == "PartnerApp sync"
        assert received.headers["x-superoffice-event"] == body["Event"]
        assert received.headers["x-superoffice-eventid"] == body["EventId"]
        assert received.headers["x-superoffice-retry"] == "0"
    assert len({body["EventId"] for body in bodies}) == 3
    assert len(receiver.settle(0.1)) == 4  # person.created was not subscribed


def test_a_delete_in_the_user_interface_then_a_restore_then_the_purge_are_delivered(
    client: httpx.Client, headers: dict[str, str], receiver: AppReceiver
) -> None:
    events = ["contact.softdeleted", "contact.changed", "contact.deleted"]
    register(client, headers, receiver, Events=events)
    key = save_contact(client, {"name": "Soon gone"}, notify=False)["primaryKey"]
    record = f"{CONTROL}/records/contact/{key}"
    soft = client.post(f"{record}/softdelete", json={"associateId": 3})
    assert soft.status_code == 200, soft.text
    assert client.post(f"{record}/restore").status_code == 200
    assert client.post(f"{record}/softdelete").status_code == 200
    assert client.delete(record).status_code == 200
    bodies = [verify(received) for received in receiver.wait_for(5, HOOK)[1:]]
    assert [body["Event"] for body in bodies] == [
        "contact.softdeleted",
        "contact.changed",
        "contact.softdeleted",
        "contact.deleted",
    ]
    assert bodies[0]["ChangedByAssociateId"] == 3
    assert bodies[0]["Changes"] == bodies[1]["Changes"] == ["DeletedDate"]
    assert bodies[0]["FieldValues"]["DeletedDate"] == soft.json()["fieldValues"]["DeletedDate"]
    assert bodies[1]["FieldValues"]["DeletedDate"] == "0001-01-01T00:00:00"  # not set
    assert {body["PrimaryKey"] for body in bodies} == {key}


def test_retries_then_too_many_errors_then_reactivation(
    client: httpx.Client, headers: dict[str, str], receiver: AppReceiver
) -> None:
    webhook = register(client, headers, receiver)
    receiver.default_status = 500
    first = save_contact(client, {"name": "One"})
    wait_state(client, webhook["WebhookId"], "TooManyErrors")
    attempts = receiver.settle(0.1)[1:]
    assert len(attempts) == 9
    assert [r.headers["x-superoffice-retry"] for r in attempts] == [str(n) for n in range(9)]
    assert {verify(r)["PrimaryKey"] for r in attempts} == {first["primaryKey"]}
    assert len({r.headers["x-superoffice-eventid"] for r in attempts}) == 1
    rest = client.get(f"{API}/Webhook/{webhook['WebhookId']}", headers=headers).json()
    assert rest["State"] == "TooManyErrors"
    assert save_contact(client, {"name": "Two"})["webhooks"] == []
    assert len(receiver.settle(0.1)) == 10
    # The app notices and re-activates; the test event must get its 200 again.
    receiver.default_status = 200
    update = {**definition(receiver), "State": "Active"}
    put = client.put(f"{API}/Webhook/{webhook['WebhookId']}", headers=headers, json=update)
    assert put.status_code == 200, put.text
    assert put.json()["State"] == "Active"
    assert health(client, webhook["WebhookId"])["consecutiveFailures"] == 0
    save_contact(client, {"name": "Three"})
    delivered = receiver.wait_for(12, HOOK)[11]
    assert verify(delivered)["FieldValues"] == {"name": "Three"}


def test_a_failed_cycle_goes_to_the_back_of_the_queue(
    client: httpx.Client, headers: dict[str, str], receiver: AppReceiver
) -> None:
    register(client, headers, receiver)
    # Pauses of 50 and 200 ms: "Second" is surely queued before "First" gives up its cycle.
    client.put("/_control/outbound", json={"delayScale": 0.05})
    receiver.answer(500, 500, 500)
    save_contact(client, {"name": "First"})
    save_contact(client, {"name": "Second"})
    arrived = receiver.wait_for(6, HOOK)[1:]
    names = [verify(r)["FieldValues"]["name"] for r in arrived]
    assert names == ["First", "First", "First", "Second", "First"]
    assert [r.headers["x-superoffice-retry"] for r in arrived] == ["0", "1", "2", "0", "3"]


def test_410_stops_the_webhook(
    client: httpx.Client, headers: dict[str, str], receiver: AppReceiver
) -> None:
    webhook = register(client, headers, receiver)
    receiver.answer(410)
    save_contact(client, {"name": "Gone"})
    hook = wait_state(client, webhook["WebhookId"], "Stopped")
    assert [attempt["status"] for attempt in hook["attempts"]] == [410]
    save_contact(client, {"name": "Not delivered"})
    assert len(receiver.settle(0.1)) == 2


def test_sandbox_clone_deletes_webhooks(
    client: httpx.Client, headers: dict[str, str], receiver: AppReceiver
) -> None:
    register(client, headers, receiver)
    client.put("/_control/notification-urls", json={"url": None})
    plain = client.post(f"{CONTROL}/changes", json={"change": "BackupRestored"})
    assert plain.status_code == 200
    assert len(client.get(f"{API}/Webhook", headers=headers).json()) == 1
    clone = client.post(
        f"{CONTROL}/changes",
        json={"change": "BackupRestored", "sandboxClone": True, "copyItemsFrom": "Cust10002"},
    )
    assert clone.status_code == 200, clone.text
    assert client.get(f"{API}/Webhook", headers=headers).json() == []
    assert save_contact(client, {"name": "Nobody hears"})["webhooks"] == []
