"""The administrator's pages: everything escaped, the essentials present, secrets absent."""

from __future__ import annotations

from typing import Any

import pytest

from superoffice_app.web import pages, problems
from superoffice_app.web.html import set_app_name

HOSTILE = '<script>alert("x")</script>'


def view(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "ctx": "Cust10001",
        "status": "active",
        "status_text": "The app is installed and working.",
        "environment": "sod",
        "company_name": "Example AS",
        "superoffice_version": "Release_11",
        "installed_at": "2026-11-22T10:00:00+00:00",
        "installed_by": {"associate_id": 1, "name": "admin@example.com", "email": None},
        "provisioned": [
            {
                "kind": "udef",
                "kind_name": "User-defined field",
                "key": "MyPartnerApp:Score",
                "name": "Score",
                "superoffice_id": "12",
                "where": "Settings",
                "created_at": None,
            }
        ],
        "to_do": ["Nothing."],
        "recent_events": [
            {
                "at": "2026-11-22T10:00:05+00:00",
                "kind": "installed",
                "summary": "Installed",
                "actor": None,
            }
        ],
        "can_uninstall": True,
    }
    return {**base, **overrides}


def test_values_from_superoffice_are_escaped() -> None:
    html = pages.management_page(
        view(company_name=HOSTILE, provisioned=[{**view()["provisioned"][0], "name": HOSTILE}]),
        is_administrator=True,
        correlation_id=HOSTILE,
    )
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_management_page_shows_the_essentials() -> None:
    set_app_name("My Partner App")
    html = pages.management_page(view(), is_administrator=True, correlation_id="req-1")
    assert "<title>My Partner App for Example AS · My Partner App</title>" in html
    for expected in (
        "MyPartnerApp:Score",
        "22 Nov 2026 10:00 UTC",
        "req-1",
        "Uninstall",
        'lang="en"',
    ):
        assert expected in html
    assert html.count("<h1>") == 1


def test_only_administrators_get_the_uninstall_link() -> None:
    html = pages.management_page(view(), is_administrator=False, correlation_id="req-1")
    assert "/tenants/Cust10001/uninstall" not in html
    assert "Only an administrator" in html


def test_uninstall_form_carries_the_csrf_token() -> None:
    html = pages.uninstall_confirm_page(view(), csrf_token="abc123", correlation_id="req-1")
    assert 'name="csrf_token" value="abc123"' in html
    assert 'method="post" action="/tenants/Cust10001/uninstall"' in html


@pytest.mark.parametrize(
    "problem",
    [
        problems.sign_in_expired(),
        problems.consent_denied(),
        problems.not_administrator(),
        problems.tenant_not_running("OfflineMaintenance"),
        problems.system_user_refused("4: Denied"),
        problems.superoffice_unreachable(),
        problems.install_incomplete("x"),
        problems.csrf_failed(),
    ],
)
def test_every_problem_page_says_what_happened_what_to_do_and_the_correlation_id(
    problem: problems.Problem,
) -> None:
    html = problem.render("corr-42")
    assert 400 <= problem.status < 600
    assert "What to do next" in html
    assert "corr-42" in html
    assert 'role="alert"' in html
    as_json = problem.as_json("corr-42")
    assert as_json["correlation_id"] == "corr-42"
    assert as_json["next"]
