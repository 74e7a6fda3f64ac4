"""Sign-in state sealed in the browser's cookie: anonymous starts write nothing, and every
wrong callback (tampered, garbage, expired, replayed, another browser's) gets the clear
400 page, against DynamoDB Local, moto and the simulator.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from local.simulator import RunningSimulator
from superoffice_app.store import DynamoTable
from superoffice_app.tokens import SessionKeyRing
from tests.integration.onboarding.onboarding_browser import AppResponse, Browser, forms_of

pytestmark = pytest.mark.integration

ADMIN = "1"
LOGIN = "__Host-so_login"


def items_in(table: DynamoTable) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    arguments: dict[str, Any] = {"TableName": table.name, "ConsistentRead": True}
    while True:
        page = table.client.scan(**arguments)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def answer_of_superid(browser: Browser, location: str, ctx: str = "Cust10001") -> dict[str, str]:
    """Sign in at the simulator and return SuperID's form_post answer, not yet posted."""
    page = browser.http.get(location)
    (form,) = [f for f in forms_of(page.text) if "decision" in f.choices or "decision" in f.fields]
    answer = browser.http.post(
        httpx.URL(location).join(form.action or location),
        data={**form.fields, "tenant": ctx, "user": ADMIN, "decision": "allow"},
    )
    (callback,) = forms_of(answer.text)
    return callback.fields


def assert_expired_page(page: AppResponse) -> None:
    assert page.status == 400, (page.status, page.body[:300])
    assert "expired or was already used" in page.body
    assert "Correlation id" in page.body


def test_anonymous_sign_in_starts_write_nothing(
    browser: Browser, tenants_table: DynamoTable
) -> None:
    assert items_in(tenants_table) == []
    for number in range(40):
        for route in ("/install", "/signin", "/uninstall"):
            target = f"{route}?ctx=Cust{10000 + number}" if number % 2 else route
            started = browser.app("GET", target)
            assert started.status == 303, started.body
            assert browser.cookies[LOGIN].startswith("v1.")
    assert items_in(tenants_table) == []
    # The same table is the one a completed install writes to.
    done = browser.sign_in_at_superoffice(
        browser.app("GET", "/install?ctx=Cust10001").location, tenant="Cust10001", user=ADMIN
    )
    assert done.status == 303, done.body
    keys = {item["PK"]["S"] for item in items_in(tenants_table)}
    assert keys == {"TENANT#Cust10001"}


def test_the_login_cookie_is_set_for_the_callback_only_and_cleared_by_it(
    browser: Browser,
) -> None:
    started = browser.app("GET", "/install?ctx=Cust10001")
    (set_cookie,) = [c for c in started.cookies if c.startswith(f"{LOGIN}=")]
    for attribute in ("HttpOnly", "Secure", "SameSite=None", "Path=/", "Max-Age=600"):
        assert attribute in set_cookie
    assert "Domain" not in set_cookie
    done = browser.sign_in_at_superoffice(started.location, tenant="Cust10001", user=ADMIN)
    assert done.status == 303
    (cleared,) = [c for c in done.cookies if c.startswith(f"{LOGIN}=")]
    assert "Max-Age=0" in cleared
    assert LOGIN not in browser.cookies


def test_a_replayed_answer_is_refused_even_with_the_cookie_kept(
    browser: Browser, handler: Any
) -> None:
    started = browser.app("GET", "/install?ctx=Cust10001")
    cookie = browser.cookies[LOGIN]
    answer = answer_of_superid(browser, started.location)
    assert browser.app("POST", "/callback", form=answer).status == 303
    browser.cookies[LOGIN] = cookie  # an attacker who copied the cookie as well
    assert_expired_page(browser.app("POST", "/callback", form=answer))


def test_a_tampered_login_cookie_is_refused(browser: Browser, handler: Any) -> None:
    started = browser.app("GET", "/install?ctx=Cust10001")
    cookie = browser.cookies[LOGIN]
    browser.cookies[LOGIN] = cookie[:10] + ("A" if cookie[10] != "A" else "B") + cookie[11:]
    page = browser.sign_in_at_superoffice(started.location, tenant="Cust10001", user=ADMIN)
    assert_expired_page(page)
    assert handler.ONBOARDING.tenants.get("Cust10001") is None


