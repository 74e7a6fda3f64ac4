"""The management page's sync section and switch, and the install's initial full sync.

Over the onboarding harness: RedirectCallbackFunction behind the same authorizer, DynamoDB
Local, moto (KMS, Secrets Manager and SyncQueue, created per test and set as
`SYNC_QUEUE_URL`) and the simulator over HTTP.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from superoffice_app.queues.sqs import SyncQueue
from superoffice_app.sync.state import EntitySyncState, SyncStateStore, TenantSyncState
from tests.integration.onboarding.onboarding_browser import AppResponse, Browser, forms_of
from tests.integration.onboarding.test_onboarding_flows import ADMIN, PLAIN_USER, install

pytestmark = pytest.mark.integration

CTX = "Cust10001"
SYNC_ROUTE = f"/tenants/{CTX}/sync"


def queued(queue_url: str) -> list[dict[str, Any]]:
    """Every message on SyncQueue (received and deleted)."""
    import boto3

    sqs = boto3.client("sqs")
    messages: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
        if not batch.get("Messages"):
            return messages
        for message in batch["Messages"]:
            messages.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def syncs(queue_url: str) -> list[dict[str, Any]]:
    return [message for message in queued(queue_url) if message["kind"] == "sync"]


def profile(browser: Browser) -> Any:
    found = browser.handler.ONBOARDING.tenants.get(CTX)
    assert found is not None
    return found


def events(browser: Browser) -> list[Any]:
    return browser.handler.ONBOARDING.tenants.recent_events(CTX)


def switch_form(browser: Browser) -> dict[str, str]:
    page = browser.app("GET", f"/tenants/{CTX}")
    assert page.status == 200, page.body
    (form,) = [f for f in forms_of(page.body) if f.action == SYNC_ROUTE]
    assert form.method == "POST"
    return form.fields


def switch(browser: Browser) -> AppResponse:
    """Press the sync section's button, as the page offers it."""
    return browser.app("POST", SYNC_ROUTE, form=switch_form(browser))


def test_install_queues_exactly_one_full_sync(browser: Browser, sync_queue_url: str) -> None:
    assert install(browser).status == 303
    full_sync = {"kind": "sync", "ctx": CTX, "reason": "install", "full": True}
    assert syncs(sync_queue_url) == [full_sync]
    latest = events(browser)
    assert [e.kind for e in latest][:3] == ["initial_sync_queued", "installed", "install_started"]
    assert latest[0].summary == "Initial full sync queued"

    view = browser.app("GET", f"/tenants/{CTX}?format=json").json()
    sync = view["sync"]
    assert (sync["state"], sync["paused"], sync["can_pause"]) == ("on", False, True)
    assert [row["entity"] for row in sync["entities"]] == ["contact", "person", "sale", "project"]
    assert not any(row["synced"] or row["last_error"] for row in sync["entities"])
    assert sync["totals"]["runs"] == 0
    page = browser.app("GET", f"/tenants/{CTX}").body
    assert "Not synced yet" in page
    assert "Pause syncing" in page


def test_a_queue_that_refuses_does_not_fail_the_install(browser: Browser) -> None:
    import boto3

    missing = SyncQueue(boto3.client("sqs"), "http://127.0.0.1:9/000000000000/no-such-queue")
    browser.handler.ONBOARDING.__dict__["sync_queue"] = missing
    done = install(browser)
    assert done.status == 303, done.body
    assert profile(browser).status.value == "active"
    latest = events(browser)[0]
    assert latest.kind == "initial_sync_not_queued"
    assert "scheduled sync" in latest.summary


def test_pause_sets_the_flag_and_records_who(browser: Browser, sync_queue_url: str) -> None:
    assert install(browser).status == 303
    queued(sync_queue_url)
    paused = switch(browser)
    assert paused.status == 303, paused.body
    assert paused.location == f"/tenants/{CTX}#sync"
    assert profile(browser).sync_paused is True
    latest = events(browser)[0]
    assert latest.kind == "sync_paused"
    assert latest.summary.startswith("Syncing paused by ")
    assert "@" in latest.summary  # the signed-in administrator's name, not only an id
    assert "(associate 1)" in (latest.actor or "")
    assert syncs(sync_queue_url) == []

    page = browser.follow(paused)
    assert "Syncing is paused" in page.body
    assert "Resume syncing" in page.body
    view = browser.app("GET", f"/tenants/{CTX}?format=json").json()
    assert (view["sync"]["state"], view["sync"]["can_resume"]) == ("paused", True)


def test_resume_clears_the_flag_and_queues_a_sync_at_once(
    browser: Browser, sync_queue_url: str
) -> None:
    assert install(browser).status == 303
    assert switch(browser).status == 303
    queued(sync_queue_url)
    resumed = switch(browser)
    assert resumed.status == 303, resumed.body
    assert profile(browser).sync_paused is False
    assert syncs(sync_queue_url) == [{"kind": "sync", "ctx": CTX, "reason": "manual"}]
    latest = events(browser)[0]
    assert latest.kind == "sync_resumed"
    assert latest.summary.startswith("Syncing resumed by ")
    assert "Pause syncing" in browser.app("GET", f"/tenants/{CTX}").body


