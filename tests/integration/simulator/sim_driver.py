"""Drives the simulator over HTTP the way a partner app and a browser do, and plays the
app's receiving side (notifications, webhooks) with `AppReceiver`.

Written from the contract, not from the simulator's code: the sign-in form is read from
the served HTML, signatures are made here with the app's private key from its RSA XML.
"""

from __future__ import annotations

import base64
import collections
import datetime
import functools
import hashlib
import http.server
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from local.app_credentials import AppCredentials, private_key_from_xml

REDIRECT_URI = "http://127.0.0.1:3000/callback"
CLAIM = "http://schemes.superoffice.net/identity/"


@dataclass
class ParsedForm:
    action: str = ""
    method: str = ""
    hidden: dict[str, str] = field(default_factory=dict)
    # name -> (value, checked) of every radio button
    radios: dict[str, list[tuple[str, bool]]] = field(default_factory=dict)
    buttons: list[tuple[str, str]] = field(default_factory=list)
    labels: int = 0
    headings: list[str] = field(default_factory=list)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.form = ParsedForm()
        self._in_heading = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.form.action = attributes.get("action", "")
            self.form.method = attributes.get("method", "")
        elif tag == "input" and attributes.get("type") == "hidden":
            self.form.hidden[attributes["name"]] = attributes.get("value", "")
        elif tag == "input" and attributes.get("type") == "radio":
            self.form.radios.setdefault(attributes["name"], []).append(
                (attributes["value"], "checked" in attributes)
            )
        elif tag == "button":
            self.form.buttons.append((attributes.get("name", ""), attributes.get("value", "")))
        elif tag == "label":
            self.form.labels += 1
        elif tag == "h1":
            self._in_heading = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self._in_heading = False

    def handle_data(self, data: str) -> None:
        if self._in_heading:
            self.form.headings.append(data.strip())


def parse_form(page: str) -> ParsedForm:
    parser = _FormParser()
    parser.feed(page)
    return parser.form


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass
class SignIn:
    """The outcome of one sign-in: the code (or error) delivered to the redirect URI."""

    delivered: dict[str, str]
    verifier: str
    nonce: str
    state: str


