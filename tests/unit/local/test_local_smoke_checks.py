"""The smoke checks' verdicts on answers a deployed stack could give (httpx mock transport).

The local stack's answers are covered by tests/integration/local/test_local_smoke_command.py;
here: a deployed https stack (API Gateway's 404 for /_local/health, HSTS, plain http),
and broken answers each check must fail on.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt
import pytest

from local.smoke import endpoints, forgery, pages, target
from local.smoke.report import CheckResult, Outcome
from local.smoke.session import SmokeSession
from local.smoke.target import parse_target
from superoffice_app import environments
from superoffice_app.lifecycle.webhooks import SIGNATURE_HEADER
from superoffice_app.onboarding.login_cookie import LOGIN_COOKIE_NAME

APP = "https://app.example.com"
SOD_AUTHORIZE = "https://sod.superoffice.com/login/common/oauth/authorize"
PAGE_HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
}
SESSION_KEY = {
    "kty": "EC",
    "crv": "P-256",
    "x": "x",
    "y": "y",
    "kid": "k1",
    "use": "sig",
    "alg": "ES256",
}
PARAMS = {
    "client_id": "abc",
    "redirect_uri": APP + "/callback",
    "response_type": "code",
    "scope": "openid",
    "state": "s" * 22,
    "nonce": "n" * 22,
    "code_challenge": "c" * 43,
    "code_challenge_method": "S256",
    "response_mode": "form_post",
}
LOGIN_COOKIE = f"{LOGIN_COOKIE_NAME}=v; Path=/; Secure; HttpOnly; SameSite=None; Max-Age=600"

Handler = Callable[[httpx.Request], httpx.Response]


def deployed_stack(**overrides: Any) -> Handler:
    """A deployed stack that answers everything well, except what `overrides` replace."""

    def install() -> httpx.Response:
        location = f"{SOD_AUTHORIZE}?{urlencode(overrides.get('params', PARAMS))}"
        headers = [("Location", location), ("Cache-Control", "no-store")]
        headers += [("Set-Cookie", overrides.get("cookie", LOGIN_COOKIE))]
        headers += [("Strict-Transport-Security", PAGE_HEADERS["Strict-Transport-Security"])]
        return httpx.Response(303, headers=headers)

    answers: dict[str, Callable[[], httpx.Response]] = {
        "/_local/health": lambda: httpx.Response(404, json={"message": "Not Found"}),
        "/.well-known/jwks.json": lambda: httpx.Response(
            200, json={"keys": overrides.get("keys", [SESSION_KEY])}
        ),
        "/install": install,
        "/callback": lambda: httpx.Response(400, headers=overrides.get("page", PAGE_HEADERS)),
        "/panels/contact": lambda: httpx.Response(200, headers=overrides.get("page", PAGE_HEADERS)),
        "/login/.well-known/jwks": lambda: httpx.Response(200, json={"keys": [{"x5t": "abc"}]}),
    }

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.scheme == "http":
            if "plain" in overrides:
                return overrides["plain"]  # type: ignore[no-any-return]
            raise httpx.ConnectError("Connection refused", request=request)
        if request.method == "POST":
            return overrides.get("forged", httpx.Response(401, json={"message": "no"}))  # type: ignore[no-any-return]
        answer = answers.get(request.url.path)
        return answer() if answer else httpx.Response(404, json={"message": "Not Found"})

    return handle


def session(handler: Handler, environment: str | None = "sod") -> SmokeSession:
    client = httpx.Client(transport=httpx.MockTransport(handler))
    return SmokeSession(client=client, target=parse_target(APP), environment=environment)


def outcomes(results: list[CheckResult]) -> dict[str, Outcome]:
    return {result.name: result.outcome for result in results}


def test_a_healthy_deployed_stack_passes_every_check() -> None:
    smoke = session(deployed_stack())
    results = [
        *endpoints.check_health(smoke),
        *endpoints.check_session_jwks(smoke),
        *endpoints.check_install_redirect(smoke),
        *endpoints.check_forged_notification(smoke),
        *endpoints.check_forged_webhook(smoke),
        *endpoints.check_unknown_route(smoke),
        *pages.check_tls(smoke),
        *pages.check_security_headers(smoke),
    ]
    assert all(result.outcome is Outcome.PASS for result in results), [
        result.line() for result in results if result.outcome is not Outcome.PASS
    ]
    assert "deployed stack" in results[0].got


def test_the_forged_token_names_superid_s_key_and_is_not_signed_by_it() -> None:
    sent: list[bytes] = []
    handler = deployed_stack()

    def recording(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            sent.append(request.content)
        return handler(request)

    smoke = session(recording)
    endpoints.check_install_redirect(smoke)
    [result] = endpoints.check_forged_notification(smoke)
    assert "under SuperID's x5t" in result.expected
    token = json.loads(sent[0])["Token"]
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "RS256", "typ": "JWT", "x5t": "abc"}
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["iss"] == "https://sod.superoffice.com"


def test_a_jwks_with_a_private_member_fails() -> None:
    leaked = {**SESSION_KEY, "d": "secret"}
    [result] = endpoints.check_session_jwks(session(deployed_stack(keys=[leaked])))
    assert result.outcome is Outcome.FAIL
    assert "private members present: d" in result.got
    assert "secret" not in result.line()


def test_a_jwks_without_an_es256_key_fails() -> None:
    rsa_key = {"kty": "RSA", "n": "n", "e": "AQAB", "kid": "r", "use": "sig", "alg": "RS256"}
    [result] = endpoints.check_session_jwks(session(deployed_stack(keys=[rsa_key])))
    assert result.outcome is Outcome.FAIL


def test_the_wrong_environment_and_weak_parameters_fail_the_install() -> None:
    weak = {**PARAMS, "code_challenge_method": "plain", "response_mode": "query"}
    results = endpoints.check_install_redirect(
        session(deployed_stack(params=weak), environment="production")
    )
    assert outcomes(results) == {
        "install redirect": Outcome.FAIL,
        "install OIDC parameters": Outcome.FAIL,
        "login cookie": Outcome.PASS,
    }
    assert "https://online.superoffice.com" in results[0].expected
    assert "code_challenge_method 'plain'" in results[1].got
    assert "response_mode 'query'" in results[1].got


def test_an_inferred_environment_is_said() -> None:
    [redirect, *_] = endpoints.check_install_redirect(session(deployed_stack(), None))
    assert redirect.outcome is Outcome.PASS
    assert "environment sod, inferred from the Location host" in redirect.expected


def test_a_login_cookie_without_samesite_none_fails() -> None:
    cookie = f"{LOGIN_COOKIE_NAME}=v; Path=/; Secure; HttpOnly; SameSite=Lax"
    results = endpoints.check_install_redirect(session(deployed_stack(cookie=cookie)))
    assert outcomes(results)["login cookie"] is Outcome.FAIL
    assert "without SameSite=None" in results[2].got


@pytest.mark.parametrize("status", [200, 202, 500, 503])
def test_a_forged_delivery_not_refused_with_401_fails(status: int) -> None:
    smoke = session(deployed_stack(forged=httpx.Response(status, json={})))
    [notification] = endpoints.check_forged_notification(smoke)
    [webhook] = endpoints.check_forged_webhook(smoke)
    assert notification.outcome is Outcome.FAIL
    assert webhook.outcome is Outcome.FAIL


def test_missing_page_headers_are_named() -> None:
    bare = {"Content-Type": "text/html", "Cache-Control": "no-store"}
    results = outcomes(pages.check_security_headers(session(deployed_stack(page=bare))))
    assert results == {
        "pages": Outcome.PASS,
        "header Strict-Transport-Security": Outcome.FAIL,
        "header X-Content-Type-Options": Outcome.FAIL,
        "header X-Frame-Options or CSP frame-ancestors": Outcome.FAIL,
        "header Referrer-Policy": Outcome.FAIL,
        "header Cache-Control": Outcome.PASS,
    }


def test_plain_http_answered_without_a_redirect_fails() -> None:
    smoke = session(deployed_stack(plain=httpx.Response(200, text="hello")))
    results = outcomes(pages.check_tls(smoke))
    assert results == {"TLS certificate": Outcome.PASS, "plain http": Outcome.FAIL}


def test_plain_http_redirected_to_https_passes() -> None:
    moved = httpx.Response(301, headers={"Location": APP + "/install"})
    results = outcomes(pages.check_tls(session(deployed_stack(plain=moved))))
    assert results["plain http"] is Outcome.PASS


def test_the_copied_protocol_names_match_the_layer() -> None:
    """local/ cannot import the layer (not on its path); these copies must not drift."""
    assert target.AUTHORIZE_PATH == environments.AUTHORIZE_PATH
    assert target.NAMED_HOSTS == environments.NAMED_HOSTS
    assert endpoints.LOGIN_COOKIE == LOGIN_COOKIE_NAME
    assert forgery.SIGNATURE_HEADER.lower() == SIGNATURE_HEADER
