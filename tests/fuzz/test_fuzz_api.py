"""Fuzzing every route of a running local stack: no 5xx, no traceback, no secret, ever.

Two fuzzers against one stack (`fuzz_target`: Cust10001 installed, its administrator's
session, CSRF token, bearer id_token and webhook secret at hand):

- schemathesis, from the committed `docs/openapi.json`: every operation in positive and
  negative mode (bodies, query strings, headers, cookies and path parameters that break
  the description), and for the routes behind the authorizer also with the valid
  session or bearer, so the handlers run and not only the authorizer; some forms get the
  valid CSRF token, some notifications a validly signed token, some webhooks a valid
  signature, some callbacks the pending sign-in's cookie and state.
- hypothesis on raw HTTP requests, sent byte for byte: any bytes as bodies, other
  encodings, duplicated JSON keys, wrong content types, huge and deeply nested bodies,
  hostile cookies and headers, `%00`, encoded `../` and other non-identifiers as tenants,
  unknown methods and paths.

Both are derandomized (the same examples on every run) and bounded (see `fuzz_run`).
What they found is kept as plain regression tests in `test_fuzz_findings.py`.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote

import pytest
import requests
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from local.openapi import OPENAPI_PATH
from tests.fuzz.fuzz_answers import Answer, describe, send_raw
from tests.fuzz.fuzz_run import FuzzRun, budget
from tests.fuzz.fuzz_target import LOGIN_COOKIE, SESSION_COOKIE, FuzzTarget

pytestmark = pytest.mark.fuzz

DESCRIPTION: Final = json.loads(OPENAPI_PATH.read_text("utf-8"))
ROUTES: Final = sorted(
    f"{method.upper()} {path}"
    for path, methods in DESCRIPTION["paths"].items()
    for method in methods
)
# About a request a second on an idle machine (each invocation is a fresh process), two
# under `make test`. The example counts make the runs reproducible; the seconds are the
# cap on a slow machine, past which the remaining examples send nothing.
SCHEMA_EXAMPLES, SCHEMA_SECONDS = budget(40, 60)
RAW_EXAMPLES, RAW_SECONDS = budget(50, 40)
REQUEST_TIMEOUT_SECONDS: Final = 60
FUZZ_SETTINGS: Final = {
    "derandomize": True,
    "database": None,
    "deadline": None,
    # No shrinking: every wrong answer is recorded and the run goes on.
    "phases": [Phase.generate],
    "suppress_health_check": list(HealthCheck),
}


def signature(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


# -- schemathesis ----------------------------------------------------------------------


@functools.cache
def operations() -> dict[str, Any]:
    """The description's operations by label (`GET /install`), as schemathesis reads them.

    Imported here, not at the top: schemathesis takes seconds to import, and every pytest
    worker imports this module to collect it.
    """
    import schemathesis

    schema = schemathesis.openapi.from_dict(DESCRIPTION)
    return {result.ok().label: result.ok() for result in schema.get_all_operations()}


Tweak = Callable[[Any, FuzzTarget], None]


@dataclass(frozen=True)
class Variant:
    """Cases of one operation, and what to make valid in some of them (else None)."""

    label: str
    strategy: Any
    tweak: Tweak | None = None


def _valid_csrf(case: Any, target: FuzzTarget) -> None:
    if isinstance(case.body, dict):
        case.body["csrf_token"] = target.csrf


def _valid_notification_token(case: Any, target: FuzzTarget) -> None:
    if isinstance(case.body, dict):
        ctx = case.body.get("ContextIdentifier")
        case.body["Token"] = target.notification_token(ctx if isinstance(ctx, str) else target.ctx)


def _pending_sign_in(case: Any, target: FuzzTarget) -> None:
    case.cookies = {**(case.cookies or {}), LOGIN_COOKIE: target.login_cookie}
    if case.method.upper() == "GET":
        case.query = {**(case.query or {}), "state": target.login_state}
    elif isinstance(case.body, dict):
        case.body["state"] = target.login_state


def variants(target: FuzzTarget) -> list[Variant]:
    from schemathesis import GenerationMode

    found: list[Variant] = []
    for label, operation in sorted(operations().items()):
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            found.append(Variant(label, operation.as_strategy(generation_mode=mode)))
        authorized = _authorized(label, target)
        if authorized is not None:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                strategy = operation.as_strategy(
                    generation_mode=mode, path_parameters={"ctx": target.ctx}, **authorized
                )
                # Never a valid CSRF token for the uninstall: the tenant must stay installed.
                tweak = _valid_csrf if label == "POST /tenants/{ctx}/sync" else None
                found.append(Variant(label, strategy, tweak))
        if label == "POST /notifications/tenant-state":
            strategy = operation.as_strategy(generation_mode=GenerationMode.POSITIVE)
            found.append(Variant(label, strategy, _valid_notification_token))
        if label == "POST /webhooks/crm/{ctx}":
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                strategy = operation.as_strategy(
                    generation_mode=mode, path_parameters={"ctx": target.ctx}
                )
                found.append(Variant(label, strategy, None))  # signed in `_send_case`
        if label.endswith(" /callback"):
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                strategy = operation.as_strategy(generation_mode=mode)
                found.append(Variant(label, strategy, _pending_sign_in))
    return found


def _authorized(label: str, target: FuzzTarget) -> dict[str, Any] | None:
    security = operations()[label].definition.raw.get("security") or []
    schemes = {name for requirement in security for name in requirement}
    if "sessionCookie" in schemes:
        return {"cookies": {SESSION_COOKIE: target.session}}
    if "bearerToken" in schemes:
        return {"headers": {"Authorization": f"Bearer {target.bearer}"}}
    return None


def _send_case(case: Any, target: FuzzTarget, session: requests.Session, *, sign: bool) -> Answer:
    kwargs = case.as_transport_kwargs(base_url=target.app_url)
    if "json" in kwargs:
        # Serialized here so a signature can cover exactly the bytes sent.
        kwargs["data"] = json.dumps(kwargs.pop("json")).encode("utf-8")
    if sign:
        data = kwargs.get("data") or b""
        raw = data if isinstance(data, bytes) else str(data).encode("utf-8")
        kwargs["data"] = raw
        kwargs["headers"]["X-SuperOffice-Signature"] = signature(target.webhook_secret, raw)
    response = session.request(**kwargs, timeout=REQUEST_TIMEOUT_SECONDS, allow_redirects=False)
    # requests joins repeated headers (Set-Cookie) with ", ": good enough for the checks.
    return Answer(response.status_code, tuple(response.headers.items()), response.content)


def test_schemathesis_finds_no_5xx_traceback_or_secret(fuzz_target: FuzzTarget) -> None:
    run = FuzzRun("schemathesis", fuzz_target.secrets, SCHEMA_SECONDS)
    choices = variants(fuzz_target)
    drawn = st.one_of(
        [
            st.tuples(st.just(number), variant.strategy, st.booleans())
            for number, variant in enumerate(choices)
        ]
    )

    with requests.Session() as session:

        @settings(max_examples=SCHEMA_EXAMPLES, **FUZZ_SETTINGS)
        @given(drawn=drawn)
        def attack(drawn: tuple[int, Any, bool]) -> None:
            if run.over_budget():
                return
            number, case, make_valid = drawn
            variant = choices[number]
            if make_valid and variant.tweak is not None:
                variant.tweak(case, fuzz_target)
            sign = make_valid and variant.label == "POST /webhooks/crm/{ctx}"
            run.send(
                variant.label,
                lambda: case.as_curl_command(headers=None),
                lambda: _send_case(case, fuzz_target, session, sign=sign),
            )

        attack()
    run.fail_on_findings()


# -- raw requests ----------------------------------------------------------------------

BODY_ROUTES: Final = [route for route in ROUTES if route.startswith("POST ")]
METHODS: Final = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD")
EXOTIC_METHODS: Final = ("TRACE", "PROPFIND", "FOO", "get", "M-SEARCH")
HOSTILE_CTX: Final = (
    "cust10001",
    "%00",
    "Cust10001%00",
    "..%2F..%2Fetc%2Fpasswd",
    "%2E%2E%2F",
    "%252e%252e%252f",
    "Cust10001%2F..",
    "%C0%AF",
    "%FF%FE",
    "Cust%E2%80%8B10001",
    "Cust１０００１",
    "Cust99999999999999999",
    "Cust10001%0D%0ASet-Cookie:%20x=1",
    "%7B%7D",
    "Cust10001;x",
)
EXTRA_PATHS: Final = (
    "/",
    "/tenants",
    "/tenants/",
    "/webhooks/crm/",
    "/webhooks/crm/Cust10001/extra",
    "/install/..%2Ftenants%2FCust10001",
    "/%00",
    "/tenants/Cust10001/%2e%2e/uninstall",
    "//install",
    "/_local/health/../../install",
)
CONTENT_TYPES: Final = (
    None,
    "application/json",
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=latin-1",
    "application/json; charset=utf-16",
    "text/plain; charset=iso-8859-1",
    "multipart/form-data; boundary=xyz",
    "application/octet-stream",
    "text/html",
    "application/json\x00",
)
ENCODINGS: Final = ("utf-16", "utf-16-le", "latin-1", "cp1252", "utf-32", "shift_jis", "utf-8-sig")


@st.composite
def hostile_ctx(draw: st.DrawFn) -> str:
    return draw(
        st.one_of(
            st.sampled_from(HOSTILE_CTX),
            st.binary(min_size=1, max_size=16).map(lambda raw: quote(raw, safe="")),
            st.text(min_size=1, max_size=16).map(lambda text: quote(text, safe="")),
            st.just("Cust10001"),
        )
    )


@st.composite
def raw_json_bodies(draw: st.DrawFn, target: FuzzTarget) -> bytes:
    """JSON that a lenient parser would take: duplicated keys, odd numbers, deep nesting."""
    token = target.notification_token(target.ctx)
    return draw(
        st.sampled_from(
            [
                b'{"ChangeType": 2, "ContextIdentifier": "Cust10001", "Token": "%s", '
                b'"ChangeType": 3}' % token.encode(),
                b'{"ChangeType": 2, "ContextIdentifier": "Cust10002", "Token": "%s", '
                b'"ContextIdentifier": "Cust10001"}' % token.encode(),
                b'{"ChangeType": NaN, "ContextIdentifier": "Cust10001", "Token": "%s"}'
                % token.encode(),
                b'{"ChangeType": 1e999, "ContextIdentifier": "Cust10001", "Token": "x"}',
                b'{"EventId": "a", "EventId": "b", "Event": "contact.changed", '
                b'"ContextIdentifier": "Cust10001", "PrimaryKey": 1, "Entity": "contact"}',
                b'{"EventId": "e1", "Event": "contact.changed", "ContextIdentifier": "Cust10001",'
                b' "PrimaryKey": 99999999999999999999999, "Entity": "contact"}',
                b"[" * 5000 + b"]" * 5000,
                b'{"a":' * 3000 + b"1" + b"}" * 3000,
                b'"' + b"\\ud800" * 10 + b'"',
                b"\xef\xbb\xbf{}",
                b"null",
                b"",
            ]
        )
    )


@st.composite
def raw_form_bodies(draw: st.DrawFn, target: FuzzTarget, *, valid_csrf: bool) -> bytes:
    # Never the valid CSRF token for the uninstall: the tenant must stay installed.
    csrf = draw(
        st.sampled_from(
            [
                target.csrf.encode() if valid_csrf else b"0" * 64,
                "é".encode(),
                b"%FF%FE",
                b"\xff\xfe",
                quote("ĉsrf").encode(),
                b"x" * 20000,
                b"",
            ]
        )
    )
    rest = draw(
        st.sampled_from([b"", b"&action=pause", b"&action=resume", b"&action=%00", b"&&=&"])
    )
    login = draw(st.sampled_from([b"", f"&state={target.login_state}&code=%FF".encode()]))
    return b"csrf_token=" + csrf + rest + login


@st.composite
def raw_bodies(draw: st.DrawFn, target: FuzzTarget, *, valid_csrf: bool) -> bytes:
    return draw(
        st.one_of(
            st.binary(max_size=512),
            st.tuples(st.text(max_size=120), st.sampled_from(ENCODINGS)).map(
                lambda pair: pair[0].encode(pair[1], errors="replace")
            ),
            raw_json_bodies(target),
            raw_form_bodies(target, valid_csrf=valid_csrf),
            st.sampled_from([b"a" * 300_000, b"%" * 50_000, b"\x00" * 1000]),
        )
    )


@st.composite
def raw_cookies(draw: st.DrawFn, target: FuzzTarget) -> bytes | None:
    pairs = draw(
        st.lists(
            st.sampled_from(
                [
                    (SESSION_COOKIE, target.session),
                    (SESSION_COOKIE, "garbage"),
                    (SESSION_COOKIE, "é"),
                    (SESSION_COOKIE, ""),
                    (LOGIN_COOKIE, target.login_cookie),
                    (LOGIN_COOKIE, "x" * 5000),
                    ("__Host-so_sessio", target.session),
                    ("a", '"unterminated'),
                ]
            ),
            max_size=3,
        )
    )
    if not pairs:
        return draw(st.sampled_from([None, b"\xff\xfe=\x00", b";;;", b"=" * 100]))
    return "; ".join(f"{name}={value}" for name, value in pairs).encode("utf-8")


@st.composite
def raw_requests(draw: st.DrawFn, target: FuzzTarget) -> tuple[str, str, str, list[Any], bytes]:
    """One hostile request. Half are "deep": the installed tenant in the path and valid
    credentials (session, bearer, webhook signature, pending sign-in), so the hostile
    parts (body, query, headers) reach the handlers and not only the gateway's checks."""
    deep = draw(st.booleans())
    # The routes that read a body as often as all the others together.
    route = draw(st.sampled_from(BODY_ROUTES) | st.sampled_from(ROUTES))
    method, template = route.split(" ", 1)
    path = template.replace("{ctx}", target.ctx if deep else draw(hostile_ctx()))
    if not deep and draw(st.integers(0, 4)) == 0:
        path, route = draw(st.sampled_from(EXTRA_PATHS)), "other paths"
    if not deep and draw(st.integers(0, 3)) == 0:
        method = draw(st.sampled_from(METHODS + EXOTIC_METHODS))
        route = f"{method} {template}" if route != "other paths" else route
    query = draw(
        st.one_of(
            st.just(""),
            st.binary(max_size=40).map(lambda raw: "?" + quote(raw, safe="=&")),
            st.just("?ctx=Cust10001&format=json"),
            hostile_ctx().map(lambda ctx: f"?ctx={ctx}&contact_id={ctx}&format={ctx}"),
            st.just(f"?state={target.login_state}&code=%FF%FE&error="),
        )
    )
    valid_csrf = template != "/tenants/{ctx}/uninstall"
    body = draw(raw_bodies(target, valid_csrf=valid_csrf)) if draw(st.integers(0, 5)) else b""
    headers: list[Any] = []
    content_type = draw(st.sampled_from(CONTENT_TYPES))
    if content_type is not None:
        headers.append(("Content-Type", content_type))
    if deep:
        cookie: bytes | None = (
            f"{SESSION_COOKIE}={target.session}; {LOGIN_COOKIE}={target.login_cookie}".encode()
        )
        authorization: str | None = f"Bearer {target.bearer}"
        signed: str | None = "valid"
    else:
        cookie = draw(raw_cookies(target))
        authorization = draw(
            st.sampled_from(
                [None, f"Bearer {target.bearer}", "Bearer ", "Basic Zm9vOmJhcg==", "Bearer \xe9"]
            )
        )
        signed = draw(st.sampled_from([None, "valid", "garbage", "\xe9\xff"]))
    if cookie is not None:
        headers.append(("Cookie", cookie))
    if authorization is not None:
        headers.append(("Authorization", authorization.encode("utf-8")))
    if signed == "valid":
        headers.append(("X-SuperOffice-Signature", signature(target.webhook_secret, body)))
    elif signed is not None:
        headers.append(("X-SuperOffice-Signature", signed.encode("latin-1")))
    extra = draw(
        st.sampled_from(
            [
                None,
                ("Accept", "application/json"),
                ("Accept", "\x00\xff"),
                ("X-Forwarded-For", "127.0.0.1, evil"),
                ("Host", "evil.example"),
                ("Content-Encoding", "gzip"),
                ("X-Very-Long", "v" * 8000),
            ]
        )
    )
    if extra is not None:
        headers.append(extra)
    return route, method, path + query, headers, body


def test_hostile_raw_requests_get_no_5xx_traceback_or_secret(fuzz_target: FuzzTarget) -> None:
    run = FuzzRun("raw-requests", fuzz_target.secrets, RAW_SECONDS)

    @settings(max_examples=RAW_EXAMPLES, **FUZZ_SETTINGS)
    @given(drawn=raw_requests(fuzz_target))
    def attack(drawn: tuple[str, str, str, list[Any], bytes]) -> None:
        if run.over_budget():
            return
        route, method, target, headers, body = drawn
        run.send(
            route,
            lambda: describe(method, target, headers, body, fuzz_target.secrets),
            lambda: send_raw(fuzz_target.app_url, method, target, headers=headers, body=body),
        )

    attack()
    run.fail_on_findings()
