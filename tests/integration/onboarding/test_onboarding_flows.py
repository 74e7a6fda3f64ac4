"""Install, reinstall, manage and uninstall a tenant through real HTTP against the simulator.

The app's RedirectCallbackFunction runs with real HTTP API events, DynamoDB Local holds the
tenants (tables built from template.yaml), moto plays KMS and Secrets Manager, and the
SuperOffice simulator answers over HTTP on 127.0.0.1.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from local.app_credentials import AppCredentials
from local.simulator import RunningSimulator
from superoffice_app.provisioning.spec import load_spec
from superoffice_app.store import DynamoTable
from tests.integration.onboarding.onboarding_browser import AppResponse, Browser, forms_of

pytestmark = pytest.mark.integration

ADMIN, PLAIN_USER = "1", "2"
# For the items' names and keys only; their URLs depend on the app_base_url fixture.
SPEC = load_spec(app_base_url="http://127.0.0.1:3000")


def control(simulator: RunningSimulator, method: str, path: str, body: Any = None) -> Any:
    response = httpx.request(method, f"{simulator.base_url}/_control{path}", json=body, timeout=10)
    assert response.status_code < 300, response.text
    return response.json()


def app_items_in(simulator: RunningSimulator, ctx: str) -> dict[str, list[str]]:
    """The app's items (by its spec's ProgIds and names) that exist in the tenant."""
    items = control(simulator, "GET", f"/tenants/{ctx}")["items"]
    text = repr(items)
    return {
        "udefs": [u.prog_id for u in SPEC.udefs if u.prog_id in text],
        "lists": [entry.name for entry in SPEC.lists if entry.name in text],
        "web_panels": [p.prog_id for p in SPEC.web_panels if p.prog_id in text],
        "preferences": [f"{p.section}/{p.key}" for p in SPEC.preferences if p.section in text],
    }


def count_of(simulator: RunningSimulator, ctx: str) -> int:
    """How many udefs, lists, web panels and preferences the tenant has in all."""
    items = control(simulator, "GET", f"/tenants/{ctx}")["items"]
    return sum(len(v) if isinstance(v, list) else len(v.get("fields", v)) for v in items.values())


def install(
    browser: Browser, ctx: str = "Cust10001", *, user: str = ADMIN, decision: str = "allow"
) -> AppResponse:
    start = browser.app("GET", f"/install?ctx={ctx}")
    assert start.status == 303
    assert start.location.startswith(browser.simulator_url)
    return browser.sign_in_at_superoffice(start.location, tenant=ctx, user=user, decision=decision)


def secrets_of(credentials: AppCredentials) -> list[str]:
    return [credentials.client_secret, credentials.private_key_xml.split("<Modulus>")[1][:40]]


def test_install_redirects_to_superid_with_pkce_state_and_tenant(
    browser: Browser, app_base_url: str
) -> None:
    start = browser.app("GET", "/install?ctx=Cust10001")
    query = parse_qs(urlsplit(start.location).query)
    assert query["response_type"] == ["code"]
    assert query["scope"] == ["openid"]
    assert query["code_challenge_method"] == ["S256"]
    assert query["acr_values"] == ["tenant:Cust10001"]
    assert query["redirect_uri"] == [f"{app_base_url}/callback"]
    # The state travels sealed in the cookie, never in clear (test_onboarding_signin_cookie).
    assert browser.cookies["__Host-so_login"].startswith("v1.")
    assert query["state"][0] not in browser.cookies["__Host-so_login"]


def test_happy_path_installs_provisions_and_shows_the_management_page(
    browser: Browser, simulator: RunningSimulator, app_credentials: AppCredentials
) -> None:
    done = install(browser)
    assert done.status == 303, done.body
    assert done.location == "/tenants/Cust10001"
    assert "__Host-so_session" in browser.cookies
    session_cookie = next(c for c in done.cookies if c.startswith("__Host-so_session="))
    for attribute in ("HttpOnly", "Secure", "SameSite=Lax", "Path=/"):
        assert attribute in session_cookie

    page = browser.follow(done)
    assert page.status == 200
    assert "MyPartnerApp:CustomerScore" in page.body
    assert "Uninstall" in page.body

    view = browser.app("GET", "/tenants/Cust10001?format=json").json()
    assert view["status"] == "active"
    assert view["environment"] == "local"
    kinds = sorted({item["kind"] for item in view["provisioned"]})
    assert kinds == ["list", "list_item", "preference", "udef", "web_panel", "webhook"]
    assert all(item["where"] for item in view["provisioned"])
    assert view["installed_by"]["associate_id"] == 1
    assert [e["kind"] for e in view["recent_events"]][:3] == [
        "initial_sync_queued",
        "installed",
        "install_started",
    ]

    present = app_items_in(simulator, "Cust10001")
    assert all(present.values()), present
    for secret in secrets_of(app_credentials):
        assert secret not in page.body
        assert secret not in str(view)


def test_reinstall_refreshes_credentials_and_duplicates_nothing(
    browser: Browser, simulator: RunningSimulator
) -> None:
    assert install(browser).status == 303
    before = count_of(simulator, "Cust10001")
    recorded = browser.app("GET", "/tenants/Cust10001?format=json").json()["provisioned"]
    assert install(browser).status == 303
    assert count_of(simulator, "Cust10001") == before
    view = browser.app("GET", "/tenants/Cust10001?format=json").json()
    assert len(view["provisioned"]) == len(recorded)
    assert view["status"] == "active"
    latest, before_that = view["recent_events"][:2]
    assert latest["summary"] == "Full sync queued after the reinstall"
    assert before_that["summary"].startswith("Reinstalled")


def test_sandbox_with_the_apps_items_already_present_gets_nothing_new(
    browser: Browser, simulator: RunningSimulator
) -> None:
    assert install(browser, "Cust10001").status == 303
    control(simulator, "POST", "/tenants/Cust10003/copy-items", {"from": "Cust10001"})
    before = count_of(simulator, "Cust10003")
    assert install(browser, "Cust10003").status == 303
    assert count_of(simulator, "Cust10003") == before
    view = browser.app("GET", "/tenants/Cust10003?format=json").json()
    assert view["status"] == "active"
    assert len(view["provisioned"]) >= 4


def test_two_tenants_side_by_side_never_see_each_other(
    browser: Browser, handler: Any, authorizer: Any, simulator: RunningSimulator
) -> None:
    assert install(browser, "Cust10001").status == 303
    other = Browser(handler, authorizer, simulator.base_url)
    try:
        assert install(other, "Cust10002").status == 303
        # Each browser's session opens its own tenant only.
        assert browser.app("GET", "/tenants/Cust10002").status == 403
        assert other.app("GET", "/tenants/Cust10001").status == 403
        mine = browser.app("GET", "/tenants/Cust10001?format=json").json()
        theirs = other.app("GET", "/tenants/Cust10002?format=json").json()
        assert mine["ctx"] == "Cust10001"
        assert theirs["ctx"] == "Cust10002"
        assert mine["company_name"] != theirs["company_name"]
    finally:
        other.close()


def test_consent_denied_renders_a_clear_page(browser: Browser, tenants_table: DynamoTable) -> None:
    page = install(browser, decision="deny")
    assert page.status == 403
    assert "not allowed" in page.body
    assert "Correlation id" in page.body
    assert browser.handler.ONBOARDING.tenants.get("Cust10001") is None


def test_a_plain_user_cannot_install(browser: Browser) -> None:
    page = install(browser, user=PLAIN_USER)
    assert page.status == 403
    assert "administrator" in page.body
    assert browser.handler.ONBOARDING.tenants.get("Cust10001") is None


def test_replayed_or_foreign_callback_is_refused(
    browser: Browser, simulator: RunningSimulator
) -> None:
    start = browser.app("GET", "/install?ctx=Cust10001")
    page = browser.http.get(start.location)
    (form,) = [f for f in forms_of(page.text) if "decision" in f.choices or "decision" in f.fields]
    answer = browser.http.post(
        httpx.URL(start.location).join(form.action or start.location),
        data={**form.fields, "tenant": "Cust10001", "user": ADMIN, "decision": "allow"},
    )
    (callback_form,) = forms_of(answer.text)
    first = browser.app("POST", "/callback", form=callback_form.fields)
    assert first.status == 303
    replay = browser.app("POST", "/callback", form=callback_form.fields)
    assert replay.status == 400
    assert "expired or was already used" in replay.body


def test_callback_in_another_browser_is_refused(
    browser: Browser, handler: Any, authorizer: Any, simulator: RunningSimulator
) -> None:
    start = browser.app("GET", "/install?ctx=Cust10001")
    thief = Browser(handler, authorizer, simulator.base_url)
    try:
        result = thief.sign_in_at_superoffice(start.location, tenant="Cust10001", user=ADMIN)
        assert result.status == 400
        assert handler.ONBOARDING.tenants.get("Cust10001") is None
    finally:
        thief.close()


def test_tenant_not_running_is_explained(browser: Browser, simulator: RunningSimulator) -> None:
    control(simulator, "PUT", "/tenants/Cust10001/state", {"state": "OfflineMaintenance"})
    page = install(browser)
    assert page.status == 503
    assert "OfflineMaintenance" in page.body


def test_system_user_refused_is_explained_and_nothing_half_written(
    browser: Browser, simulator: RunningSimulator
) -> None:
    control(simulator, "POST", "/tenants/Cust10001/system-user-errors", {"code": 4})
    page = install(browser)
    assert page.status == 403
    assert "refused" in page.body
    assert browser.handler.ONBOARDING.tenants.get("Cust10001") is None


def test_crash_between_provisioning_steps_then_reinstall_completes_it(
    browser: Browser, simulator: RunningSimulator
) -> None:
    control(
        simulator,
        "POST",
        "/tenants/Cust10001/faults",
        {"status": 500, "count": 3, "method": "POST", "pathContains": "WebPanel"},
    )
    failed = install(browser)
    assert failed.status in (502, 503)
    assert "continues where it stopped" in failed.body
    profile = browser.handler.ONBOARDING.tenants.get("Cust10001")
    assert profile is not None
    assert profile.status.value == "install_failed"
    recorded_before = browser.handler.ONBOARDING.tenants.list_provisioned("Cust10001")
    assert recorded_before  # what was created before the crash is recorded

    control(simulator, "DELETE", "/tenants/Cust10001/faults")
    assert install(browser).status == 303
    view = browser.app("GET", "/tenants/Cust10001?format=json").json()
    assert view["status"] == "active"
    keys = [(i["kind"], i["key"]) for i in view["provisioned"]]
    assert len(keys) == len(set(keys))
    present = app_items_in(simulator, "Cust10001")
    assert all(len(found) == 1 for found in present.values()), present


def uninstall(browser: Browser, ctx: str = "Cust10001") -> AppResponse:
    confirm = browser.app("GET", f"/tenants/{ctx}/uninstall")
    assert confirm.status == 200, confirm.body
    (form,) = forms_of(confirm.body)
    return browser.app("POST", f"/tenants/{ctx}/uninstall", form=form.fields)


def test_uninstall_removes_exactly_what_was_recorded(
    browser: Browser, simulator: RunningSimulator
) -> None:
    assert install(browser).status == 303
    result = uninstall(browser)
    assert result.status == 200, result.body
    assert "was uninstalled" in result.body
    assert "remove these by hand" not in result.body
    assert not any(app_items_in(simulator, "Cust10001").values())
    profile = browser.handler.ONBOARDING.tenants.get("Cust10001")
    assert profile is not None
    assert profile.status.value == "uninstalled"
    assert browser.handler.ONBOARDING.tenants.get_secret("Cust10001", "system_token") is None
    assert "__Host-so_session" not in browser.cookies
    # The install's ticket, stored sealed in DynamoDB, served the uninstall as well: every
    # exchange creates a credentials row in the customer's database.
    counters = control(simulator, "GET", "/tenants/Cust10001/counters")
    assert counters["byArea"]["systemUser"] == 1


def test_uninstall_needs_the_forms_csrf_token(browser: Browser) -> None:
    assert install(browser).status == 303
    refused = browser.app("POST", "/tenants/Cust10001/uninstall", form={"csrf_token": "0" * 64})
    assert refused.status == 403
    assert browser.handler.ONBOARDING.tenants.get("Cust10001").status.value == "active"


def test_uninstall_after_revocation_lists_what_to_remove_by_hand(
    browser: Browser, simulator: RunningSimulator
) -> None:
    assert install(browser).status == 303
    control(simulator, "POST", "/tenants/Cust10001/revoke")
    control(simulator, "DELETE", "/tenants/Cust10001/tickets")
    result = uninstall(browser)
    assert result.status == 200, result.body
    assert "remove these by hand" in result.body
    assert "MyPartnerApp:ContactPanel" in result.body
    profile = browser.handler.ONBOARDING.tenants.get("Cust10001")
    assert profile.status.value == "uninstalled"


def test_app_store_uninstall_link_signs_in_and_lands_on_the_confirmation(
    browser: Browser,
) -> None:
    assert install(browser).status == 303
    browser.cookies.clear()
    start = browser.app("GET", "/uninstall")
    landed = browser.sign_in_at_superoffice(start.location, tenant="Cust10001", user=ADMIN)
    assert landed.status == 303
    assert landed.location == "/tenants/Cust10001/uninstall"
    confirm = browser.follow(landed)
    assert "Yes, uninstall" in confirm.body


def test_no_secret_in_pages_or_logs(
    browser: Browser, app_credentials: AppCredentials, caplog: pytest.LogCaptureFixture
) -> None:
    install(browser)
    webhook_secret = browser.handler.ONBOARDING.tenants.get_secret("Cust10001", "webhook_secret")
    assert webhook_secret is not None
    pages = [browser.app("GET", "/tenants/Cust10001").body, uninstall(browser).body]
    # Every record the function logged, with all its keys (what its JSON line holds).
    logged = "\n".join(repr(vars(record)) for record in caplog.records)
    assert "signed in" in logged  # the function's lines are here, so this test can fail
    system_token = re.compile(r"LocalApp-[A-Za-z0-9_-]{6,}")
    ticket = re.compile(r"7T:[A-Za-z0-9_-]{6,}")
    for text in (*pages, logged):
        for secret in [*secrets_of(app_credentials), webhook_secret.reveal()]:
            assert secret not in text
        assert not system_token.search(text)
        assert not ticket.search(text)


def test_superoffice_unreachable_during_provisioning_marks_the_install_incomplete(
    browser: Browser, simulator: RunningSimulator
) -> None:
    control(simulator, "POST", "/tenants/Cust10001/faults", {"drop": True, "count": 50})
    page = install(browser)
    assert page.status == 503
    assert "could not be reached" in page.body
    assert "Correlation id" in page.body
    profile = browser.handler.ONBOARDING.tenants.get("Cust10001")
    assert profile is not None
    assert profile.status.value == "install_failed"


def test_a_forged_id_token_is_refused(browser: Browser, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    from superoffice_app.superoffice.oidc import TokenResponse
    from superoffice_app.tokens import Secret

    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    sign_in = browser.handler.ONBOARDING.sign_in

    def forged_exchange(code: str, verifier: str) -> TokenResponse:
        now = int(time.time())
        claims = {
            "iss": browser.simulator_url,
            "aud": "local-dev-client",
            "sub": "x",
            "iat": str(now),
            "exp": now + 300,
            "http://schemes.superoffice.net/identity/ctx": "Cust10001",
            "http://schemes.superoffice.net/identity/is_administrator": "True",
        }
        token = jwt.encode(claims, forger, algorithm="RS256", headers={"x5t": "AAAA"})
        return TokenResponse(token, Secret("8A:x"), None, 3600)

    monkeypatch.setattr(sign_in, "_exchange_code", forged_exchange)
    page = install(browser)
    assert page.status == 502
    assert "did not validate" in page.body
    assert browser.handler.ONBOARDING.tenants.get("Cust10001") is None


def test_the_provisioned_web_panel_points_at_a_page_the_app_serves(
    browser: Browser, simulator: RunningSimulator, app_base_url: str
) -> None:
    assert install(browser).status == 303
    panels = control(simulator, "GET", "/tenants/Cust10001")["items"]["webPanels"]
    (ours,) = [p for p in panels if p.get("ProgId") == "MyPartnerApp:ContactPanel"]
    url = ours["Url"].replace("<uctx>", "Cust10001").replace("<usid>", "s1").replace("<cuid>", "42")
    assert url.startswith(app_base_url)
    parts = urlsplit(url)
    browser.cookies.clear()  # SuperOffice's frame carries none of the app's cookies
    page = browser.app("GET", f"{parts.path}?{parts.query}")
    assert page.status == 200
    assert "Contact 42" in page.body
    assert "frame-ancestors" in page.headers["Content-Security-Policy"]
