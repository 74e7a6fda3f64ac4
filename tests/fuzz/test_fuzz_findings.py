"""What the fuzzers found, kept as plain requests through the local stack (issue 11).

Each test is one request (or a few of one kind) that once got a 5xx, a traceback or an
HTML page where API Gateway answers JSON; each now must get a clear 4xx. Sent byte for
byte (`send_raw`), so the bytes are exactly those the fuzzer sent; every answer is also
checked for tracebacks and the stack's secrets, as the fuzzers check them.
"""

from __future__ import annotations

import json

import pytest

from tests.fuzz.fuzz_answers import Answer, problems_of, send_raw
from tests.fuzz.fuzz_target import LOGIN_COOKIE, SESSION_COOKIE, FuzzTarget, start_sign_in

pytestmark = pytest.mark.fuzz

FORM = ("Content-Type", "application/x-www-form-urlencoded")
NOT_UTF8 = b"csrf_token=\xff\xfe\xfd&action=pause"


def session_cookie(target: FuzzTarget) -> tuple[str, str]:
    return ("Cookie", f"{SESSION_COOKIE}={target.session}")


def assert_refused(answer: Answer, target: FuzzTarget, *statuses: int) -> None:
    """A 4xx (one of `statuses` when given), without traceback or secret."""
    wrong = [p for p in problems_of(answer, target.secrets) if not p.startswith("answered")]
    assert not wrong, wrong
    assert 400 <= answer.status < 500, (answer.status, answer.body[:300])
    if statuses:
        assert answer.status in statuses, (answer.status, answer.body[:300])


def assert_still_installed(target: FuzzTarget) -> None:
    view = send_raw(
        target.app_url,
        "GET",
        f"/tenants/{target.ctx}?format=json",
        headers=[session_cookie(target)],
    )
    assert view.status == 200, view.status
    assert json.loads(view.body)["status"] == "active"


# -- bodies that are not UTF-8 ----------------------------------------------------------


def test_a_callback_form_that_is_not_utf8_is_a_400(fuzz_target: FuzzTarget) -> None:
    cookie, state = start_sign_in(fuzz_target.app_url)
    answer = send_raw(
        fuzz_target.app_url,
        "POST",
        "/callback",
        headers=[FORM, ("Cookie", f"{LOGIN_COOKIE}={cookie}")],
        body=b"state=" + state.encode() + b"&code=\xff\xfe",
    )
    assert_refused(answer, fuzz_target, 400)


def test_a_sync_form_that_is_not_utf8_is_a_400(fuzz_target: FuzzTarget) -> None:
    answer = send_raw(
        fuzz_target.app_url,
        "POST",
        f"/tenants/{fuzz_target.ctx}/sync",
        headers=[FORM, session_cookie(fuzz_target)],
        body=NOT_UTF8,
    )
    assert_refused(answer, fuzz_target, 400)


def test_an_uninstall_form_that_is_not_utf8_is_a_400_and_uninstalls_nothing(
    fuzz_target: FuzzTarget,
) -> None:
    answer = send_raw(
        fuzz_target.app_url,
        "POST",
        f"/tenants/{fuzz_target.ctx}/uninstall",
        headers=[FORM, session_cookie(fuzz_target)],
        body=NOT_UTF8,
    )
    assert_refused(answer, fuzz_target, 400)
    assert_still_installed(fuzz_target)


# -- a CSRF token that is not ASCII -----------------------------------------------------


@pytest.mark.parametrize("route", ["sync", "uninstall"])
@pytest.mark.parametrize("csrf", [b"%C3%A9%E2%80%8B", "é".encode()], ids=["encoded", "raw"])
def test_a_csrf_token_that_is_not_ascii_is_refused_as_a_bad_form(
    fuzz_target: FuzzTarget, route: str, csrf: bytes
) -> None:
    answer = send_raw(
        fuzz_target.app_url,
        "POST",
        f"/tenants/{fuzz_target.ctx}/{route}",
        headers=[FORM, session_cookie(fuzz_target)],
        body=b"csrf_token=" + csrf + b"&action=pause",
    )
    assert_refused(answer, fuzz_target, 400, 403)
    if route == "uninstall":
        assert_still_installed(fuzz_target)


# -- webhook paths whose tenant is not a context identifier ----------------------------


@pytest.mark.parametrize(
    "tenant",
    [
        "cust10001",
        "%00",
        "..%2F..%2Fnotifications%2Ftenant-state",
        "Cust%EF%BC%91%EF%BC%90",  # full-width digits
        "%FF",
    ],
)
def test_a_webhook_for_a_tenant_that_is_not_a_context_identifier_is_a_400(
    fuzz_target: FuzzTarget, tenant: str
) -> None:
    answer = send_raw(
        fuzz_target.app_url,
        "POST",
        f"/webhooks/crm/{tenant}",
        headers=[("Content-Type", "application/json")],
        body=b'{"EventId": "e1", "Event": "contact.changed", "ContextIdentifier": "Cust10001"}',
    )
    assert_refused(answer, fuzz_target, 400)
    assert "message" in json.loads(answer.body)


# -- methods without a route ------------------------------------------------------------


# `get`: methods are case-sensitive; the raw fuzzer found the lower-case one answered 501.
@pytest.mark.parametrize("method", ["TRACE", "FOO", "get"])
def test_a_method_without_a_route_is_api_gateways_404_json(
    fuzz_target: FuzzTarget, method: str
) -> None:
    answer = send_raw(fuzz_target.app_url, method, "/install")
    assert_refused(answer, fuzz_target, 404)
    assert answer.header("content-type") == "application/json"
    assert json.loads(answer.body) == {"message": "Not Found"}


# -- SuperID's error answer -------------------------------------------------------------


@pytest.mark.parametrize("error", ["server_error", "%C3%86%F2%A6%89%82"], ids=["known", "bytes"])
def test_a_sign_in_answer_carrying_an_error_is_not_a_5xx(
    fuzz_target: FuzzTarget, error: str
) -> None:
    # Found by schemathesis: `error` is whatever the browser brings back; a 5xx would say
    # the app failed. Each with a sign-in of its own: a state may be good for one answer.
    cookie, state = start_sign_in(fuzz_target.app_url)
    answer = send_raw(
        fuzz_target.app_url,
        "GET",
        f"/callback?state={state}&error={error}&code=x",
        headers=[("Cookie", f"{LOGIN_COOKIE}={cookie}")],
    )
    assert_refused(answer, fuzz_target)
    assert b"sign-in" in answer.body.lower()
