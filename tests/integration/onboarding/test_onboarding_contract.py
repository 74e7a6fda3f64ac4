"""Install and uninstall against SuperOffice as documented (issue 12, the provisioning side).

- Through the strict simulator (`enforce`), install, reinstall and uninstall make no
  request SuperOffice's published contract refuses, and the preference goes through the
  Preference agent (REST documents no DELETE for one).
- A preference an administrator set (the documented GET answers the bare value) is kept.
- An answer that does not fit (here: rewritten on its way back to the app) is said as
  such: the page says SuperOffice answered something unexpected, with the correlation id;
  the log names the operation, status and an excerpt without credentials; the audit
  trail names the step; nothing recorded is lost and the next attempt completes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from local.simulator import RunningSimulator
from superoffice_app.superoffice.http import new_http_client
from tests.integration.onboarding.onboarding_browser import Browser
from tests.integration.onboarding.test_onboarding_flows import (
    app_items_in,
    control,
    install,
    uninstall,
)

pytestmark = pytest.mark.integration

CTX = "Cust10001"
PREFERENCE = ("MyPartnerApp", "Installed", "Database")
UNEXPECTED = "SuperOffice answered something the app did not expect"

Rewrite = Callable[[httpx.Request], httpx.Response | None]


class RewritingTransport(httpx.BaseTransport):
    """Real HTTP, except the answers ``rewrite`` replaces (it sees every request)."""

    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()
        self.rewrite: Rewrite | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.rewrite is not None:
            replaced = self.rewrite(request)
            if replaced is not None:
                return replaced
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


@pytest.fixture
def rewriting(browser: Browser, monkeypatch: pytest.MonkeyPatch) -> Iterator[RewritingTransport]:
    """The onboarding function's HTTP client, with answers a test may replace."""
    transport = RewritingTransport()
    client = new_http_client(transport=transport)
    monkeypatch.setattr(browser.handler.ONBOARDING.access, "http", client)
    yield transport
    client.close()


@pytest.fixture
def enforcing(simulator: RunningSimulator) -> Iterator[None]:
    """The simulator refuses what SuperOffice would; its mode as before afterwards."""
    before = control(simulator, "GET", "/contract")["mode"]
    control(simulator, "PUT", "/contract", {"mode": "enforce"})
    httpx.delete(f"{simulator.base_url}/_control/contract-refusals", timeout=10)
    yield
    control(simulator, "PUT", "/contract", {"mode": before})


def answer_to(method: str, path_end: str, response: httpx.Response) -> Rewrite:
    def rewrite(request: httpx.Request) -> httpx.Response | None:
        if request.method == method and request.url.path.endswith(path_end):
            return response
        return None

    return rewrite


