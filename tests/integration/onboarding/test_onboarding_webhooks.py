"""The install registers the tenant's CRM webhook; it is kept alive and removed again.

Over real HTTP both ways: the app calls the simulator's REST API, and the simulator calls
the app's NotificationWebhookFunction (served by `AppGateway`) with the registration test
event and signed record deliveries, which the function verifies with the secret the
install stored.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest

from local.simulator import RunningSimulator
from superoffice_app.lifecycle.webhooks import signature_matches
from superoffice_app.tokens import Secret
from tests.integration.onboarding.app_gateway import AppGateway, Received
from tests.integration.onboarding.onboarding_browser import Browser
from tests.integration.onboarding.test_onboarding_flows import SPEC, control, install, uninstall

pytestmark = pytest.mark.integration

CTX = "Cust10001"
(WEBHOOK,) = SPEC.webhooks


def webhooks_at_superoffice(simulator: RunningSimulator, ctx: str = CTX) -> list[dict[str, Any]]:
    return list(control(simulator, "GET", f"/tenants/{ctx}/webhooks")["webhooks"])


def stored_secret(browser: Browser, ctx: str = CTX) -> Secret:
    secret = browser.handler.ONBOARDING.tenants.get_secret(ctx, "webhook_secret")
    assert secret is not None
    return secret


def verifies(request: Received, secret: Secret) -> bool:
    return signature_matches(request.body, request.signature, [secret])


def wait_until(condition: Callable[[], bool], *, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def queued(function: ModuleType) -> list[dict[str, Any]]:
    """The messages the webhook function put on the sync queue (received and deleted)."""
    import boto3

    sqs = boto3.client("sqs")
    messages: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(
            QueueUrl=function.ROUTES.settings.sync_queue_url, MaxNumberOfMessages=10
        )
        if not batch.get("Messages"):
            return messages
        for message in batch["Messages"]:
            messages.append(json.loads(message["Body"]))
            sqs.delete_message(
                QueueUrl=function.ROUTES.settings.sync_queue_url,
                ReceiptHandle=message["ReceiptHandle"],
            )


@pytest.fixture
def fast_retries(simulator: RunningSimulator) -> Iterator[None]:
    """SuperOffice's retry pauses (1 s, 4 s) scaled down; outbound settings outlive resets."""
    before = control(simulator, "GET", "/outbound")
    control(simulator, "PUT", "/outbound", {"delayScale": 0.001})
    try:
        yield
    finally:
        control(simulator, "PUT", "/outbound", {"delayScale": before["delayScale"]})


def test_install_registers_the_webhook_after_its_test_event_verified(
    browser: Browser, simulator: RunningSimulator, app_gateway: AppGateway, app_base_url: str
) -> None:
    assert install(browser).status == 303
    (hook,) = webhooks_at_superoffice(simulator)
    assert hook["State"] == "Active"
    assert hook["Name"] == WEBHOOK.name
    assert hook["TargetUrl"] == f"{app_base_url}/webhooks/crm/{CTX}"
    assert hook["Events"] == list(WEBHOOK.events)
    assert hook["consecutiveFailures"] == 0
    # SuperOffice's test event reached the function, which verified it with the stored
    # secret and answered 200; only then was the webhook saved.
    secret = stored_secret(browser)
    (test,) = [r for r in app_gateway.webhook_requests(CTX) if r.is_test_event]
    assert test.status == 200
    assert verifies(test, secret)
    assert not verifies(test, Secret("another secret"))

    view = browser.app("GET", f"/tenants/{CTX}?format=json").json()
    (row,) = [item for item in view["provisioned"] if item["kind"] == "webhook"]
    assert row["kind_name"] == "CRM webhook"
    assert (row["key"], row["name"]) == (WEBHOOK.name, WEBHOOK.name)
    assert row["superoffice_id"] == str(hook["WebhookId"])
    assert "contact, person, sale, project changes" in row["where"]
    page = browser.app("GET", f"/tenants/{CTX}").body
    assert "CRM webhook" in page
    assert secret.reveal() not in page + json.dumps(view)


def test_a_changed_record_arrives_signed_with_the_stored_secret(
    browser: Browser,
    simulator: RunningSimulator,
    app_gateway: AppGateway,
    webhook_function: ModuleType,
) -> None:
    assert install(browser).status == 303
    secret = stored_secret(browser)
    created = control(
        simulator, "POST", f"/tenants/{CTX}/records/contact", {"fields": {"name": "Acme AS"}}
    )
    assert created["webhooks"] == [webhooks_at_superoffice(simulator)[0]["WebhookId"]]
    key = created["primaryKey"]
    control(
        simulator,
        "POST",
        f"/tenants/{CTX}/records/contact",
        {"id": key, "fields": {"name": "Acme ASA"}},
    )
    for event in ("contact.created", "contact.changed"):
        delivery = app_gateway.wait_for(CTX, lambda r, e=event: r.event == e)
        assert delivery.status == 200
        assert verifies(delivery, secret)
        assert json.loads(delivery.body)["ContextIdentifier"] == CTX
    messages = [m for m in queued(webhook_function) if m["kind"] == "record"]
    assert [(m["ctx"], m["entity"], m["primary_key"], m["event"]) for m in messages] == [
        (CTX, "contact", key, "contact.created"),
        (CTX, "contact", key, "contact.changed"),
    ]


