"""Signing the system token and exchanging it for a ticket."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from so_testkit import (
    CLIENT_SECRET,
    CTX,
    ENVIRONMENT,
    NOW,
    SERIAL,
    SYSTEM_TOKEN,
    TICKET,
    Clock,
    FakeServer,
    json_response,
    rsa_key,
    superoffice_validator,
    system_user_jwt,
)

from superoffice_app.superoffice.http import (
    AccessRevoked,
    SuperOfficeApiError,
    SuperOfficeUnavailable,
    UnexpectedResponse,
)
from superoffice_app.superoffice.system_user import (
    TICKET_LIFETIME,
    InvalidSystemUserToken,
    SystemUserClient,
    SystemUserRefused,
    SystemUserRevoked,
    sign_system_token,
)
from superoffice_app.tokens import Secret

URL = ENVIRONMENT.system_user_url
STANDARD_BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")


def verify(signed: str) -> tuple[str, str]:
    """Check a signed system token against the app's public key; return (token, stamp)."""
    token, stamp, signature = signed.rsplit(".", 2)
    assert STANDARD_BASE64.fullmatch(signature)
    raw = base64.b64decode(signature, validate=True)
    rsa_key("app").public_key().verify(
        raw, f"{token}.{stamp}".encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    return token, stamp


def test_signed_token_format_and_signature() -> None:
    signed = sign_system_token(
        SYSTEM_TOKEN, rsa_key("app"), datetime(2026, 2, 3, 4, 5, 59, tzinfo=UTC)
    )
    token, stamp = verify(signed)
    assert token == SYSTEM_TOKEN
    assert stamp == "202602030405"  # yyyyMMddHHmm, seconds dropped
    assert signed.startswith(f"{SYSTEM_TOKEN}.202602030405.")


def test_timestamp_is_utc_whatever_the_zone_of_now() -> None:
    oslo = timezone(timedelta(hours=1))
    signed = sign_system_token(
        SYSTEM_TOKEN, rsa_key("app"), datetime(2026, 1, 1, 0, 30, tzinfo=oslo)
    )
    assert verify(signed)[1] == "202512312330"


def test_signature_is_standard_not_urlsafe_base64() -> None:
    # RSA PKCS#1 v1.5 is deterministic: walk minutes until a signature needs + or /,
    # the characters where the two alphabets differ.
    for minute in range(200):
        now = NOW + timedelta(minutes=minute)
        signature = sign_system_token(SYSTEM_TOKEN, rsa_key("app"), now).rsplit(".", 1)[1]
        if "+" in signature or "/" in signature:
            break
    else:
        pytest.fail("no signature with + or / in 200 tries")
    assert "-" not in signature
    assert "_" not in signature
    assert signature.endswith("=") or len(signature) % 4 == 0


def test_system_token_may_be_a_secret_and_with_dots() -> None:
    signed = sign_system_token(Secret("My.App-x"), rsa_key("app"), NOW)
    assert verify(signed)[0] == "My.App-x"


def test_naive_time_and_empty_token_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        sign_system_token(SYSTEM_TOKEN, rsa_key("app"), datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="empty"):
        sign_system_token("", rsa_key("app"), NOW)


def client(server: FakeServer, clock: Clock | None = None) -> SystemUserClient:
    clock = clock or Clock()
    return SystemUserClient(
        server.client(),
        ENVIRONMENT,
        superoffice_validator(clock),
        client_secret=CLIENT_SECRET,
        private_key=rsa_key("app"),
        clock=clock,
    )


def success(**claims: object) -> httpx.Response:
    return json_response(
        200, {"IsSuccessful": True, "Token": system_user_jwt(**claims), "ErrorMessage": ""}
    )


def refusal(message: object) -> httpx.Response:
    return json_response(200, {"IsSuccessful": False, "Token": None, "ErrorMessage": message})


def test_exchange_posts_the_contract_body_and_returns_the_ticket() -> None:
    server = FakeServer()
    server.on("POST", URL, success())
    ticket = client(server).exchange(CTX, Secret(SYSTEM_TOKEN), SERIAL)
    assert ticket.value.reveal() == TICKET
    assert ticket.expires_at == NOW + TICKET_LIFETIME
    assert TICKET not in repr(ticket)
    (request,) = server.requests
    assert request.headers["content-type"] == "application/json"
    body = json.loads(request.content)
    assert set(body) == {
        "SignedSystemToken",
        "ApplicationToken",
        "ContextIdentifier",
        "ReturnTokenType",
    }
    assert body["ApplicationToken"] == CLIENT_SECRET
    assert body["ContextIdentifier"] == CTX
    assert body["ReturnTokenType"] == "JWT"
    assert verify(body["SignedSystemToken"]) == (SYSTEM_TOKEN, "202602230900")


def test_ticket_expiry_is_the_jwt_exp_when_sooner_than_six_hours() -> None:
    server = FakeServer()
    server.on("POST", URL, success(exp=int(NOW.timestamp()) + 600))
    assert client(server).exchange(CTX, Secret(SYSTEM_TOKEN), SERIAL).expires_at == NOW + timedelta(
        minutes=10
    )


def test_ticket_expiry_never_exceeds_six_hours() -> None:
    server = FakeServer()
    server.on("POST", URL, success(exp=int(NOW.timestamp()) + 86_400))
    ticket = client(server).exchange(CTX, Secret(SYSTEM_TOKEN), SERIAL)
    assert ticket.expires_at == NOW + timedelta(hours=6)


def test_revoked_is_access_revoked() -> None:
    server = FakeServer()
    server.on("POST", URL, refusal("1: Revoked"))
    with pytest.raises(SystemUserRevoked) as caught:
        client(server).exchange(CTX, Secret(SYSTEM_TOKEN), SERIAL)
    assert isinstance(caught.value, AccessRevoked)
    assert isinstance(caught.value, SystemUserRefused)
    assert (caught.value.code, caught.value.reason) == (1, "Revoked")


@pytest.mark.parametrize(
    ("message", "code", "reason"),
    [
        ("4: Denied", 4, "Denied"),
        ("5: NeedsReapproval", 5, "NeedsReapproval"),
        ("6 : InvalidTimestamp", 6, "InvalidTimestamp"),
        ("7: InvalidSignature", 7, "InvalidSignature"),
        ("Something went wrong", None, "Something went wrong"),
        ("", None, "no reason given"),
        (None, None, "no reason given"),
    ],
)
def test_other_refusals(message: object, code: int | None, reason: str) -> None:
    server = FakeServer()
    server.on("POST", URL, refusal(message))
    with pytest.raises(SystemUserRefused) as caught:
        client(server).exchange(CTX, Secret(SYSTEM_TOKEN), SERIAL)
    assert not isinstance(caught.value, AccessRevoked)
    assert (caught.value.code, caught.value.reason) == (code, reason)


def test_refusal_messages_never_echo_credentials() -> None:
    server = FakeServer()
    server.on(
        "POST",
        URL,
        lambda request: refusal(
            f"3: token {SYSTEM_TOKEN} signed {json.loads(request.content)['SignedSystemToken']}"
            f" app {CLIENT_SECRET}"
        ),
    )
    with pytest.raises(SystemUserRefused) as caught:
        client(server).exchange(CTX, Secret(SYSTEM_TOKEN), SERIAL)
    text = str(caught.value)
    assert SYSTEM_TOKEN not in text
    assert CLIENT_SECRET not in text
    assert caught.value.code == 3


def test_refusal_with_an_error_status_is_still_a_refusal() -> None:
    server = FakeServer()
    server.on(
        "POST",
        URL,
        json_response(400, {"IsSuccessful": False, "ErrorMessage": "7: InvalidSignature"}),
    )
    with pytest.raises(SystemUserRefused) as caught:
        client(server).exchange(CTX, Secret(SYSTEM_TOKEN), SERIAL)
    assert caught.value.code == 7


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "spn:999"},  # another tenant's serial
        {"iss": "https://evil.example"},
        {"exp": int(NOW.timestamp()) - 3600},
        {"http://schemes.superoffice.net/identity/ctx": "Cust999"},
    ],
)
def test_an_invalid_jwt_gives_no_ticket(claims: dict[str, object]) -> None:
    server = FakeServer()
    server.on("POST", URL, success(**claims))
    with pytest.raises(InvalidSystemUserToken) as caught:
        client(server).exchange(CTX, Secret(SYSTEM_TOKEN), SERIAL)
    assert TICKET not in str(caught.value)