def test_another_browsers_login_cookie_is_refused(
    browser: Browser, handler: Any, authorizer: Any, simulator: RunningSimulator
) -> None:
    """The attacker's own valid cookie does not fit the victim's SuperID answer."""
    victim_start = browser.app("GET", "/install?ctx=Cust10001")
    thief = Browser(handler, authorizer, simulator.base_url)
    try:
        thief.app("GET", "/install?ctx=Cust10001")
        page = thief.sign_in_at_superoffice(victim_start.location, tenant="Cust10001", user=ADMIN)
        assert_expired_page(page)
        assert handler.ONBOARDING.tenants.get("Cust10001") is None
    finally:
        thief.close()


@pytest.mark.parametrize(
    "cookie",
    [
        "garbage",
        "v1.",
        "v1." + "A" * 3000,
        "v1.%C3%85%00",
        "q3Jx8mK0aZyHfA7bC2dE4fG6hI8jK0lM1nO3pQ5rS7t",
        "v1.////====",
    ],
)
def test_a_garbage_login_cookie_gets_the_clear_400(browser: Browser, cookie: str) -> None:
    started = browser.app("GET", "/install?ctx=Cust10001")
    answer = answer_of_superid(browser, started.location)
    browser.cookies[LOGIN] = cookie
    assert_expired_page(browser.app("POST", "/callback", form=answer))


def test_an_expired_sign_in_gets_the_clear_400(
    browser: Browser, handler: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = browser.app("GET", "/install?ctx=Cust10001")
    answer = answer_of_superid(browser, started.location)
    monkeypatch.setattr(handler.ONBOARDING.sign_in, "_clock", lambda: time.time() + 601)
    assert_expired_page(browser.app("POST", "/callback", form=answer))
    assert handler.ONBOARDING.tenants.get("Cust10001") is None


def test_a_sign_in_started_before_a_key_rotation_completes_after_it(
    browser: Browser,
    handler: Any,
    session_ring: SessionKeyRing,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import boto3

    from superoffice_app.app_secrets import AppSecrets

    started = browser.app("GET", "/install?ctx=Cust10001")
    access = handler.ONBOARDING.access
    names = access.settings.secret_names
    secrets = boto3.client("secretsmanager")
    secrets.put_secret_value(
        SecretId=names.session_keys, SecretString=session_ring.rotated("next").to_json()
    )
    # A fresh reader, as another instance (or this one once its cache expires) has.
    monkeypatch.setattr(access, "secrets", AppSecrets(names))
    assert access.secrets.session_keys().active_kid == "next"
    done = browser.sign_in_at_superoffice(started.location, tenant="Cust10001", user=ADMIN)
    assert done.status == 303, done.body


def test_the_login_cookie_never_appears_in_logs(
    browser: Browser, caplog: pytest.LogCaptureFixture
) -> None:
    started = browser.app("GET", "/install?ctx=Cust10001")
    cookie = browser.cookies[LOGIN]
    browser.cookies[LOGIN] = cookie[:-1] + ("A" if cookie[-1] != "A" else "B")
    refused = browser.sign_in_at_superoffice(started.location, tenant="Cust10001", user=ADMIN)
    assert refused.status == 400
    browser.cookies[LOGIN] = cookie
    started = browser.app("GET", "/install?ctx=Cust10001")
    sealed = browser.cookies[LOGIN]
    assert browser.sign_in_at_superoffice(started.location, tenant="Cust10001", user=ADMIN).status
    # Every record the function logged, with all its keys (what its JSON line holds).
    logged = "\n".join(repr(vars(record)) for record in caplog.records)
    assert "request refused" in logged  # the function's lines are here: this test can fail
    for value in (cookie, sealed, cookie[3:40], sealed[3:40]):
        assert value not in logged
