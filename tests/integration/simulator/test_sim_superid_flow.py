"""SuperID over HTTP: sign-in page, consent, code with PKCE, tokens, id_token, errors."""

from __future__ import annotations

from urllib.parse import urlencode

import httpx
import pytest
from sim_driver import CLAIM, REDIRECT_URI, SuperIdDriver, delivered, parse_form

from local.app_credentials import AppCredentials
from local.id_tokens import tenant_serial
from local.simulator import RunningSimulator

pytestmark = pytest.mark.integration

AUTHORIZE = "/login/common/oauth/authorize"
TOKENS = "/login/common/oauth/tokens"


def test_the_sign_in_page_is_accessible_plain_html(
    client: httpx.Client, superid: SuperIdDriver
) -> None:
    parameters, _ = superid.authorize_parameters()
    page = client.get(AUTHORIZE, params=parameters)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    assert '<html lang="en">' in page.text
    assert 'name="viewport"' in page.text
    form = parse_form(page.text)
    assert form.headings == ["Sign in to SuperOffice"]
    assert form.action == AUTHORIZE
    assert form.hidden == parameters
    assert [value for value, _ in form.radios["tenant"]] == ["Cust10001", "Cust10002", "Cust10003"]
    assert not any(checked for _, checked in form.radios["tenant"])
    assert [value for value, _ in form.radios["user"]] == ["1", "2"]
    assert form.labels == 5  # every radio button has its label
    assert form.buttons == [("decision", "allow"), ("decision", "deny")]


def test_acr_values_preselect_the_tenant(client: httpx.Client, superid: SuperIdDriver) -> None:
    parameters, _ = superid.authorize_parameters(acr_values="tenant:Cust10002")
    form = parse_form(client.get(AUTHORIZE, params=parameters).text)
    assert [value for value, checked in form.radios["tenant"] if checked] == ["Cust10002"]


def test_admin_install_end_to_end(superid: SuperIdDriver, app_credentials: AppCredentials) -> None:
    tokens, claims = superid.install("Cust10001", user=1)
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 3600
    assert tokens["access_token"].startswith("8A:Cust10001.")
    assert tokens["refresh_token"]
    assert claims["aud"] == app_credentials.client_id
    assert isinstance(claims["iat"], str)
    assert claims["iat"].isdigit()
    assert claims["exp"] - int(claims["iat"]) == 300
    assert claims[CLAIM + "ctx"] == "Cust10001"
    assert claims[CLAIM + "is_administrator"] == "True"
    assert claims[CLAIM + "associateid"] == "1"
    assert claims[CLAIM + "company_name"] == "Nordlys Consulting AS"
    assert claims[CLAIM + "system_token"].startswith("LocalApp-")
    for name in ("serial", "email", "upn", "webapi_url", "netserver_url", "initials"):
        assert isinstance(claims[CLAIM + name], str)


def test_a_plain_user_gets_the_system_token_only_once_an_admin_approved(
    superid: SuperIdDriver,
) -> None:
    _, before = superid.install("Cust10002", user=2)
    assert before[CLAIM + "is_administrator"] == "False"
    assert CLAIM + "system_token" not in before
    _, admin = superid.install("Cust10002", user=1)
    _, after = superid.install("Cust10002", user=2)
    assert after[CLAIM + "system_token"] == admin[CLAIM + "system_token"]


def test_tenant_path_skips_the_picker(client: httpx.Client, superid: SuperIdDriver) -> None:
    parameters, _ = superid.authorize_parameters()
    page = client.get("/login/Cust10003/oauth/authorize", params=parameters)
    form = parse_form(page.text)
    assert form.action == "/login/Cust10003/oauth/authorize"
    assert form.radios["tenant"] == [("Cust10003", True)]
    sign_in = superid.sign_in("Cust10003", 1, path="/login/Cust10003/oauth/authorize")
    claims = superid.verify_id_token(superid.exchange(sign_in).json()["id_token"])
    assert claims[CLAIM + "ctx"] == "Cust10003"
    assert claims[CLAIM + "company_name"] == "Nordlys Consulting AS"
    assert claims[CLAIM + "serial"] == tenant_serial("Cust10003") != tenant_serial("Cust10001")
    unknown = client.get("/login/Cust99999/oauth/authorize", params=parameters)
    assert unknown.status_code == 400
    assert "location" not in unknown.headers


def test_form_post_mode_renders_an_auto_submitting_form(
    client: httpx.Client, superid: SuperIdDriver
) -> None:
    parameters, verifier = superid.authorize_parameters(response_mode="form_post")
    page = client.get(AUTHORIZE, params=parameters)
    answer = superid.submit(page, tenant="Cust10001", user="1")
    assert answer.status_code == 200
    assert "document.forms[0].submit()" in answer.text
    assert "<noscript>" in answer.text
    fields = delivered(answer, REDIRECT_URI)
    assert set(fields) == {"code", "state"}
    assert fields["state"] == parameters["state"]
    tokens = client.post(
        TOKENS,
        data={
            "grant_type": "authorization_code",
            "client_id": superid.credentials.client_id,
            "client_secret": superid.credentials.client_secret,
            "code": fields["code"],
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        },
    )
    assert tokens.status_code == 200


