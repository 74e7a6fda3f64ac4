"""Checks of the stack's endpoints: health, session JWKS, install redirect, forged
deliveries, an unknown route. Each returns its results; `NoAnswer` propagates."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

import httpx

from local.smoke import forgery
from local.smoke.http import NoAnswer, describe, message_of, send
from local.smoke.report import CheckResult, judged
from local.smoke.session import SmokeSession
from local.smoke.target import environment_of, expected_authorize_url, is_authorize_url

LOCAL_HEALTH_PATH: Final = "/_local/health"  # local/runner/http_server.HEALTH_PATH
JWKS_PATH: Final = "/.well-known/jwks.json"
INSTALL_PATH: Final = "/install"
UNKNOWN_PATH: Final = "/_smoke/no-such-route"
LOGIN_COOKIE: Final = "__Host-so_login"  # superoffice_app.onboarding.login_cookie
PRIVATE_MEMBERS: Final = ("d", "p", "q", "dp", "dq", "qi", "k", "oth")
MIN_RANDOM_CHARS: Final = 16  # state and nonce: long enough not to be guessed
S256_CHALLENGE_CHARS: Final = 43  # base64url of a SHA-256 digest, unpadded
GATEWAY_NOT_FOUND: Final = {"message": "Not Found"}


def _json_body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        return None


def check_health(session: SmokeSession) -> list[CheckResult]:
    """The HTTP API answers and the function behind the routes works.

    A local stack answers `/_local/health` itself; API Gateway has no such route and
    answers 404, which shows the API is up. Either way the session JWKS must answer 200:
    that runs the onboarding function, with its settings and the key ring it reads from
    Secrets Manager, the deepest the stack can be reached without a tenant.
    """
    health = send(session.client, "GET", session.target.url(LOCAL_HEALTH_PATH))
    body = _json_body(health)
    if health.status_code == 200 and isinstance(body, dict) and body.get("status") == "ok":
        api = "local stack: /_local/health 200 status ok"
        api_ok = True
    elif health.status_code == 404:
        api = "deployed stack: the HTTP API answered 404 for /_local/health"
        api_ok = True
    else:
        api = f"/_local/health answered {describe(health)}"
        api_ok = False
    jwks = send(session.client, "GET", session.target.url(JWKS_PATH))
    return [
        judged(
            "health",
            api_ok and jwks.status_code == 200,
            "the HTTP API answering (/_local/health 200 on a local stack, API Gateway's 404 "
            f"on a deployed one) and {JWKS_PATH} 200",
            f"{api}; {JWKS_PATH} {describe(jwks)}",
        )
    ]


def _usable_session_key(key: Mapping[str, Any]) -> bool:
    return (
        key.get("kty") == "EC"
        and key.get("crv") == "P-256"
        and isinstance(key.get("kid"), str)
        and bool(key.get("kid"))
        and key.get("use") == "sig"
        and key.get("alg") == "ES256"
        and isinstance(key.get("x"), str)
        and isinstance(key.get("y"), str)
    )


def check_session_jwks(session: SmokeSession) -> list[CheckResult]:
    response = send(session.client, "GET", session.target.url(JWKS_PATH))
    expected = (
        "200 JSON with at least one EC P-256 key (kid, use=sig, alg=ES256) and no private members"
    )
    body = _json_body(response)
    keys = body.get("keys") if isinstance(body, dict) else None
    if response.status_code != 200 or not isinstance(keys, list):
        got = describe(response) + ("" if isinstance(keys, list) else ", no keys list")
        return [judged("session JWKS", False, expected, got)]
    entries = [key for key in keys if isinstance(key, dict)]
    usable = [key for key in entries if _usable_session_key(key)]
    exposed = sorted({member for key in entries for member in PRIVATE_MEMBERS if member in key})
    got = f"{describe(response)} with {len(keys)} key(s), {len(usable)} usable EC P-256"
    if exposed:
        got += f", private members present: {', '.join(exposed)}"
    return [judged("session JWKS", bool(usable) and not exposed, expected, got)]


def _query(location: str) -> tuple[dict[str, str], list[str]]:
    """The query's parameters, and the names of any given more than once."""
    values = parse_qs(urlsplit(location).query, keep_blank_values=True)
    return {name: items[0] for name, items in values.items()}, [
        name for name, items in values.items() if len(items) > 1
    ]


def _oidc_problems(params: Mapping[str, str], redirect_uri: str) -> list[str]:
    problems = []
    if not params.get("client_id"):
        problems.append("client_id missing")
    if params.get("redirect_uri") != redirect_uri:
        problems.append(f"redirect_uri {params.get('redirect_uri')!r}")
    if params.get("response_type") != "code":
        problems.append(f"response_type {params.get('response_type')!r}")
    if "openid" not in params.get("scope", "").split():
        problems.append(f"scope {params.get('scope')!r}")
    for name in ("state", "nonce"):
        if len(params.get(name, "")) < MIN_RANDOM_CHARS:
            problems.append(f"{name} missing or shorter than {MIN_RANDOM_CHARS} characters")
    if len(params.get("code_challenge", "")) != S256_CHALLENGE_CHARS:
        problems.append("code_challenge missing or not a SHA-256 digest")
    if params.get("code_challenge_method") != "S256":
        problems.append(f"code_challenge_method {params.get('code_challenge_method')!r}")
    if params.get("response_mode") != "form_post":
        problems.append(f"response_mode {params.get('response_mode')!r}")
    return problems


