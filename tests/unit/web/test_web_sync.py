"""The management page's sync section: before any sync, with state, errors, paused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from superoffice_app.store import TenantProfile, TenantStatus
from superoffice_app.sync.state import EntitySyncState, TenantSyncState
from superoffice_app.sync.status import (
    ago,
    duration_words,
    plain_error,
    sync_view,
)
from superoffice_app.web import pages, problems
from tests.unit.web.test_web_pages import HOSTILE, view

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
ENTITIES = ("contact", "person", "sale", "project")


def profile(status: TenantStatus = TenantStatus.ACTIVE, *, paused: bool = False) -> TenantProfile:
    return TenantProfile(
        ctx="Cust10001",
        status=status,
        revision=3,
        created_at=NOW - timedelta(days=1),
        updated_at=NOW,
        transitioned_at=NOW,
        sync_paused=paused,
    )


def never_synced() -> list[EntitySyncState]:
    return [EntitySyncState(name) for name in ENTITIES]


def synced() -> list[EntitySyncState]:
    contact = EntitySyncState(
        "contact",
        last_success_at=NOW - timedelta(minutes=5),
        records_mirrored=12_345,
        requests_last_run=4,
        requests_total=250,
    )
    person = EntitySyncState(
        "person",
        last_success_at=NOW - timedelta(hours=3),
        last_error="SuperOffice answered 403 Forbidden: The user has no access to persons",
        last_error_at=NOW - timedelta(minutes=1),
        records_mirrored=88,
        requests_last_run=2,
        requests_total=90,
    )
    sale = EntitySyncState("sale", in_progress=True, full_resync=True, requests_last_run=7)
    return [contact, person, sale, EntitySyncState("project")]


def totals(**changes: Any) -> TenantSyncState:
    base = TenantSyncState(
        last_run_at=NOW - timedelta(minutes=1),
        last_run_reason="schedule",
        requests_total=347,
        runs=21,
    )
    return base.with_(**changes)


def page(sync: dict[str, Any], *, admin: bool = True, csrf: str | None = "tok-1") -> str:
    return pages.management_page(
        view(sync=sync), is_administrator=admin, correlation_id="req-1", csrf_token=csrf
    )


def test_before_the_first_sync_every_entity_says_not_synced_yet() -> None:
    sync = sync_view(profile(), never_synced(), TenantSyncState(), now=NOW)
    assert sync["state"] == "on"
    assert sync["synced_yet"] is False
    assert [row["entity"] for row in sync["entities"]] == list(ENTITIES)
    for row in sync["entities"]:
        assert row["synced"] is False
        assert row["last_success_at"] is None
        assert row["lag"] is None
        assert row["last_error"] is None
        assert row["records_mirrored"] == 0
    html = page(sync)
    assert '<h2 id="sync">Sync</h2>' in html
    assert html.count("Not synced yet") == 4  # each of the four entities
    assert "No run has finished yet" in html
    assert "Syncing is on" in html
    assert html.count("<h1>") == 1


def test_with_state_the_section_shows_success_records_lag_requests_and_totals() -> None:
    sync = sync_view(profile(), synced(), totals(), now=NOW)
    contact, person, sale, _ = sync["entities"]
    assert contact["last_success_ago"] == "5 minutes ago"
    assert contact["lag_seconds"] == 300
    assert contact["lag"] == "5 minutes"
    assert (contact["requests_last_run"], contact["requests_total"]) == (4, 250)
    assert person["lag"] == "3 hours"
    assert sale["note"] == "a run stopped part-way and continues; a full sync is pending"
    assert sync["totals"] == {
        "requests_total": 347,
        "runs": 21,
        "last_run_at": "2026-11-22T11:59:00+00:00",
        "last_run_ago": "1 minute ago",
        "last_run_reason": "schedule",
        "last_run_reason_text": "the regular schedule",
    }
    html = page(sync)
    for expected in (
        "Companies",
        "Contact persons",
        "22 Nov 2026 11:55 UTC (5 minutes ago)",
        "12,345",
        "5 minutes",
        "250",
        "347 in all",
        "for the regular schedule",
        "Requests last run",
    ):
        assert expected in html, expected


def test_the_last_error_is_shown_in_plain_words() -> None:
    sync = sync_view(profile(), synced(), totals(), now=NOW)
    person = sync["entities"][1]
    assert person["last_error"] == (
        "SuperOffice did not let the app read contact persons. An administrator may need to "
        "give the app's system user access to them. SuperOffice said: "
        "“The user has no access to persons”."
    )
    html = page(sync)
    assert "did not let the app read contact persons" in html
    assert "403 Forbidden" not in html
    assert sync["entities"][0]["last_error"] is None
    assert "None" in html  # the entities without an error say so


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        (None, None),
        ("", None),
        (
            "SuperOffice asked the app to slow down; the sync continues later",
            "SuperOffice asked the app to slow down; the sync continues later.",
        ),
        (
            "more records than one run could take; the sync continues in the next run",
            "More records than one run could take; the sync continues in the next run.",
        ),
        ("archive query: SuperOffice answered 503", "SuperOffice did not answer in time"),
        ("archive query: timed out (ReadTimeout)", "SuperOffice did not answer in time"),
        ("archive query: the answer is not JSON", "was not what the app expected"),
        ("archive query: a sale row has no updated time", "was not what the app expected"),
        ("SuperOffice answered 401: no error details", "did not accept the app's credentials"),
        ("SuperOffice answered 404 NotFound: no error details", "did not find"),
        ("SuperOffice answered 400 Bad: Unknown column x", "refused the app's request for sales"),
        ('Traceback (most recent call last):\n  File "x.py"', "failed; the app tries again"),
    ],
)
def test_plain_error(stored: str | None, expected: str | None) -> None:
    words = plain_error(stored, "sale")
    if expected is None:
        assert words is None
    else:
        assert words is not None
        assert expected in words
        assert "Traceback" not in words
        assert "\n" not in words


def test_plain_error_caps_and_flattens_server_text() -> None:
    words = plain_error("SuperOffice answered 400: " + "x\n" * 500, "contact")
    assert words is not None
    assert "\n" not in words
    assert len(words) < 400


def test_paused_shows_the_state_and_offers_resume() -> None:
    sync = sync_view(profile(paused=True), synced(), totals(), now=NOW)
    assert (sync["state"], sync["paused"], sync["can_resume"], sync["can_pause"]) == (
        "paused",
        True,
        True,
        False,
    )
    html = page(sync)
    assert "Syncing is paused" in html
    assert 'class="status status-sync-paused"' in html
    assert 'method="post" action="/tenants/Cust10001/sync"' in html
    assert 'name="action" value="resume"' in html
    assert 'name="csrf_token" value="tok-1"' in html
    assert "Resume syncing" in html
    assert "Pause syncing" not in html


def test_on_offers_pause_with_the_sandbox_hint() -> None:
    html = page(sync_view(profile(), never_synced(), TenantSyncState(), now=NOW))
    assert 'name="action" value="pause"' in html
    assert "Pause syncing" in html
    assert "sandbox" in html


def test_only_administrators_get_the_switch() -> None:
    html = page(sync_view(profile(), never_synced(), TenantSyncState(), now=NOW), admin=False)
    assert "/tenants/Cust10001/sync" not in html
    assert "Only an administrator can pause or resume syncing" in html


def test_no_session_no_form() -> None:
    html = page(sync_view(profile(), never_synced(), TenantSyncState(), now=NOW), csrf=None)
    assert "/tenants/Cust10001/sync" not in html


@pytest.mark.parametrize(
    ("status", "state"),
    [
        (TenantStatus.SUSPENDED, "waiting"),
        (TenantStatus.INSTALL_FAILED, "waiting"),
        (TenantStatus.UNINSTALLED, "off"),
        (TenantStatus.DELETED, "off"),
    ],
)
def test_the_state_follows_the_tenant(status: TenantStatus, state: str) -> None:
    sync = sync_view(profile(status), never_synced(), TenantSyncState(), now=NOW)
    assert sync["state"] == state
    html = page(sync)
    if state == "off":
        assert "/tenants/Cust10001/sync" not in html
        assert not sync["can_pause"]
        assert not sync["can_resume"]
    else:
        assert "Pause syncing" in html


def test_the_page_without_a_sync_section_still_renders() -> None:
    html = pages.management_page(view(), is_administrator=True, correlation_id="req-1")
    assert '<h2 id="sync">' not in html


def test_stored_texts_are_escaped() -> None:
    hostile = [EntitySyncState("contact", last_error=HOSTILE, last_error_at=NOW)]
    html = page(sync_view(profile(), hostile, totals(last_run_reason=HOSTILE), now=NOW))
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0, "under a minute"),
        (59, "under a minute"),
        (60, "1 minute"),
        (119, "1 minute"),
        (3599, "59 minutes"),
        (3600, "1 hour"),
        (47 * 3600, "47 hours"),
        (48 * 3600, "2 days"),
        (-30, "under a minute"),
    ],
)
def test_duration_words(seconds: float, words: str) -> None:
    assert duration_words(seconds) == words


def test_ago() -> None:
    assert ago(None, NOW) is None
    assert ago(NOW + timedelta(seconds=5), NOW) == "just now"  # a clock slightly ahead
    assert ago(NOW - timedelta(minutes=90), NOW) == "1 hour ago"


def test_the_switchs_problems_lead_back_to_the_page() -> None:
    for problem in (
        problems.sync_needs_administrator("Cust10001"),
        problems.bad_sync_action("Cust10001"),
    ):
        html = problem.render("corr-1")
        assert 400 <= problem.status < 500
        assert 'href="/tenants/Cust10001"' in html
        assert "What to do next" in html
