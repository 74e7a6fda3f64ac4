"""SuperID: the authorize URL, PKCE, code exchange and refresh."""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from so_testkit import CLIENT_ID, CLIENT_SECRET, ENVIRONMENT, FakeServer, json_response

from superoffice_app.superoffice.http import SuperOfficeUnavailable, UnexpectedResponse
from superoffice_app.superoffice.oidc import (
    OidcError,
    TokenResponse,
    authorize_url,
    code_challenge_s256,
    exchange_code,
    new_authorization,
    refresh,
)
from superoffice_app.tokens import Secret

TOKEN_URL = ENVIRONMENT.token_url
REDIRECT = "https://app.example.com/callback"
CODE = "code-0123456789"
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
TOKENS = {
    "token_type": "Bearer",
    "access_token": "8A:Cust12345.access",
    "expires_in": 3600,
    "refresh_token": "refresh-1",
    "id_token": "eyJ.header.payload",
}


def test_rfc7636_appendix_b_vector() -> None:
    assert code_challenge_s256(VERIFIER) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


@pytest.mark.parametrize("verifier", ["short", "x" * 129, "a" * 42 + "!", "ä" * 50])
def test_bad_verifiers_are_refused(verifier: str) -> None:
    with pytest.raises(ValueError, match="RFC 7636"):
        code_challenge_s256(verifier)


def test_new_authorization_is_fresh_and_pkce_conformant() -> None:
    first, second = new_authorization(), new_authorization()
    assert 43 <= len(first.code_verifier) <= 128
    assert re.fullmatch(r"[A-Za-z0-9\-._~]+", first.code_verifier)
    digest = hashlib.sha256(first.code_verifier.encode()).digest()
    assert first.code_challenge == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert len({first.state, first.nonce, second.state, second.nonce}) == 4
    assert first.code_verifier != second.code_verifier
    assert len(first.state) >= 32
    assert first.code_verifier not in repr(first)


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


def test_authorize_url_parameters() -> None:
    url = authorize_url(
        ENVIRONMENT,
        client_id=CLIENT_ID,
        redirect_uri=REDIRECT,
        state="s1",
        nonce="n1",
        code_challenge="c1",
    )
    assert url.startswith("https://sod.superoffice.com/login/common/oauth/authorize?")
    assert query(url) == {
        "client_id": [CLIENT_ID],
        "redirect_uri": [REDIRECT],
        "response_type": ["code"],
        "scope": ["openid"],
        "state": ["s1"],
        "nonce": ["n1"],
        "code_challenge": ["c1"],
        "code_challenge_method": ["S256"],
        "response_mode": ["form_post"],
    }
    assert "%3A%2F%2F" in url  # the redirect URI is fully encoded


def test_authorize_url_with_tenant_and_query_mode() -> None:
    url = authorize_url(
        ENVIRONMENT,
        client_id=CLIENT_ID,
        redirect_uri=REDIRECT,
        state="s",
        nonce="n",
        code_challenge="c",
        ctx="Cust12345",
        response_mode="query",
    )
    params = query(url)
    assert params["acr_values"] == ["tenant:Cust12345"]
    assert params["response_mode"] == ["query"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"response_mode": "fragment"}, "response_mode"),
        ({"ctx": "Cust1&scope=evil"}, "context identifier"),
        ({"state": ""}, "state"),
    ],
)
def test_authorize_url_refuses_bad_input(changes: dict[str, str], message: str) -> None:
    arguments = {
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        "state": "s",
        "nonce": "n",
        "code_challenge": "c",
    }
    arguments.update(changes)
    with pytest.raises(ValueError, match=message):
        authorize_url(ENVIRONMENT, **arguments)  # type: ignore[arg-type]


def exchange(server: FakeServer, client_secret: Secret | str | None = None) -> TokenResponse:
    return exchange_code(
        server.client(),
        ENVIRONMENT,
        client_id=CLIENT_ID,
        client_secret=Secret(CLIENT_SECRET) if client_secret is None else client_secret,
        code=CODE,
        redirect_uri=REDIRECT,
        code_verifier=VERIFIER,
    )


def test_code_exchange_success() -> None:
    server = FakeServer()
    server.on("POST", TOKEN_URL, json_response(200, TOKENS))
    tokens = exchange(server)
    (request,) = server.requests
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.content.decode()) == {
        "grant_type": ["authorization_code"],
        "client_id": [CLIENT_ID],
        "client_secret": [CLIENT_SECRET],
        "code": [CODE],
        "redirect_uri": [REDIRECT],
        "code_verifier": [VERIFIER],
    }
    assert tokens.id_token == "eyJ.header.payload"
    assert tokens.access_token.reveal() == "8A:Cust12345.access"
    assert tokens.refresh_token.reveal() == "refresh-1"
    assert tokens.expires_in == 3600
    assert "8A:Cust12345" not in repr(tokens)
    assert "refresh-1" not in repr(tokens)


