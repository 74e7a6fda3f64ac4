"""Test doubles for the SuperOffice client: a scripted server, a clock, keys, JWTs."""

from __future__ import annotations

import base64
import functools
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from superoffice_app.environments import Environment
from superoffice_app.tokens import KeySet, StaticKeys, SystemUserTokenValidator

LOGIN = "https://sod.superoffice.com"
ENVIRONMENT = Environment(name="sod", login_base=LOGIN, issuer=LOGIN)
CTX = "Cust12345"
SERIAL = "1234567890"
API = "https://sod2.superoffice.com/Cust12345/api"
MOVED_API = "https://sod3.superoffice.com/Cust12345/api"
NOW = datetime(2026, 2, 23, 9, 0, 0, tzinfo=UTC)
VALID_UNTIL = "2026-02-23T09:52:01.9342965Z"
TICKET = "7T:dGhpcyBpcyBhIHRpY2tldA=="
SYSTEM_TOKEN = "MyApp-8k8Q7DmBgo"
CLIENT_ID = "0123456789abcdef"
CLIENT_SECRET = "client-secret-0123456789abcdef"
SO = "http://schemes.superoffice.net/identity/"

Handler = Callable[[httpx.Request], httpx.Response]


@functools.cache
def rsa_key(name: str) -> rsa.RSAPrivateKey:
    """A named 2048-bit key, generated once per session."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class Clock:
    """A settable clock returning aware UTC datetimes."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class FakeServer:
    """Answers requests by (method, URL without query) from scripted responses.

    Each route holds a queue: answers are given in order and the last one repeats.
    An answer is an ``httpx.Response``, a handler, or an exception to raise.
    """

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[httpx.Response | Handler | Exception]] = {}
        self.requests: list[httpx.Request] = []

    def on(self, method: str, url: str, *answers: httpx.Response | Handler | Exception) -> None:
        self.routes[(method, url)] = list(answers)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        key = (request.method, str(request.url.copy_with(query=None)))
        queue = self.routes.get(key)
        if not queue:
            return httpx.Response(599, text=f"no route for {key}")
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            return answer
        return answer(request)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))

    def calls(self, method: str, url: str) -> list[httpx.Request]:
        return [
            r for r in self.requests if r.method == method and r.url.copy_with(query=None) == url
        ]


def state_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "ContextIdentifier": CTX,
        "Endpoint": API.removesuffix("/api"),
        "State": "Running",
        "IsRunning": True,
        "ValidUntil": VALID_UNTIL,
        "Api": API,
        "Version": "Release_11.10_2026.02.24-02",
    }
    body.update(changes)
    return body


def b64u_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def x5t(name: str) -> str:
    digest = hashlib.sha1(name.encode()).digest()  # any stable 20 bytes will do
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def superoffice_validator(clock: Clock) -> SystemUserTokenValidator:
    numbers = rsa_key("superoffice").public_key().public_numbers()
    jwk = {
        "kty": "RSA",
        "use": "sig",
        "n": b64u_uint(numbers.n),
        "e": b64u_uint(numbers.e),
        "x5t": x5t("superoffice"),
    }
    keys = StaticKeys(KeySet.from_jwks({"keys": [jwk]}))
    return SystemUserTokenValidator(keys, clock=lambda: clock().timestamp())


def system_user_jwt(**changes: Any) -> str:
    now = int(NOW.timestamp())
    claims: dict[str, Any] = {
        "iss": "SuperOffice AS",
        "aud": f"spn:{SERIAL}",
        "exp": now + 6 * 3600,
        "iat": now,
        "nbf": now,
        SO + "ticket": TICKET,
        SO + "ctx": CTX,
    }
    claims.update(changes)
    return jwt.encode(
        claims, rsa_key("superoffice"), algorithm="RS256", headers={"x5t": x5t("superoffice")}
    )


def json_response(status: int, body: Any, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)
