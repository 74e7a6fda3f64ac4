"""Keys, tokens and events for the authorizer tests (test-only key material)."""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from superoffice_app.authorizer import TokenAuthorizer
from superoffice_app.tokens import (
    IdTokenValidator,
    KeySet,
    SessionKeyRing,
    SessionTokenValidator,
    StaticKeys,
)

ISSUER = "https://sod.superoffice.com"
CLIENT_ID = "0123456789abcdef0123456789abcdef"
APP = "https://app.example.com"
SO = "http://schemes.superoffice.net/identity/"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def uint(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


@pytest.fixture(scope="session")
def superoffice_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def superoffice_x5t() -> str:
    return b64url(hashlib.sha1(b"stand-in certificate").digest())


@pytest.fixture(scope="session")
def superoffice_jwks(superoffice_key: rsa.RSAPrivateKey, superoffice_x5t: str) -> dict[str, Any]:
    numbers = superoffice_key.public_key().public_numbers()
    return {
        "keys": [
            {
                "kty": "RSA",
                "use": "sig",
                "n": uint(numbers.n),
                "e": uint(numbers.e),
                "x5t": superoffice_x5t,
            }
        ]
    }


@pytest.fixture(scope="session")
def session_ring() -> SessionKeyRing:
    return SessionKeyRing.generate()


@pytest.fixture
def authorizer(superoffice_jwks: dict[str, Any], session_ring: SessionKeyRing) -> TokenAuthorizer:
    return TokenAuthorizer(
        id_tokens=IdTokenValidator(
            ISSUER, CLIENT_ID, StaticKeys(KeySet.from_jwks(superoffice_jwks))
        ),
        sessions=SessionTokenValidator(
            APP, StaticKeys(KeySet.from_jwks(session_ring.public_jwks()))
        ),
    )


IdTokenFactory = Callable[..., str]


@pytest.fixture
def id_token(superoffice_key: rsa.RSAPrivateKey, superoffice_x5t: str) -> IdTokenFactory:
    """An id_token as SuperID issues it: x5t and no kid, iat as a digit string."""

    def make(ctx: str = "Cust12345", *, admin: bool = False, **overrides: Any) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": CLIENT_ID,
            "sub": "user@example.com",
            "iat": str(now),
            "nbf": now,
            "exp": now + 300,
            SO + "ctx": ctx,
            SO + "serial": "1234567890",
            SO + "associateid": "5",
            SO + "is_administrator": "True" if admin else "False",
            SO + "company_name": "Example AS",
        }
        claims.update(overrides)
        return jwt.encode(
            claims, superoffice_key, algorithm="RS256", headers={"x5t": superoffice_x5t}
        )

    return make


@pytest.fixture
def session_token(session_ring: SessionKeyRing) -> Callable[..., str]:
    def make(ctx: str = "Cust12345", *, admin: bool = False, associate_id: int = 5) -> str:
        return session_ring.issue(issuer=APP, ctx=ctx, associate_id=associate_id, admin=admin)

    return make


def authorizer_event(
    route_key: str = "GET /tenants/{ctx}",
    ctx: str | None = "Cust12345",
    *,
    bearer: str | None = None,
    cookies: list[str] | None = None,
) -> dict[str, Any]:
    """An HTTP API payload-2.0 REQUEST authorizer event as API Gateway sends it."""
    method, _, path_template = route_key.partition(" ")
    raw_path = path_template.replace("{ctx}", ctx or "")
    headers = {"host": "app.example.com", "user-agent": "pytest"}
    identity: list[str] = []
    if bearer is not None:
        headers["authorization"] = f"Bearer {bearer}"
        identity.append(headers["authorization"])
    event: dict[str, Any] = {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": (
            f"arn:aws:execute-api:eu-west-1:123456789012:abc123/$default/{method}{path_template}"
        ),
        "identitySource": identity,
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "app.example.com",
            "http": {
                "method": method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": "192.0.2.1",
                "userAgent": "pytest",
            },
            "requestId": "req-1",
            "routeKey": route_key,
            "stage": "$default",
        },
        "pathParameters": {"ctx": ctx} if ctx is not None else {},
    }
    if cookies is not None:
        event["cookies"] = cookies
    return event