def _cookie_attributes(set_cookie: str) -> tuple[str, set[str]]:
    """The cookie's name and its attributes, lower-cased (`secure`, `samesite=none`...)."""
    first, *attributes = (part.strip() for part in set_cookie.split(";"))
    name = first.split("=", 1)[0]
    return name, {attribute.lower().replace(" ", "") for attribute in attributes}


def _login_cookie_check(response: httpx.Response) -> CheckResult:
    expected = f"Set-Cookie {LOGIN_COOKIE} with Secure, HttpOnly, SameSite=None, Path=/"
    cookies = dict(_cookie_attributes(value) for value in response.headers.get_list("set-cookie"))
    if LOGIN_COOKIE not in cookies:
        names = ", ".join(cookies) or "none"
        return judged("login cookie", False, expected, f"cookies set: {names}")
    attributes = cookies[LOGIN_COOKIE]
    wanted = {"secure": "Secure", "httponly": "HttpOnly", "samesite=none": "SameSite=None"}
    missing = [label for flag, label in wanted.items() if flag not in attributes]
    if "path=/" not in attributes:
        missing.append("Path=/")
    got = f"{LOGIN_COOKIE} " + (f"without {', '.join(missing)}" if missing else "with all four")
    return judged("login cookie", not missing, expected, got)


def check_install_redirect(session: SmokeSession) -> list[CheckResult]:
    """GET /install: 303 to the environment's SuperID, the OIDC parameters, the cookie."""
    response = send(session.client, "GET", session.target.url(INSTALL_PATH))
    location = response.headers.get("location", "")
    parts = urlsplit(location)
    environment = session.environment or environment_of(parts)
    where = f"{parts.scheme}://{parts.netloc}{parts.path}" if location else "no Location"
    got = f"{response.status_code} to {where}"
    if environment is None:
        expected = "303 to the SuperID authorize URL of sod, stage, production or local"
        redirect = judged(
            "install redirect",
            False,
            expected,
            got + " (an unknown SuperID host: give --environment)",
        )
    else:
        expected = f"303 to {expected_authorize_url(environment)}"
        if session.environment is None:
            expected += f" (environment {environment}, inferred from the Location host)"
        redirect = judged(
            "install redirect",
            response.status_code == 303 and is_authorize_url(parts, environment),
            expected,
            got,
        )
    if location:
        session.login_base = f"{parts.scheme}://{parts.netloc}"
    redirect_uri = session.target.url("/callback")
    params, repeated = _query(location)
    problems = _oidc_problems(params, redirect_uri) + [f"{name} repeated" for name in repeated]
    oidc = judged(
        "install OIDC parameters",
        bool(location) and not problems,
        f"client_id, redirect_uri={redirect_uri}, response_type=code, scope openid, state, "
        "nonce, code_challenge with S256, response_mode=form_post",
        "; ".join(problems)
        if problems
        else f"all of them (client_id={params['client_id']}, scope={params['scope']!r})",
    )
    return [redirect, oidc, _login_cookie_check(response)]


def _superid_x5t(session: SmokeSession) -> str | None:
    """The `x5t` of a key SuperID publishes, so the forgery names a key the app knows."""
    if session.login_base is None:
        return None
    try:
        answer = send(session.client, "GET", session.login_base + "/login/.well-known/jwks")
    except NoAnswer:
        return None
    body = _json_body(answer)
    keys = body.get("keys") if isinstance(body, dict) else None
    for key in keys if isinstance(keys, list) else []:
        if isinstance(key, dict) and isinstance(key.get("x5t"), str):
            return str(key["x5t"])
    return None


def _refused(response: httpx.Response) -> str:
    return describe(response) + message_of(response)


def check_forged_notification(session: SmokeSession) -> list[CheckResult]:
    x5t = _superid_x5t(session)
    issuer = session.login_base or session.target.base_url
    body = forgery.forged_notification(issuer, x5t or forgery.random_x5t())
    response = send(
        session.client,
        "POST",
        session.target.url(forgery.NOTIFICATION_PATH),
        content=body,
        headers={"Content-Type": "application/json"},
    )
    signed = "under SuperID's x5t" if x5t else "under an unknown x5t"
    return [
        judged(
            "forged notification",
            response.status_code == 401,
            f"401 for POST {forgery.NOTIFICATION_PATH} with a token signed by a stranger's "
            f"key {signed}",
            _refused(response),
        )
    ]


def check_forged_webhook(session: SmokeSession) -> list[CheckResult]:
    body, headers = forgery.forged_webhook()
    response = send(
        session.client,
        "POST",
        session.target.url(forgery.WEBHOOK_PATH),
        content=body,
        headers=headers,
    )
    return [
        judged(
            "forged webhook",
            response.status_code == 401,
            f"401 for POST {forgery.WEBHOOK_PATH} signed with a made-up secret",
            _refused(response),
        )
    ]


def check_unknown_route(session: SmokeSession) -> list[CheckResult]:
    response = send(session.client, "GET", session.target.url(UNKNOWN_PATH))
    body = _json_body(response)
    media_type = response.headers.get("content-type", "").split(";", 1)[0].strip()
    got = describe(response) + (f" {json.dumps(body)}" if body is not None else "")
    return [
        judged(
            "unknown route",
            response.status_code == 404
            and media_type == "application/json"
            and body == GATEWAY_NOT_FOUND,
            f'404 application/json {{"message": "Not Found"}} for GET {UNKNOWN_PATH}, '
            "as API Gateway answers",
            got[:160],
        )
    ]
