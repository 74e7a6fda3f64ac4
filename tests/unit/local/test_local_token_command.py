"""`python -m local token`: an id_token exactly as SuperID issues them, or an authorizer event."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import jwt
import pytest

from local import defaults
from local.cli import main
from local.id_tokens import (
    CLAIM_PREFIX,
    LocalUser,
    claim,
    id_token_claims,
    new_system_token,
    tenant_serial,
)
from local.superid_keys import SigningKey, load_or_create_signing_key


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("state")


@pytest.fixture
def key(state_dir: Path, monkeypatch: pytest.MonkeyPatch) -> SigningKey:
    monkeypatch.setenv("LOCAL_STATE_DIR", str(state_dir))
    monkeypatch.delenv("SUPEROFFICE_LOCAL_BASE_URL", raising=False)
    return load_or_create_signing_key(state_dir)


def run_token(capsys: pytest.CaptureFixture[str], *arguments: str) -> str:
    assert main(["token", *arguments]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    return captured.out


def verify(token: str, key: SigningKey, audience: str = defaults.LOCAL_CLIENT_ID) -> Any:
    public_key = jwt.PyJWK(key.public_jwk).key
    # PyJWT accepts the digit-string iat as it is (it converts it with int()).
    return jwt.decode(
        token,
        public_key,
        algorithms=["RS256"],
        audience=audience,
        issuer="http://127.0.0.1:3001",
        options={"require": ["exp", "nbf", "iat", "iss", "aud", "sub"]},
    )


def test_token_is_signed_like_superid(capsys: pytest.CaptureFixture[str], key: SigningKey) -> None:
    output = run_token(capsys, "--ctx", "Cust10001")
    assert output.endswith("\n")
    assert output.count("\n") == 1
    token = output.strip()
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "RS256", "typ": "JWT", "x5t": key.x5t}
    claims = verify(token, key)
    assert isinstance(claims["iat"], str)
    assert claims["iat"].isdigit()
    assert isinstance(claims["exp"], int)
    assert isinstance(claims["nbf"], int)
    assert claims["exp"] - int(claims["iat"]) == 300
    assert abs(claims["nbf"] - time.time()) < 30
    assert "nonce" not in claims
    assert claim("system_token") not in claims


def test_superoffice_claims_are_strings(
    capsys: pytest.CaptureFixture[str], key: SigningKey
) -> None:
    token = run_token(capsys, "--ctx", "Cust10001", "--admin", "--associate-id", "7")
    claims = verify(token.strip(), key)
    superoffice = {
        name.removeprefix(CLAIM_PREFIX): value
        for name, value in claims.items()
        if name.startswith(CLAIM_PREFIX)
    }
    assert all(isinstance(value, str) for value in superoffice.values())
    assert superoffice["ctx"] == "Cust10001"
    assert superoffice["serial"] == tenant_serial("Cust10001")
    assert superoffice["serial"].isdigit()
    assert len(superoffice["serial"]) == 10
    assert superoffice["is_administrator"] == "True"
    assert superoffice["associateid"] == "7"
    assert superoffice["company_name"] == "Local Tenant Cust10001"
    assert superoffice["identityprovider"] == "local"
    assert superoffice["email"] == superoffice["upn"] == claims["sub"]
    assert superoffice["so_primary_email_address"] == superoffice["email"]
    assert superoffice["initials"]
    assert superoffice["webapi_url"] == "http://127.0.0.1:3001/Cust10001/api/"
    assert superoffice["netserver_url"].startswith("http://127.0.0.1:3001/Cust10001/")


def test_options(capsys: pytest.CaptureFixture[str], key: SigningKey) -> None:
    token = run_token(
        capsys,
        "--ctx",
        "Cust42",
        "--nonce",
        "n-0S6_WzA2Mj",
        "--lifetime",
        "60",
        "--client-id",
        "another-client",
        "--system-token",
    )
    claims = verify(token.strip(), key, audience="another-client")
    assert claims["nonce"] == "n-0S6_WzA2Mj"
    assert claims["exp"] - claims["nbf"] == 60
    assert claims[claim("is_administrator")] == "False"
    assert claims[claim("system_token")].startswith("LocalApp-")


def test_base_url_from_setting_and_option(
    capsys: pytest.CaptureFixture[str], key: SigningKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUPEROFFICE_LOCAL_BASE_URL", "http://127.0.0.1:4001/")
    claims = jwt.decode(
        run_token(capsys, "--ctx", "Cust1").strip(), options={"verify_signature": False}
    )
    assert claims["iss"] == "http://127.0.0.1:4001"
    assert claims[claim("webapi_url")] == "http://127.0.0.1:4001/Cust1/api/"
    token = run_token(capsys, "--ctx", "Cust1", "--base-url", "http://127.0.0.1:5001")
    assert jwt.decode(token.strip(), options={"verify_signature": False})["iss"] == (
        "http://127.0.0.1:5001"
    )


def test_authorizer_event(capsys: pytest.CaptureFixture[str], key: SigningKey) -> None:
    event = json.loads(run_token(capsys, "--ctx", "Cust10001", "--event", "GET /tenants/{ctx}"))
    token = event["headers"]["authorization"].removeprefix("Bearer ")
    assert verify(token, key)[claim("ctx")] == "Cust10001"
    assert event["version"] == "2.0"
    assert event["type"] == "REQUEST"
    assert event["routeKey"] == "GET /tenants/{ctx}"
    assert event["rawPath"] == "/tenants/Cust10001"
    assert event["rawQueryString"] == ""
    assert event["pathParameters"] == {"ctx": "Cust10001"}
    assert event["identitySource"] == [
        f"Bearer {token}",
        "GET /tenants/{ctx}",
        "/tenants/Cust10001",
    ]
    assert all(name == name.lower() for name in event["headers"])
    assert event["routeArn"].startswith("arn:aws:execute-api:eu-west-1:123456789012:")
    assert event["routeArn"].endswith("/$default/GET/tenants/Cust10001")
    context = event["requestContext"]
    assert context["accountId"] == "123456789012"
    assert context["stage"] == "$default"
    assert context["routeKey"] == "GET /tenants/{ctx}"
    assert context["http"]["method"] == "GET"
    assert context["http"]["path"] == "/tenants/Cust10001"
    assert context["http"]["sourceIp"] == "127.0.0.1"
    assert context["apiId"] in event["routeArn"]
    assert isinstance(context["timeEpoch"], int)
    assert context["requestId"]
    assert context["time"].endswith(" +0000")


def test_event_with_query_string(capsys: pytest.CaptureFixture[str], key: SigningKey) -> None:
    output = run_token(
        capsys, "--ctx", "Cust1", "--event", "post /tenants/{ctx}/uninstall?a=1&a=2&b="
    )
    event = json.loads(output)
    assert event["routeKey"] == "POST /tenants/{ctx}/uninstall"
    assert event["rawQueryString"] == "a=1&a=2&b="
    assert event["queryStringParameters"] == {"a": "1,2", "b": ""}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--ctx", "cust1"], "is not a tenant context identifier"),
        (["--ctx", "Cust1234567890123"], "is not a tenant context identifier"),
        ([], "the following arguments are required: --ctx"),
        (["--ctx", "Cust1", "--lifetime", "0"], "--lifetime: 0 is not positive"),
        (["--ctx", "Cust1", "--associate-id", "x"], "'x' is not a whole number"),
        (["--ctx", "Cust1", "--event", "/tenants"], "is not 'METHOD /path'"),
        (["--ctx", "Cust1", "--event", "FETCH /x"], "FETCH is not an HTTP method"),
    ],
)
def test_bad_arguments_exit_2(
    capsys: pytest.CaptureFixture[str], key: SigningKey, arguments: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["token", *arguments])
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err


def test_event_with_unfillable_parameter_exits_2(
    capsys: pytest.CaptureFixture[str], key: SigningKey
) -> None:
    assert main(["token", "--ctx", "Cust1", "--event", "GET /x/{id}"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "only {ctx} can be filled in, not id" in captured.err


def test_claims_builder_and_user_validation() -> None:
    claims = id_token_claims(
        issuer="http://127.0.0.1:3001/",
        audience="x-client",
        user=LocalUser("Cust5", associate_id=2, is_administrator=True),
        nonce="n",
        now=1_700_000_000,
    )
    assert claims["iat"] == "1700000000"
    assert claims["nbf"] == 1_700_000_000
    assert claims["exp"] == 1_700_000_300
    assert claims["iss"] == "http://127.0.0.1:3001"
    with pytest.raises(ValueError, match="ctx"):
        LocalUser("Customer5")
    with pytest.raises(ValueError, match="positive"):
        LocalUser("Cust5", associate_id=0)
    assert tenant_serial("Cust5") == tenant_serial("Cust5") != tenant_serial("Cust6")
    assert new_system_token() != new_system_token()
