"""Hostile requests to RedirectCallbackFunction's routes over real HTTP: 4xx, never 5xx.

Issue 11's findings, probed from outside as before, through the local gateway, the
authorizer and the function on DynamoDB Local, moto and the simulator: bodies that are
not UTF-8 on the three form routes and a non-ASCII `csrf_token` were 500s; an unknown
method got the standard library's 501 HTML page. A bounded run of random requests
checks the rest: whatever the bytes, no 5xx and no traceback.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from superoffice_app.store import DynamoTable
from superoffice_app.tokens import SessionKeyRing
from tests.conftest import load_function_module
from tests.integration.onboarding.http_api import (
    AUTHORIZER,
    REDIRECT,
    HttpApi,
    seed_active_tenant,
    session_cookie,
)
from tests.integration.onboarding.onboarding_browser import forms_of

pytestmark = pytest.mark.integration

CTX = "Cust10001"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def served(
    http_api: HttpApi,
    http_api_settings: dict[str, str],
    tenants_table: DynamoTable,
    kms_key_id: str,
) -> HttpApi:
    seed_active_tenant(tenants_table, kms_key_id)
    http_api.functions[AUTHORIZER] = load_function_module("token_validation")
    http_api.functions[REDIRECT] = load_function_module("redirect_callback")
    return http_api


@pytest.fixture
def client(served: HttpApi) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.base_url, timeout=30) as opened:
        yield opened


@pytest.fixture
def cookie(served: HttpApi, session_ring: SessionKeyRing) -> str:
    return session_cookie(session_ring, served.base_url)[1]


def assert_client_error(answer: httpx.Response, status: int, text: str) -> None:
    assert answer.status_code == status, answer.text[:300]
    assert text in answer.text
    assert "Traceback" not in answer.text


@pytest.mark.parametrize("path", ["/callback", f"/tenants/{CTX}/sync", f"/tenants/{CTX}/uninstall"])
def test_a_form_post_that_is_not_utf8_is_400(client: httpx.Client, cookie: str, path: str) -> None:
    answer = client.post(
        path, content=b"csrf_token=\xff\xfe&action=\x80", headers={**FORM, "Cookie": cookie}
    )
    assert_client_error(answer, 400, "The form is not UTF-8 text.")


@pytest.mark.parametrize("path", [f"/tenants/{CTX}/sync", f"/tenants/{CTX}/uninstall"])
def test_a_csrf_token_that_is_not_ascii_is_refused_as_an_expired_form(
    client: httpx.Client, cookie: str, path: str
) -> None:
    answer = client.post(
        path,
        content="csrf_token=é&action=pause".encode(),
        headers={**FORM, "Cookie": cookie},
    )
    assert_client_error(answer, 403, "This form has expired")


def test_the_real_form_still_works(client: httpx.Client, cookie: str) -> None:
    page = client.get(f"/tenants/{CTX}", headers={"Cookie": cookie})
    assert page.status_code == 200, page.text[:300]
    (form,) = [f for f in forms_of(page.text) if f.action.endswith("/sync")]
    answer = client.post(form.action, data=form.fields, headers={"Cookie": cookie})
    assert answer.status_code == 303, answer.text[:300]


def test_a_tenant_encoded_in_the_path_is_checked_by_the_function_too(
    client: httpx.Client, cookie: str
) -> None:
    # API Gateway decodes the path parameter (Cust10001: the authorizer allows it), the
    # function reads the raw path: it must not take "Cust1000%31" for a tenant.
    answer = client.get("/tenants/Cust1000%31", headers={"Cookie": cookie})
    assert_client_error(answer, 400, "That address does not name a tenant")


@pytest.mark.parametrize("method", ["FOO", "PROPFIND", "DELETE", "PATCH"])
def test_an_unknown_method_is_404_json(client: httpx.Client, method: str) -> None:
    answer = client.request(method, f"/tenants/{CTX}")
    assert answer.status_code == 404
    assert answer.json() == {"message": "Not Found"}


def test_a_malformed_request_line_is_400_json(served: HttpApi) -> None:
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as connection:
        connection.sendall(b"GET /install HTTP/1.1 trailing-garbage\r\n\r\n")
        # Headers and body may come in separate segments; the server closes after them.
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert answer.endswith(b'{"message":"Bad Request"}')


# -- a bounded run of random requests ------------------------------------------------------

PATHS = [
    "/install",
    "/signin",
    "/uninstall",
    "/callback",
    "/.well-known/jwks.json",
    "/panels/contact",
    f"/tenants/{CTX}",
    f"/tenants/{CTX}/uninstall",
    f"/tenants/{CTX}/sync",
    f"/api/tenants/{CTX}",
]
# Any octet a header value can carry on the wire (no controls; outer blanks are trimmed).
header_text = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=60
).map(lambda text: text.strip(" \t"))


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,  # the same requests in every run: CI must be reproducible
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    method=st.sampled_from(["GET", "POST"]),
    path=st.sampled_from(PATHS),
    query=st.dictionaries(st.text(max_size=8), st.text(max_size=30), max_size=3),
    body=st.binary(max_size=300),
    content_type=st.sampled_from(
        ["application/x-www-form-urlencoded", "text/plain", "application/json", ""]
    ),
    extra_cookie=header_text,
    accept=header_text,
    with_session=st.booleans(),
)
def test_random_requests_get_no_5xx(
    client: httpx.Client,
    cookie: str,
    method: str,
    path: str,
    query: dict[str, str],
    body: bytes,
    content_type: str,
    extra_cookie: str,
    accept: str,
    with_session: bool,
) -> None:
    cookies = [extra_cookie] + ([cookie] if with_session else [])
    # Bytes, so that any octet goes out as sent (httpx would refuse non-ASCII text).
    headers = {
        "Cookie": "; ".join(cookies).strip(" \t").encode("latin-1"),
        "Accept": accept.encode("latin-1"),
    }
    if content_type:
        headers["Content-Type"] = content_type.encode("ascii")
    try:
        answer = client.request(
            method, path, params=query, content=body if method == "POST" else None, headers=headers
        )
    except httpx.LocalProtocolError:
        assume(False)  # a header the HTTP client itself will not send (h11's rules)
        raise
    assert answer.status_code < 500, (method, path, answer.status_code, answer.text[:300])
    assert "Traceback" not in answer.text
