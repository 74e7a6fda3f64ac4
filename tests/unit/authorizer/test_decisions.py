"""The authorizer's rules: which credentials, which tokens, which routes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from superoffice_app.authorizer import (
    BadAuthorizerEvent,
    TokenAuthorizer,
    parse_authorizer_event,
)
from superoffice_app.cookies import SESSION_COOKIE_NAME
from superoffice_app.tokens import SessionKeyRing
from tests.unit.authorizer.conftest import APP, SO, authorizer_event


def decide(authorizer: TokenAuthorizer, event: dict[str, Any]) -> dict[str, Any]:
    return authorizer.decide(parse_authorizer_event(event)).response()


def test_superoffice_id_token_as_bearer_is_allowed_with_context(
    authorizer: TokenAuthorizer, id_token: Callable[..., str]
) -> None:
    response = decide(authorizer, authorizer_event(bearer=id_token(admin=True)))
    assert response == {
        "isAuthorized": True,
        "context": {
            "ctx": "Cust12345",
            "associate_id": 5,
            "administrator": True,
            "token_kind": "superoffice_id_token",
        },
    }


def test_session_cookie_is_allowed(
    authorizer: TokenAuthorizer, session_token: Callable[..., str]
) -> None:
    cookie = f"{SESSION_COOKIE_NAME}={session_token(associate_id=7)}"
    response = decide(authorizer, authorizer_event(cookies=["theme=dark", cookie]))
    assert response["isAuthorized"] is True
    assert response["context"]["token_kind"] == "session"
    assert response["context"]["associate_id"] == 7
    assert response["context"]["administrator"] is False


def test_session_token_as_bearer_is_allowed(
    authorizer: TokenAuthorizer, session_token: Callable[..., str]
) -> None:
    response = decide(authorizer, authorizer_event(bearer=session_token()))
    assert response["isAuthorized"] is True
    assert response["context"]["token_kind"] == "session"


def test_no_credential_is_denied(authorizer: TokenAuthorizer) -> None:
    assert decide(authorizer, authorizer_event()) == {"isAuthorized": False}


def test_id_token_in_the_cookie_is_denied(
    authorizer: TokenAuthorizer, id_token: Callable[..., str]
) -> None:
    """The cookie carries only the app's own sessions."""
    event = authorizer_event(cookies=[f"{SESSION_COOKIE_NAME}={id_token()}"])
    assert decide(authorizer, event)["isAuthorized"] is False


def test_other_tenants_token_is_denied_on_a_tenant_route(
    authorizer: TokenAuthorizer, id_token: Callable[..., str], session_token: Callable[..., str]
) -> None:
    assert (
        decide(authorizer, authorizer_event(ctx="Cust99999", bearer=id_token("Cust12345")))[
            "isAuthorized"
        ]
        is False
    )
    cookie = f"{SESSION_COOKIE_NAME}={session_token('Cust12345')}"
    assert (
        decide(authorizer, authorizer_event(ctx="Cust99999", cookies=[cookie]))["isAuthorized"]
        is False
    )


def test_tenant_route_without_path_tenant_is_denied(
    authorizer: TokenAuthorizer, id_token: Callable[..., str]
) -> None:
    assert (
        decide(authorizer, authorizer_event(ctx=None, bearer=id_token()))["isAuthorized"] is False
    )


@pytest.mark.parametrize("route", ["POST /tenants/{ctx}/uninstall", "GET /tenants/{ctx}/uninstall"])
def test_uninstall_needs_an_administrator(
    authorizer: TokenAuthorizer,
    id_token: Callable[..., str],
    session_token: Callable[..., str],
    route: str,
) -> None:
    assert (
        decide(authorizer, authorizer_event(route, bearer=id_token(admin=False)))["isAuthorized"]
        is False
    )
    assert (
        decide(authorizer, authorizer_event(route, bearer=id_token(admin=True)))["isAuthorized"]
        is True
    )
    cookie = f"{SESSION_COOKIE_NAME}={session_token(admin=False)}"
    assert decide(authorizer, authorizer_event(route, cookies=[cookie]))["isAuthorized"] is False