@pytest.mark.parametrize(("answer", "disabled_state"), [(500, "TooManyErrors"), (410, "Stopped")])
def test_ensure_webhooks_reactivates_a_webhook_superoffice_disabled(
    browser: Browser,
    simulator: RunningSimulator,
    app_gateway: AppGateway,
    fast_retries: None,
    answer: int,
    disabled_state: str,
) -> None:
    assert install(browser).status == 303
    (registered,) = webhooks_at_superoffice(simulator)
    app_gateway.fail_webhooks_with = answer
    control(simulator, "POST", f"/tenants/{CTX}/records/person", {"fields": {"name": "Ann"}})
    wait_until(lambda: webhooks_at_superoffice(simulator)[0]["State"] == disabled_state)
    failed = [r for r in app_gateway.webhook_requests(CTX) if r.event == "person.created"]
    assert len(failed) == (9 if disabled_state == "TooManyErrors" else 1)

    app_gateway.fail_webhooks_with = None
    (report,) = browser.handler.ONBOARDING.ensure_webhooks(CTX)
    assert (report.outcome, report.found_state) == ("reactivated", disabled_state)
    assert report.webhook_id == str(registered["WebhookId"])
    assert report.requests == 2  # GET, PUT
    (hook,) = webhooks_at_superoffice(simulator)
    assert (hook["WebhookId"], hook["State"], hook["consecutiveFailures"]) == (
        registered["WebhookId"],
        "Active",
        0,
    )
    # Deliveries flow again, signed with the same stored secret.
    control(simulator, "POST", f"/tenants/{CTX}/records/sale", {"fields": {"heading": "Deal"}})
    delivery = app_gateway.wait_for(CTX, lambda r: r.event == "sale.created")
    assert delivery.status == 200
    assert verifies(delivery, stored_secret(browser))
    (again,) = browser.handler.ONBOARDING.ensure_webhooks(CTX)
    assert (again.outcome, again.requests) == ("ok", 1)


def test_ensure_webhooks_registers_again_after_a_sandbox_clone(
    browser: Browser, simulator: RunningSimulator, app_gateway: AppGateway
) -> None:
    assert install(browser).status == 303
    (old,) = webhooks_at_superoffice(simulator)
    secret = stored_secret(browser)
    control(
        simulator,
        "POST",
        f"/tenants/{CTX}/changes",
        {"change": "BackupRestored", "sandboxClone": True},
    )
    assert webhooks_at_superoffice(simulator) == []

    (report,) = browser.handler.ONBOARDING.ensure_webhooks(CTX)
    assert report.outcome == "registered"
    (hook,) = webhooks_at_superoffice(simulator)
    assert hook["State"] == "Active"
    assert hook["WebhookId"] != old["WebhookId"]
    assert report.webhook_id == str(hook["WebhookId"])
    assert stored_secret(browser) == secret  # not rotated
    view = browser.app("GET", f"/tenants/{CTX}?format=json").json()
    (row,) = [item for item in view["provisioned"] if item["kind"] == "webhook"]
    assert row["superoffice_id"] == str(hook["WebhookId"])

    control(simulator, "POST", f"/tenants/{CTX}/records/project", {"fields": {"name": "P"}})
    delivery = app_gateway.wait_for(CTX, lambda r: r.event == "project.created")
    assert delivery.status == 200
    assert verifies(delivery, secret)


def test_reinstall_keeps_the_webhook_and_its_secret(
    browser: Browser, simulator: RunningSimulator, app_gateway: AppGateway
) -> None:
    assert install(browser).status == 303
    (first,) = webhooks_at_superoffice(simulator)
    secret = stored_secret(browser)
    assert install(browser).status == 303
    (hook,) = webhooks_at_superoffice(simulator)
    assert hook["WebhookId"] == first["WebhookId"]
    assert stored_secret(browser) == secret
    tests = [r for r in app_gateway.webhook_requests(CTX) if r.is_test_event]
    assert len(tests) == 2  # the registration, and the reinstall's PUT
    assert all(r.status == 200 and verifies(r, secret) for r in tests)


def test_an_app_that_refuses_the_test_event_fails_the_install_until_it_answers(
    browser: Browser, simulator: RunningSimulator, app_gateway: AppGateway
) -> None:
    app_gateway.fail_webhooks_with = 503
    failed = install(browser)
    assert failed.status == 502
    assert "continues where it stopped" in failed.body
    assert browser.handler.ONBOARDING.tenants.get(CTX).status.value == "install_failed"
    assert webhooks_at_superoffice(simulator) == []
    secret = stored_secret(browser)  # stored before the registration was tried

    app_gateway.fail_webhooks_with = None
    assert install(browser).status == 303
    (hook,) = webhooks_at_superoffice(simulator)
    assert hook["State"] == "Active"
    assert stored_secret(browser) == secret  # carried through the second install


def test_uninstall_deletes_the_webhook_and_its_secret(
    browser: Browser, simulator: RunningSimulator
) -> None:
    assert install(browser).status == 303
    assert webhooks_at_superoffice(simulator)
    result = uninstall(browser)
    assert result.status == 200, result.body
    assert "remove these by hand" not in result.body
    assert webhooks_at_superoffice(simulator) == []
    tenants = browser.handler.ONBOARDING.tenants
    assert tenants.get_secret(CTX, "webhook_secret") is None
    assert tenants.list_provisioned(CTX) == []