def test_a_jwt_signed_by_another_key_gives_no_ticket() -> None:
    server = FakeServer()
    forged = system_user_jwt().rsplit(".", 1)[0] + ".AAAA"
    server.on("POST", URL, json_response(200, {"IsSuccessful": True, "Token": forged}))
    with pytest.raises(InvalidSystemUserToken):
        client(server).exchange(CTX, Secret(SYSTEM_TOKEN), SERIAL)


@pytest.mark.parametrize(
    "answer",
    [
        json_response(200, {"IsSuccessful": True, "Token": None}),
        json_response(200, {"Token": "x"}),
        json_response(200, ["not", "an", "object"]),
        httpx.Response(200, text="<html>ok</html>"),
    ],
)
def test_malformed_success_answers(answer: httpx.Response) -> None:
    server = FakeServer()
    server.on("POST", URL, answer)
    with pytest.raises(UnexpectedResponse):
        client(server).exchange(CTX, Secret(SYSTEM_TOKEN), SERIAL)


def test_server_errors_and_timeouts_are_unavailable() -> None:
    server = FakeServer()
    server.on("POST", URL, httpx.Response(503, headers={"Retry-After": "60"}))
    with pytest.raises(SuperOfficeUnavailable) as caught:
        client(server).exchange(CTX, Secret(SYSTEM_TOKEN), SERIAL)
    assert caught.value.retry_after_seconds == 60
    server.on("POST", URL, httpx.ReadTimeout("slow"))
    with pytest.raises(SuperOfficeUnavailable):
        client(server).exchange(CTX, Secret(SYSTEM_TOKEN), SERIAL)


def test_other_http_errors_are_api_errors_without_secrets() -> None:
    server = FakeServer()
    server.on(
        "POST",
        URL,
        json_response(
            403, {"Error": True, "ErrorType": "Forbidden", "ErrorMessage": CLIENT_SECRET}
        ),
    )
    with pytest.raises(SuperOfficeApiError) as caught:
        client(server).exchange(CTX, Secret(SYSTEM_TOKEN), SERIAL)
    assert caught.value.status == 403
    assert CLIENT_SECRET not in str(caught.value)


def test_bad_ctx_is_refused_before_any_request() -> None:
    server = FakeServer()
    with pytest.raises(ValueError, match="context identifier"):
        client(server).exchange("../Cust1", Secret(SYSTEM_TOKEN), SERIAL)
    assert server.requests == []


def test_repr_shows_no_secret() -> None:
    assert CLIENT_SECRET not in repr(client(FakeServer()))