class SuperIdDriver:
    def __init__(self, client: httpx.Client, credentials: AppCredentials) -> None:
        self.client = client
        self.credentials = credentials

    def authorize_parameters(self, **overrides: str) -> tuple[dict[str, str], str]:
        verifier, challenge = pkce_pair()
        parameters = {
            "client_id": self.credentials.client_id,
            "redirect_uri": REDIRECT_URI,
            "response_type": "code",
            "scope": "openid",
            "state": secrets.token_urlsafe(8),
            "nonce": secrets.token_urlsafe(8),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        parameters.update(overrides)
        return parameters, verifier

    def submit(
        self, page: httpx.Response, *, tenant: str | None, user: str, decision: str = "allow"
    ) -> httpx.Response:
        """Post the consent form as a browser would: hidden fields, choices, the button."""
        assert page.status_code == 200, page.text
        form = parse_form(page.text)
        assert form.method == "post"
        fields = dict(form.hidden)
        if tenant is not None:
            fields["tenant"] = tenant
        fields["user"] = user
        fields["decision"] = decision
        return self.client.post(form.action, data=fields)

    def sign_in(
        self,
        ctx: str,
        user: int,
        *,
        decision: str = "allow",
        path: str = "/login/common/oauth/authorize",
        **overrides: str,
    ) -> SignIn:
        parameters, verifier = self.authorize_parameters(**overrides)
        page = self.client.get(path, params=parameters)
        answer = self.submit(page, tenant=ctx, user=str(user), decision=decision)
        return SignIn(
            delivered=delivered(answer, parameters["redirect_uri"]),
            verifier=verifier,
            nonce=parameters["nonce"],
            state=parameters["state"],
        )

    def exchange(self, sign_in: SignIn, **overrides: str) -> httpx.Response:
        form = {
            "grant_type": "authorization_code",
            "client_id": self.credentials.client_id,
            "client_secret": self.credentials.client_secret,
            "code": sign_in.delivered["code"],
            "redirect_uri": REDIRECT_URI,
            "code_verifier": sign_in.verifier,
        }
        form.update(overrides)
        return self.client.post("/login/common/oauth/tokens", data=form)

    def install(self, ctx: str, user: int = 1) -> tuple[dict[str, Any], dict[str, Any]]:
        """Sign in and exchange the code: (token answer, verified id_token claims)."""
        sign_in = self.sign_in(ctx, user)
        answer = self.exchange(sign_in)
        assert answer.status_code == 200, answer.text
        tokens = answer.json()
        claims = self.verify_id_token(tokens["id_token"])
        assert claims["nonce"] == sign_in.nonce
        return tokens, claims

    def verify_id_token(self, token: str) -> dict[str, Any]:
        """As a relying party: discovery, JWKS, key chosen by x5t (there is no kid)."""
        discovery = self.client.get("/login/.well-known/openid-configuration").json()
        jwks = self.client.get(discovery["jwks_uri"]).json()
        header = jwt.get_unverified_header(token)
        assert "kid" not in header
        (jwk,) = [key for key in jwks["keys"] if key["x5t"] == header["x5t"]]
        return jwt.decode(
            token,
            jwt.PyJWK(jwk).key,
            algorithms=["RS256"],
            audience=self.credentials.client_id,
            issuer=discovery["issuer"],
        )


def delivered(answer: httpx.Response, redirect_uri: str) -> dict[str, str]:
    """What reached the redirect URI, from a 302 or from a form_post page."""
    if answer.status_code == 302:
        location = answer.headers["location"]
        assert location.startswith(redirect_uri + "?"), location
        return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert answer.status_code == 200, answer.text
    form = parse_form(answer.text)
    assert form.action == redirect_uri
    return form.hidden


@functools.cache
def _key_from_xml(xml: str) -> rsa.RSAPrivateKey:
    # Loading checks the key thoroughly (a few hundred ms): once per session is enough.
    return private_key_from_xml(xml)


class SystemUserDriver:
    def __init__(self, client: httpx.Client, credentials: AppCredentials) -> None:
        self.client = client
        self.credentials = credentials
        # Like the app: the key as the Developer Portal hands it out.
        self.private_key = _key_from_xml(credentials.private_key_xml)

    def sign(
        self,
        system_token: str,
        moment: datetime.datetime | None = None,
        key: rsa.RSAPrivateKey | None = None,
    ) -> str:
        stamp = (moment or datetime.datetime.now(datetime.UTC)).strftime("%Y%m%d%H%M")
        message = f"{system_token}.{stamp}".encode()
        signature = (key or self.private_key).sign(message, padding.PKCS1v15(), hashes.SHA256())
        return f"{system_token}.{stamp}.{base64.b64encode(signature).decode('ascii')}"

    def authenticate(
        self, ctx: str, signed: str, application_token: str | None = None
    ) -> dict[str, Any]:
        response = self.client.post(
            "/Login/api/PartnerSystemUser/Authenticate",
            json={
                "SignedSystemToken": signed,
                "ApplicationToken": application_token or self.credentials.client_secret,
                "ContextIdentifier": ctx,
                "ReturnTokenType": "JWT",
            },
        )
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    def ticket(self, ctx: str, system_token: str) -> str:
        answer = self.authenticate(ctx, self.sign(system_token))
        assert answer["IsSuccessful"], answer
        claims = jwt.decode(answer["Token"], options={"verify_signature": False})
        return str(claims[CLAIM + "ticket"])

    def headers(self, ticket: str) -> dict[str, str]:
        return {
            "Authorization": f"SOTicket {ticket}",
            "SO-AppToken": self.credentials.client_secret,
            "Accept": "application/json",
        }


@dataclass(frozen=True)
class Received:
    """One request the simulated SuperOffice made to the app."""

    path: str
    # Header names lower-cased: SuperOffice's casing is not something to rely on.
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class AppReceiver:
    """A tiny HTTP server playing the app's notification and webhook endpoints.

    Answers 200 unless told otherwise: `answer(status, ...)` queues statuses for the next
    requests, `default_status` answers the rest.
    """

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.default_status = 200
        self._queued: collections.deque[int] = collections.deque()
        self._condition = threading.Condition()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {name.lower(): value for name, value in self.headers.items()}
                status = receiver._record(Received(self.path, headers, body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        # A short poll interval: shutdown() waits for one, once per test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def answer(self, *statuses: int) -> None:
        with self._condition:
            self._queued.extend(statuses)

    def _record(self, received: Received) -> int:
        with self._condition:
            self.requests.append(received)
            self._condition.notify_all()
            return self._queued.popleft() if self._queued else self.default_status

    def wait_for(self, count: int, path: str | None = None, timeout: float = 5) -> list[Received]:
        """The first `count` requests (to `path`), waiting up to `timeout` seconds for them."""

        def matching() -> list[Received]:
            return [r for r in self.requests if path is None or r.path == path]

        with self._condition:
            self._condition.wait_for(lambda: len(matching()) >= count, timeout)
            found = matching()
        assert len(found) >= count, f"{len(found)} of {count} requests arrived: {found}"
        return found[:count]

    def settle(self, quiet: float = 0.2) -> list[Received]:
        """All requests, once none arrived for `quiet` seconds."""
        seen = -1
        while seen != len(self.requests):
            seen = len(self.requests)
            time.sleep(quiet)
        return list(self.requests)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