def test_the_same_press_twice_changes_nothing_more(browser: Browser, sync_queue_url: str) -> None:
    assert install(browser).status == 303
    form = switch_form(browser)
    assert browser.app("POST", SYNC_ROUTE, form=form).status == 303
    assert browser.app("POST", SYNC_ROUTE, form=form).status == 303  # a stale page
    assert profile(browser).sync_paused is True
    assert [e.kind for e in events(browser)].count("sync_paused") == 1


def test_a_wrong_csrf_token_is_refused_and_changes_nothing(
    browser: Browser, sync_queue_url: str
) -> None:
    assert install(browser).status == 303
    before = [e.kind for e in events(browser)]
    for token in ("0" * 64, ""):
        refused = browser.app("POST", SYNC_ROUTE, form={"csrf_token": token, "action": "pause"})
        assert refused.status == 403
        assert "This form has expired" in refused.body
    refused = browser.app("POST", SYNC_ROUTE, form={"action": "pause"})
    assert refused.status == 403
    assert profile(browser).sync_paused is False
    assert [e.kind for e in events(browser)] == before


def test_a_plain_user_cannot_switch_syncing(
    browser: Browser, handler: Any, authorizer: Any, simulator: Any
) -> None:
    assert install(browser).status == 303
    plain = Browser(handler, authorizer, simulator.base_url)
    try:
        start = plain.app("GET", f"/signin?ctx={CTX}")
        landed = plain.sign_in_at_superoffice(start.location, tenant=CTX, user=PLAIN_USER)
        assert landed.status == 303, landed.body
        page = plain.follow(landed)
        assert "Only an administrator can pause or resume syncing" in page.body
        assert not [f for f in forms_of(page.body) if f.action == SYNC_ROUTE]
        # Even with the CSRF token its own session would give it:
        session = plain.cookies["__Host-so_session"]
        token = hashlib.sha256(b"csrf:" + session.encode()).hexdigest()
        refused = plain.app("POST", SYNC_ROUTE, form={"csrf_token": token, "action": "pause"})
        assert refused.status == 403
        assert "administrator" in refused.body
    finally:
        plain.close()
    assert profile(browser).sync_paused is False


def test_an_unknown_action_is_a_clear_400(browser: Browser) -> None:
    assert install(browser).status == 303
    form = {**switch_form(browser), "action": "explode"}
    refused = browser.app("POST", SYNC_ROUTE, form=form)
    assert refused.status == 400
    assert "neither to pause nor to resume" in refused.body
    assert "Correlation id" in refused.body
    assert profile(browser).sync_paused is False


def test_another_tenants_session_cannot_switch_this_one(
    browser: Browser, handler: Any, authorizer: Any, simulator: Any
) -> None:
    assert install(browser).status == 303
    other = Browser(handler, authorizer, simulator.base_url)
    try:
        assert install(other, "Cust10002").status == 303
        session = other.cookies["__Host-so_session"]
        token = hashlib.sha256(b"csrf:" + session.encode()).hexdigest()
        refused = other.app("POST", SYNC_ROUTE, form={"csrf_token": token, "action": "pause"})
        assert refused.status == 403
    finally:
        other.close()
    assert profile(browser).sync_paused is False


def test_a_reinstall_keeps_the_pause_and_queues_nothing(
    browser: Browser, sync_queue_url: str
) -> None:
    assert install(browser).status == 303
    assert switch(browser).status == 303
    queued(sync_queue_url)
    assert install(browser, user=ADMIN).status == 303
    assert profile(browser).sync_paused is True
    assert syncs(sync_queue_url) == []
    assert events(browser)[0].kind == "initial_sync_waiting"


def test_the_page_shows_the_sync_state_the_worker_wrote(browser: Browser) -> None:
    assert install(browser).status == 303
    states = SyncStateStore(browser.handler.ONBOARDING.access.table)
    now = datetime.now(UTC)
    states.save(
        CTX,
        EntitySyncState(
            "contact",
            last_success_at=now - timedelta(minutes=12),
            records_mirrored=1234,
            requests_last_run=3,
            requests_total=41,
        ),
    )
    states.save(
        CTX,
        EntitySyncState(
            "person",
            last_error="SuperOffice answered 403 AccessDenied: No access to persons",
            last_error_at=now - timedelta(minutes=2),
            requests_last_run=1,
            requests_total=1,
        ),
    )
    states.save_tenant(
        CTX,
        TenantSyncState(last_run_at=now - timedelta(minutes=2), last_run_reason="schedule", runs=7),
    )
    view = browser.app("GET", f"/tenants/{CTX}?format=json").json()["sync"]
    contact, person, *_ = view["entities"]
    assert contact["synced"] is True
    assert contact["records_mirrored"] == 1234
    assert contact["last_success_ago"] == "12 minutes ago"
    assert contact["lag"] == "12 minutes"
    assert (contact["requests_last_run"], contact["requests_total"]) == (3, 41)
    assert person["synced"] is False
    assert person["last_error"].startswith("SuperOffice did not let the app read contact persons")
    assert view["totals"]["runs"] == 7
    assert view["totals"]["last_run_reason_text"] == "the regular schedule"

    page = browser.app("GET", f"/tenants/{CTX}").body
    for expected in ("1,234", "12 minutes ago", "No access to persons", "7"):
        assert expected in page
    assert "403 AccessDenied" not in page
    session = browser.cookies["__Host-so_session"]  # the app's session token, as a bearer
    api = browser.app("GET", f"/api/tenants/{CTX}", bearer=session)
    assert api.status == 200, api.body
    assert api.json()["sync"]["entities"][0]["records_mirrored"] == 1234