def logged_unexpected_answers(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    """The function's log lines about an answer that did not fit, as their fields."""
    return [
        {name: getattr(record, name, None) for name in ("operation", "status", "excerpt")}
        for record in caplog.records
        if record.getMessage() == "unexpected SuperOffice answer"
    ]


def events_of(browser: Browser, kind: str) -> list[Any]:
    events = browser.handler.ONBOARDING.tenants.recent_events(CTX, limit=50)
    return [event for event in events if event.kind == kind]


# -- the strict simulator ------------------------------------------------------------------


@pytest.mark.usefixtures("enforcing")
def test_install_reinstall_and_uninstall_make_no_request_superoffice_refuses(
    browser: Browser, simulator: RunningSimulator
) -> None:
    assert install(browser).status == 303
    assert install(browser).status == 303  # a reinstall finds everything
    result = uninstall(browser)
    assert result.status == 200, result.body
    assert not any(app_items_in(simulator, CTX).values())
    assert control(simulator, "GET", "/contract") == {"mode": "enforce", "total": 0, "byRule": {}}
    paths = control(simulator, "GET", f"/tenants/{CTX}/counters")["byPath"]
    assert paths["POST /api/v1/Agents/Preference/GetPreferenceByName"] == 1
    assert paths["POST /api/v1/Agents/Preference/DeletePreference"] == 1
    assert not [path for path in paths if path.startswith("DELETE /api/v1/Preference")]


def test_a_preference_an_administrator_set_is_kept(
    browser: Browser, simulator: RunningSimulator
) -> None:
    preferences = simulator.state.tenant(CTX).items.preferences
    preferences.put(*PREFERENCE, "0")
    assert install(browser).status == 303
    assert preferences.get(*PREFERENCE)["Value"] == "0"
    view = browser.app("GET", f"/tenants/{CTX}?format=json").json()
    assert "preference" in {item["kind"] for item in view["provisioned"]}


# -- answers that do not fit ---------------------------------------------------------------


def test_an_unexpected_answer_at_install_is_said_logged_audited_and_completed_later(
    browser: Browser,
    simulator: RunningSimulator,
    rewriting: RewritingTransport,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ticket_like = "7T:bm90LWEtcmVhbC10aWNrZXQ"
    wrong = {"Section": "MyPartnerApp", "Value": "1", "Echo": ticket_like}
    rewriting.rewrite = answer_to(
        "GET", "/v1/Preference/MyPartnerApp/Installed/Database", httpx.Response(200, json=wrong)
    )
    caplog.clear()
    page = install(browser)
    assert page.status == 502
    assert UNEXPECTED in page.body
    assert "While reading the app" in page.body  # the step, in words
    assert "Correlation id" in page.body
    assert "refused" not in page.body
    assert "continues where it stopped" in page.body

    (logged,) = logged_unexpected_answers(caplog)
    assert logged["operation"] == "v1Preference_GetPrefValueAtLevel"
    assert logged["status"] == 200
    assert '"Section": "MyPartnerApp"' in logged["excerpt"]
    assert ticket_like not in logged["excerpt"]

    tenants = browser.handler.ONBOARDING.tenants
    assert tenants.get(CTX).status.value == "install_failed"
    (failed,) = events_of(browser, "install_failed")
    assert failed.summary == f"{UNEXPECTED} while reading the app's preference"
    recorded = {item.kind for item in tenants.list_provisioned(CTX)}
    assert {"udef", "list", "list_item", "web_panel"} <= recorded
    assert simulator.state.tenant(CTX).items.preferences.value(*PREFERENCE) == ""  # not set

    rewriting.rewrite = None
    assert install(browser).status == 303
    view = browser.app("GET", f"/tenants/{CTX}?format=json").json()
    assert view["status"] == "active"
    keys = [(item["kind"], item["key"]) for item in view["provisioned"]]
    assert len(keys) == len(set(keys))
    assert all(len(found) == 1 for found in app_items_in(simulator, CTX).values())


def test_an_unexpected_answer_at_uninstall_keeps_what_is_left_for_the_next_run(
    browser: Browser,
    simulator: RunningSimulator,
    rewriting: RewritingTransport,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert install(browser).status == 303
    rewriting.rewrite = answer_to(
        "POST", "/v1/Agents/Preference/GetPreferenceByName", httpx.Response(200, json=["1"])
    )
    caplog.clear()
    page = uninstall(browser)
    assert page.status == 502
    assert UNEXPECTED in page.body
    assert "finding the app" in page.body
    assert "Correlation id" in page.body
    (logged,) = logged_unexpected_answers(caplog)
    assert (logged["operation"], logged["status"], logged["excerpt"]) == (
        "v1PreferenceAgent_GetPreferenceByName",
        200,
        '["1"]',
    )

    tenants = browser.handler.ONBOARDING.tenants
    assert tenants.get(CTX).status.value == "uninstalling"
    (incomplete,) = events_of(browser, "uninstall_incomplete")
    assert incomplete.summary == f"{UNEXPECTED} while finding the app's preference"
    # The other items went; the preference is still recorded, and still in the tenant.
    assert [item.kind for item in tenants.list_provisioned(CTX)] == ["preference"]
    assert simulator.state.tenant(CTX).items.preferences.value(*PREFERENCE) == "1"

    rewriting.rewrite = None
    result = uninstall(browser)
    assert result.status == 200, result.body
    assert tenants.get(CTX).status.value == "uninstalled"
    assert not any(app_items_in(simulator, CTX).values())