def test_client_secret_may_be_plain_text() -> None:
    server = FakeServer()
    server.on("POST", TOKEN_URL, json_response(200, TOKENS))
    exchange(server, client_secret=CLIENT_SECRET)
    assert parse_qs(server.requests[0].content.decode())["client_secret"] == [CLIENT_SECRET]


@pytest.mark.parametrize(
    ("status", "error"), [(400, "invalid_grant"), (400, "invalid_request"), (401, "invalid_client")]
)
def test_code_exchange_oauth_errors(status: int, error: str) -> None:
    server = FakeServer()
    server.on(
        "POST", TOKEN_URL, json_response(status, {"error": error, "error_description": "nope"})
    )
    with pytest.raises(OidcError) as caught:
        exchange(server)
    assert (caught.value.error, caught.value.description) == (error, "nope")
    assert str(caught.value) == f"SuperID refused the token request ({error}): nope"


def test_oauth_error_messages_never_echo_code_verifier_or_secret() -> None:
    server = FakeServer()
    description = f"code {CODE} with {VERIFIER} for {CLIENT_SECRET} is used"
    server.on(
        "POST",
        TOKEN_URL,
        json_response(400, {"error": "invalid_grant", "error_description": description}),
    )
    with pytest.raises(OidcError) as caught:
        exchange(server)
    for secret in (CODE, VERIFIER, CLIENT_SECRET):
        assert secret not in str(caught.value)


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(400, text="<html>Bad</html>"),
        json_response(400, {"error": "Not A Code <script>"}),
        json_response(200, {"error": "invalid_grant"}),
    ],
)
def test_malformed_error_answers(answer: httpx.Response) -> None:
    server = FakeServer()
    server.on("POST", TOKEN_URL, answer)
    with pytest.raises(OidcError) as caught:
        exchange(server)
    assert caught.value.error in {"invalid_response", "invalid_grant"}
    assert "<script>" not in str(caught.value)


@pytest.mark.parametrize(
    "body",
    [
        {**TOKENS, "id_token": None},
        {**TOKENS, "access_token": ""},
        {**TOKENS, "expires_in": "soon"},
        {**TOKENS, "expires_in": True},
        ["not", "an", "object"],
    ],
)
def test_malformed_token_answers(body: object) -> None:
    server = FakeServer()
    server.on("POST", TOKEN_URL, json_response(200, body))
    with pytest.raises(UnexpectedResponse):
        exchange(server)


def test_token_endpoint_unavailable() -> None:
    server = FakeServer()
    server.on("POST", TOKEN_URL, httpx.Response(502))
    with pytest.raises(SuperOfficeUnavailable):
        exchange(server)
    server.on("POST", TOKEN_URL, httpx.ConnectTimeout("slow"))
    with pytest.raises(SuperOfficeUnavailable):
        exchange(server)


def test_refresh_keeps_the_old_refresh_token_when_none_is_returned() -> None:
    server = FakeServer()
    answer = {k: v for k, v in TOKENS.items() if k != "refresh_token"}
    server.on("POST", TOKEN_URL, json_response(200, answer))
    tokens = refresh(
        server.client(),
        ENVIRONMENT,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        refresh_token=Secret("old-refresh"),
    )
    assert tokens.refresh_token is not None
    assert tokens.refresh_token.reveal() == "old-refresh"
    assert parse_qs(server.requests[0].content.decode()) == {
        "grant_type": ["refresh_token"],
        "client_id": [CLIENT_ID],
        "client_secret": [CLIENT_SECRET],
        "refresh_token": ["old-refresh"],
    }


def test_refresh_uses_a_new_refresh_token_and_allows_no_id_token() -> None:
    server = FakeServer()
    answer = {**TOKENS, "refresh_token": "new-refresh"}
    del answer["id_token"]
    server.on("POST", TOKEN_URL, json_response(200, answer))
    tokens = refresh(
        server.client(),
        ENVIRONMENT,
        client_id=CLIENT_ID,
        client_secret=Secret(CLIENT_SECRET),
        refresh_token="old-refresh",
    )
    assert tokens.refresh_token is not None
    assert tokens.refresh_token.reveal() == "new-refresh"
    assert tokens.id_token is None


def test_refresh_error_does_not_echo_the_refresh_token() -> None:
    server = FakeServer()
    server.on(
        "POST",
        TOKEN_URL,
        json_response(
            400, {"error": "invalid_grant", "error_description": "old-refresh is expired"}
        ),
    )
    with pytest.raises(OidcError) as caught:
        refresh(
            server.client(),
            ENVIRONMENT,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            refresh_token="old-refresh",
        )
    assert "old-refresh" not in str(caught.value)