def test_deny_returns_access_denied(superid: SuperIdDriver) -> None:
    sign_in = superid.sign_in("Cust10001", 1, decision="deny")
    assert sign_in.delivered["error"] == "access_denied"
    assert sign_in.delivered["error_description"]
    assert sign_in.delivered["state"] == sign_in.state
    assert "code" not in sign_in.delivered


@pytest.mark.parametrize(
    "overrides",
    [
        {"redirect_uri": "https://evil.example.com/callback"},
        {"redirect_uri": ""},
        {"client_id": "someone-else"},
    ],
)
def test_wrong_client_or_redirect_uri_shows_an_error_page_and_never_redirects(
    client: httpx.Client, superid: SuperIdDriver, overrides: dict[str, str]
) -> None:
    # Everything else is wrong too: client and redirect URI are checked first.
    parameters, _ = superid.authorize_parameters(response_type="token", **overrides)
    for answer in (
        client.get(AUTHORIZE, params=parameters),
        client.post(AUTHORIZE, data={**parameters, "tenant": "Cust10001", "user": "1"}),
    ):
        assert answer.status_code == 400
        assert "location" not in answer.headers
        assert answer.headers["content-type"].startswith("text/html")
        assert "evil.example.com" not in answer.text
        assert parse_form(answer.text).headings == ["Sign-in failed"]


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": ""}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "profile"}, "invalid_scope"),
        ({"response_mode": "fragment"}, "invalid_request"),
    ],
)
def test_other_errors_go_back_to_the_app(
    client: httpx.Client, superid: SuperIdDriver, overrides: dict[str, str], error: str
) -> None:
    parameters, _ = superid.authorize_parameters(**overrides)
    answer = client.get(AUTHORIZE, params=parameters)
    assert answer.status_code == 302
    assert delivered(answer, REDIRECT_URI)["error"] == error


def test_codes_are_single_use(superid: SuperIdDriver) -> None:
    sign_in = superid.sign_in("Cust10001", 1)
    assert superid.exchange(sign_in).status_code == 200
    again = superid.exchange(sign_in)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"client_secret": "wrong"}, "invalid_client"),
        ({"code_verifier": "x" * 50}, "invalid_grant"),
        ({"redirect_uri": "http://127.0.0.1:3000/other"}, "invalid_grant"),
        ({"code": "made-up"}, "invalid_grant"),
        ({"code_verifier": ""}, "invalid_request"),
        ({"grant_type": "password"}, "unsupported_grant_type"),
    ],
)
def test_token_errors(superid: SuperIdDriver, overrides: dict[str, str], error: str) -> None:
    answer = superid.exchange(superid.sign_in("Cust10001", 1), **overrides)
    assert answer.status_code == 400
    assert answer.json()["error"] == error
    assert answer.headers["cache-control"] == "no-store"


def test_refresh_gives_new_tokens_without_a_new_refresh_token(
    client: httpx.Client, superid: SuperIdDriver
) -> None:
    tokens, _ = superid.install("Cust10001")
    answer = client.post(
        TOKENS,
        data={
            "grant_type": "refresh_token",
            "client_id": superid.credentials.client_id,
            "client_secret": superid.credentials.client_secret,
            "refresh_token": tokens["refresh_token"],
        },
    )
    assert answer.status_code == 200
    refreshed = answer.json()
    assert "refresh_token" not in refreshed
    assert refreshed["access_token"] != tokens["access_token"]
    claims = superid.verify_id_token(refreshed["id_token"])
    assert "nonce" not in claims
    assert claims[CLAIM + "system_token"]


def test_the_access_token_reads_the_current_principal(
    client: httpx.Client, superid: SuperIdDriver
) -> None:
    tokens, _ = superid.install("Cust10002", user=2)
    principal = client.get(
        "/sod3/Cust10002/api/v1/User/currentPrincipal",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert principal.status_code == 200
    assert principal.json()["AssociateId"] == 2
    assert principal.json()["FunctionRights"] == []  # a plain user: no admin rights
    elsewhere = client.get(
        "/sod2/Cust10001/api/v1/User/currentPrincipal",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert elsewhere.status_code == 401


def test_malformed_forms_get_json_400(client: httpx.Client, simulator: RunningSimulator) -> None:
    for answer in (
        client.post(
            TOKENS, content=b"a=1&&b", headers={"Content-Type": "application/x-www-form-urlencoded"}
        ),
        client.post(TOKENS, json={"grant_type": "authorization_code"}),
        client.post(
            AUTHORIZE,
            content=b"\xff=\xfe",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ),
        client.post(
            AUTHORIZE,
            content=b"x=%FF",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ),
        client.get(AUTHORIZE + "?" + urlencode([("state", "a"), ("state", "b")])),
    ):
        assert answer.status_code == 400
        assert answer.headers["content-type"].startswith("application/json")
        assert "Traceback" not in answer.text