def test_route_without_tenant_needs_only_a_valid_token(
    authorizer: TokenAuthorizer, id_token: Callable[..., str]
) -> None:
    event = authorizer_event("GET /api/me", ctx=None, bearer=id_token())
    assert decide(authorizer, event)["isAuthorized"] is True


def test_bearer_wins_over_cookie_and_a_bad_bearer_is_not_rescued(
    authorizer: TokenAuthorizer, session_token: Callable[..., str]
) -> None:
    cookie = f"{SESSION_COOKIE_NAME}={session_token()}"
    event = authorizer_event(bearer="not.a.token", cookies=[cookie])
    assert decide(authorizer, event)["isAuthorized"] is False


def test_two_different_session_cookies_are_refused(
    authorizer: TokenAuthorizer, session_token: Callable[..., str]
) -> None:
    one = f"{SESSION_COOKIE_NAME}={session_token()}"
    other = f"{SESSION_COOKIE_NAME}={session_token('Cust77')}"
    with pytest.raises(BadAuthorizerEvent, match="more than one"):
        parse_authorizer_event(authorizer_event(cookies=[one, other]))


@pytest.mark.parametrize(
    "overrides",
    [
        {"iss": "https://qaonline.superoffice.com"},  # Stage's issuer on a SOD deployment
        {"aud": "some-other-client"},
        {"exp": 1},
        {SO + "ctx": "not-a-tenant"},
    ],
)
def test_id_tokens_failing_validation_are_denied(
    authorizer: TokenAuthorizer, id_token: Callable[..., str], overrides: dict[str, Any]
) -> None:
    assert (
        decide(authorizer, authorizer_event(bearer=id_token(**overrides)))["isAuthorized"] is False
    )


def test_session_token_of_another_key_ring_is_denied(authorizer: TokenAuthorizer) -> None:
    stranger = SessionKeyRing.generate().issue(
        issuer=APP, ctx="Cust12345", associate_id=5, admin=True
    )
    cookie = f"{SESSION_COOKIE_NAME}={stranger}"
    assert decide(authorizer, authorizer_event(cookies=[cookie]))["isAuthorized"] is False


def test_session_token_of_another_issuer_is_denied(
    session_ring: SessionKeyRing, authorizer: TokenAuthorizer
) -> None:
    token = session_ring.issue(
        issuer="https://other.example.com", ctx="Cust12345", associate_id=5, admin=True
    )
    assert decide(authorizer, authorizer_event(bearer=token))["isAuthorized"] is False


def test_id_token_claiming_session_type_is_denied(
    authorizer: TokenAuthorizer, superoffice_key: rsa.RSAPrivateKey, superoffice_x5t: str
) -> None:
    """Routing by `typ` is only a hint: the session validator still refuses SuperOffice's key."""
    token = jwt.encode(
        {
            "iss": APP,
            "aud": APP,
            "ctx": "Cust12345",
            "associate_id": 5,
            "admin": True,
            "exp": 9999999999,
        },
        superoffice_key,
        algorithm="RS256",
        headers={"x5t": superoffice_x5t, "typ": "so-session+jwt"},
    )
    assert decide(authorizer, authorizer_event(bearer=token))["isAuthorized"] is False


@pytest.mark.parametrize(
    "event",
    [
        None,
        [],
        "x",
        {},
        {"routeKey": 5},
        {"routeKey": "GET tenants"},
        {"routeKey": "GET /x", "headers": {"authorization": "Basic dXNlcjpwYXNz"}},
        {"routeKey": "GET /x", "headers": {"authorization": 5}},
        {"routeKey": "GET /x", "headers": []},
        {"routeKey": "GET /x", "cookies": "a=b"},
        {"routeKey": "GET /x", "pathParameters": {"ctx": 1}},
        {"routeKey": "GET /x", "rawPath": 1},
        {"routeKey": "GET /x", "headers": {"authorization": "Bearer " + "a" * 20000}},
    ],
)
def test_malformed_events_are_refused_cleanly(event: object) -> None:
    with pytest.raises(BadAuthorizerEvent):
        parse_authorizer_event(event)


def test_header_names_are_case_insensitive(
    authorizer: TokenAuthorizer, id_token: Callable[..., str]
) -> None:
    event = authorizer_event()
    event["headers"]["Authorization"] = f"bearer {id_token()}"
    assert decide(authorizer, event)["isAuthorized"] is True
