"""KeySet, StaticKeys and RemoteKeySet (lazy, rate-limited, keeps the last good keys)."""

from __future__ import annotations

import base64
import gzip
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from tokens_testkit import SO, b64u, b64u_json, jwks, public_jwk, rsa_key, self_signed_der

from superoffice_app.tokens import (
    IdTokenValidator,
    KeyNotFoundError,
    KeySet,
    KeySetError,
    RemoteKeySet,
    StaticKeys,
    TokenError,
    fetch_jwks,
    verify_jws,
)
from superoffice_app.tokens import fetch as fetch_module

DATA = Path(__file__).resolve().parents[3] / "layers/shared/superoffice_app/data"
ISSUER = "https://sod.superoffice.com"
CLIENT_ID = "client-123"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeFetch:
    """Counts calls; serves ``document`` (or raises it, when it is an exception)."""

    def __init__(self, document: Any) -> None:
        self.document = document
        self.calls = 0

    def __call__(self, url: str) -> Any:
        self.calls += 1
        if isinstance(self.document, BaseException):
            raise self.document
        return self.document


def id_token(key_name: str, kid: str, now: float) -> str:
    claims = {
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "sub": "someone",
        "iat": int(now),
        "exp": int(now) + 300,
        SO + "ctx": "Cust1",
    }
    return jwt.encode(claims, rsa_key(key_name), algorithm="RS256", headers={"kid": kid})


# --- KeySet ------------------------------------------------------------------------------


def test_keyset_parses_indexes_and_is_immutable() -> None:
    keys = KeySet.from_jwks(
        jwks(public_jwk(rsa_key("a"), kid="a"), public_jwk(rsa_key("b"), kid="b", x5t="tb"))
    )
    assert len(keys) == 2
    assert [key.kid for key in keys] == ["a", "b"]
    assert keys.with_kid("b")[0].x5t == "tb"
    assert keys.with_x5t("tb") == keys.with_kid("b")
    assert keys.with_kid("zzz") == ()
    with pytest.raises(AttributeError):
        keys._keys = ()  # type: ignore[misc]
    with pytest.raises(AttributeError):
        keys.keys[0].kid = "other"  # type: ignore[misc]
    assert "a" in repr(keys)


def test_merge_keeps_order_and_drops_exact_duplicates() -> None:
    a = KeySet.from_jwks(jwks(public_jwk(rsa_key("a"), kid="a")))
    b = KeySet.from_jwks(jwks(public_jwk(rsa_key("b"), kid="b"), public_jwk(rsa_key("a"), kid="a")))
    merged = a.merge(b)
    assert [key.kid for key in merged] == ["a", "b"]
    assert a.merge(KeySet()) is a
    assert KeySet().merge(a) is a
    assert merged == KeySet.from_jwks(
        jwks(public_jwk(rsa_key("a"), kid="a"), public_jwk(rsa_key("b"), kid="b"))
    )


def test_to_public_jwks_never_shows_private_members() -> None:
    private = {
        **public_jwk(rsa_key("a"), kid="a"),
        "d": "secret-d",
        "p": "secret-p",
        "q": "secret-q",
        "k": "secret-k",
        "x5c": [base64.b64encode(self_signed_der("a")).decode()],
    }
    document = KeySet.from_jwks({"keys": [private]}).to_public_jwks()
    (entry,) = document["keys"]  # type: ignore[misc]
    assert not {"d", "p", "q", "k"} & set(entry)
    assert entry["kid"] == "a"
    assert "x5t" in entry  # computed from x5c
    # The published document verifies like the original.
    token = jwt.encode({"x": 1}, rsa_key("a"), algorithm="RS256", headers={"kid": "a"})
    assert verify_jws(token, document, ["RS256"]) == b'{"x":1}'
    entry["x5c"].append("changed")
    assert KeySet.from_jwks({"keys": [private]}).to_public_jwks() != document


@pytest.mark.parametrize(
    ("name", "thumbprint"),
    [
        ("sod-federated-login.crt", "16B7FB8C3F9AB06885A800C64E64C97C4AB5E98C"),
        ("stage-federated-login.crt", "484903A7732B928C7980A39D38E947EA119F1089"),
    ],
)
def test_superoffice_certificates_are_named_by_their_thumbprint(name: str, thumbprint: str) -> None:
    keys = KeySet.from_certificate_pem((DATA / name).read_bytes())
    (key,) = keys
    assert key.x5t == b64u(bytes.fromhex(thumbprint))
    assert key.kty == "RSA"
    assert key.size == 2048


def test_certificate_keys_verify_tokens_that_name_them_by_x5t() -> None:
    der = self_signed_der("cert")
    pem = (
        b"-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(der) + b"-----END CERTIFICATE-----\n"
    )
    keys = KeySet.from_certificate_pem(pem, alg="RS256")
    x5t = b64u(__import__("hashlib").sha1(der).digest())
    token = jwt.encode({"x": 1}, rsa_key("cert"), algorithm="RS256", headers={"x5t": x5t})
    assert verify_jws(token, keys, ["RS256"]) == b'{"x":1}'
    with pytest.raises(ValueError):  # noqa: PT011
        KeySet.from_certificate_pem(b"not a certificate")


def test_static_keys_never_refresh() -> None:
    keys = KeySet.from_jwks(jwks(public_jwk(rsa_key("a"), kid="a")))
    provider = StaticKeys(keys)
    assert provider.current() is keys
    assert provider.refresh() is False


# --- RemoteKeySet: construction ------------------------------------------------------------


@pytest.mark.parametrize("cooldown", [29.999, 0, -1, float("nan")])
def test_cooldown_below_thirty_seconds_is_refused(cooldown: float) -> None:
    with pytest.raises(ValueError, match="cooldown"):
        RemoteKeySet(
            "https://example.com/jwks", KeySet(), fetch=FakeFetch({}), cooldown_seconds=cooldown
        )


def test_cooldown_of_thirty_seconds_or_more_is_accepted() -> None:
    RemoteKeySet("https://example.com/jwks", KeySet(), fetch=FakeFetch({}), cooldown_seconds=30)
    RemoteKeySet("https://example.com/jwks", KeySet(), fetch=FakeFetch({}), cooldown_seconds=600)


@pytest.mark.parametrize(
    "url",
    ["http://example.com/jwks", "ftp://example.com/jwks", "file:///etc/passwd", "https://", "jwks"],
)
def test_key_url_must_be_https_except_on_loopback(url: str) -> None:
    with pytest.raises(ValueError, match="https"):
        RemoteKeySet(url, KeySet(), fetch=FakeFetch({}))


def test_loopback_http_is_allowed_for_the_local_stack() -> None:
    for url in ("http://127.0.0.1:3001/jwks", "http://localhost:3001/jwks", "http://[::1]:3001/x"):
        RemoteKeySet(url, KeySet(), fetch=FakeFetch({}))


# --- RemoteKeySet: laziness, cooldown, failures --------------------------------------------


def published() -> KeySet:
    return KeySet.from_jwks(jwks(public_jwk(rsa_key("a"), kid="a")))


def remote(document: Any, keys: KeySet | None = None) -> tuple[RemoteKeySet, FakeFetch, FakeClock]:
    fetch, clock = FakeFetch(document), FakeClock()
    provider = RemoteKeySet(
        "https://sod.superoffice.com/login/.well-known/jwks",
        published() if keys is None else keys,
        fetch=fetch,
        clock=clock,
    )
    return provider, fetch, clock


def test_nothing_is_fetched_while_the_published_keys_suffice() -> None:
    provider, fetch, clock = remote(jwks(public_jwk(rsa_key("b"), kid="b")))
    validator = IdTokenValidator(ISSUER, CLIENT_ID, provider, clock=clock)
    for _ in range(3):
        assert validator.validate(id_token("a", "a", clock.now)).ctx == "Cust1"
    assert fetch.calls == 0
    assert provider.fetch_count == 0


def test_with_no_published_keys_the_first_current_fetches_once() -> None:
    provider, fetch, _ = remote(jwks(public_jwk(rsa_key("b"), kid="b")), KeySet())
    assert [key.kid for key in provider.current()] == ["b"]
    assert [key.kid for key in provider.current()] == ["b"]
    assert fetch.calls == 1


def test_an_unknown_kid_fetches_and_a_rotated_key_then_verifies() -> None:
    provider, fetch, clock = remote(jwks(public_jwk(rsa_key("b"), kid="b")))
    validator = IdTokenValidator(ISSUER, CLIENT_ID, provider, clock=clock)
    assert validator.validate(id_token("b", "b", clock.now)).ctx == "Cust1"
    assert fetch.calls == 1
    assert [key.kid for key in provider.current()] == ["a", "b"]  # published first
    assert validator.validate(id_token("a", "a", clock.now)).ctx == "Cust1"
    assert fetch.calls == 1


def test_a_flood_of_random_kids_costs_one_fetch_per_cooldown() -> None:
    provider, fetch, clock = remote(jwks(public_jwk(rsa_key("b"), kid="b")))
    validator = IdTokenValidator(ISSUER, CLIENT_ID, provider, clock=clock)
    # Re-header one signed token: the kid is looked up before any signature check.
    _, body, signature = id_token("attacker", "x", clock.now).split(".")
    for _ in range(10_000):
        header = b64u_json({"alg": "RS256", "kid": secrets.token_hex(8)})
        with pytest.raises(KeyNotFoundError):
            validator.validate(f"{header}.{body}.{signature}")
        clock.now += 0.001  # 10 s in all: still inside the 30 s cooldown
    assert fetch.calls == 1
    assert provider.fetch_count == 1
    clock.now += 30
    with pytest.raises(KeyNotFoundError):
        validator.validate(f"{b64u_json({'alg': 'RS256', 'kid': 'new'})}.{body}.{signature}")
    assert fetch.calls == 2
    assert provider.refresh() is False
    assert fetch.calls == 2


def test_refresh_reports_whether_the_keys_were_replaced() -> None:
    provider, fetch, clock = remote(jwks(public_jwk(rsa_key("b"), kid="b")))
    assert provider.refresh() is True
    assert provider.refresh() is False  # inside the cooldown: no fetch at all
    assert fetch.calls == 1
    clock.now += 29.9
    assert provider.refresh() is False
    assert fetch.calls == 1
    clock.now += 0.1
    assert provider.refresh() is True
    assert fetch.calls == 2


@pytest.mark.parametrize(
    "failure",
    [
        OSError("network down"),
        KeySetError("JWKS endpoint did not answer 200"),
        ValueError("not JSON"),
        {"keys": "not a list"},
        {"no": "keys"},
        ["a", "list"],
        None,
        {"keys": []},  # a JWKS with no usable key would lock everyone out: a failure
        {"keys": [{"kty": "oct", "k": "c2VjcmV0"}]},
    ],
)
def test_a_failed_refresh_keeps_the_last_good_keys_and_counts(failure: Any) -> None:
    provider, fetch, clock = remote(jwks(public_jwk(rsa_key("b"), kid="b")))
    assert provider.refresh() is True
    good = provider.current()
    fetch.document = failure
    clock.now += 30
    assert provider.refresh() is False
    assert provider.current() == good
    assert [key.kid for key in provider.current()] == ["a", "b"]
    assert fetch.calls == 2
    assert provider.fetch_count == 2
    # The failure started a cooldown too: no retry for 30 s.
    clock.now += 10
    assert provider.refresh() is False
    assert fetch.calls == 2
    validator = IdTokenValidator(ISSUER, CLIENT_ID, provider, clock=clock)
    assert validator.validate(id_token("b", "b", clock.now)).ctx == "Cust1"


def test_a_failed_first_fetch_leaves_the_published_keys() -> None:
    provider, fetch, clock = remote(OSError("down"), KeySet())
    assert len(provider.current()) == 0
    assert len(provider.current()) == 0
    assert fetch.calls == 1
    # Only the first current() downloads by itself; later ones leave that to refresh().
    clock.now += 3600
    assert len(provider.current()) == 0
    assert fetch.calls == 1
    fetch.document = jwks(public_jwk(rsa_key("b"), kid="b"))
    assert provider.refresh() is True
    assert [key.kid for key in provider.current()] == ["b"]


def test_the_failure_log_carries_no_document_content(caplog: pytest.LogCaptureFixture) -> None:
    provider, _, _ = remote(ValueError("secret-looking detail"))
    provider.refresh()
    assert "secret-looking detail" not in caplog.text
    assert "ValueError" in caplog.text


def test_concurrent_refreshes_fetch_once() -> None:
    started = threading.Event()

    def slow_fetch(url: str) -> dict[str, Any]:
        started.set()
        time.sleep(0.2)
        return jwks(public_jwk(rsa_key("b"), kid="b"))

    counting = FakeFetch(None)

    def fetch(url: str) -> dict[str, Any]:
        counting.calls += 1
        return slow_fetch(url)

    provider = RemoteKeySet("https://example.com/jwks", published(), fetch=fetch)
    results: list[bool] = []
    threads = [
        threading.Thread(target=lambda: results.append(provider.refresh())) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counting.calls == 1
    assert sorted(results) == [False] * 7 + [True]


def test_published_and_fetched_copies_of_one_key_are_not_ambiguous() -> None:
    provider, _, clock = remote(jwks(public_jwk(rsa_key("a"), kid="a", use="sig")))
    provider.refresh()
    validator = IdTokenValidator(ISSUER, CLIENT_ID, provider, clock=clock)
    assert validator.validate(id_token("a", "a", clock.now)).ctx == "Cust1"


# --- the default fetch, against a real HTTP server on 127.0.0.1 ------------------------------


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        return  # the client hanging up on an oversize answer is the point of some tests


class JwksServer:
    def __init__(self, document: dict[str, Any]) -> None:
        body = json.dumps(document).encode()
        self.hits = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits += 1
                routes: dict[str, Callable[[], None]] = {
                    "/jwks": lambda: self.reply(200, body),
                    "/missing": lambda: self.reply(404, b"{}"),
                    "/moved": lambda: self.reply(302, b"", {"Location": "/jwks"}),
                    "/big": lambda: self.reply(200, b" " * (256 * 1024 + 1) + body),
                    "/big-chunked": self.chunked,
                    "/html": lambda: self.reply(200, b"<html>hello</html>"),
                    "/array": lambda: self.reply(200, b"[1, 2]"),
                    "/gzip": lambda: self.reply(
                        200, gzip.compress(body), {"Content-Encoding": "gzip"}
                    ),
                    # Claims compression but sends plain JSON: refused all the same.
                    "/gzip-label": lambda: self.reply(200, body, {"Content-Encoding": "gzip"}),
                    "/slow": self.slow,
                }
                routes.get(self.path, lambda: self.reply(404, b""))()

            def reply(
                self, status: int, data: bytes, headers: dict[str, str] | None = None
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def chunked(self) -> None:  # no Content-Length: the size cap must still hold
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                for _ in range(80):
                    self.wfile.write(b" " * 4096)
                self.wfile.write(body)

            def slow(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body) + 20))
                self.end_headers()
                for _ in range(20):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.05)
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture(scope="module")
def jwks_server() -> Iterator[JwksServer]:
    server = JwksServer(jwks(public_jwk(rsa_key("served"), kid="served")))
    yield server
    server.close()


def test_remote_key_set_downloads_with_the_default_fetch(jwks_server: JwksServer) -> None:
    provider = RemoteKeySet(f"{jwks_server.base}/jwks", KeySet())
    token = jwt.encode({"x": 1}, rsa_key("served"), algorithm="RS256", headers={"kid": "served"})
    assert verify_jws(token, provider.current(), ["RS256"]) == b'{"x":1}'
    assert provider.fetch_count == 1


def test_default_fetch_returns_the_document(jwks_server: JwksServer) -> None:
    document = fetch_jwks(f"{jwks_server.base}/jwks")
    assert [entry["kid"] for entry in document["keys"]] == ["served"]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "path",
    ["/missing", "/moved", "/big", "/big-chunked", "/html", "/array", "/gzip", "/gzip-label"],
)
def test_default_fetch_refuses_bad_answers(jwks_server: JwksServer, path: str) -> None:
    with pytest.raises(KeySetError):
        fetch_jwks(f"{jwks_server.base}{path}")
    provider = RemoteKeySet(f"{jwks_server.base}{path}", published())
    assert provider.refresh() is False
    assert [key.kid for key in provider.current()] == ["a"]


def test_default_fetch_does_not_follow_redirects(jwks_server: JwksServer) -> None:
    before = jwks_server.hits
    with pytest.raises(KeySetError):
        fetch_jwks(f"{jwks_server.base}/moved")
    assert jwks_server.hits == before + 1


def test_default_fetch_gives_up_on_a_slow_server(
    jwks_server: JwksServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fetch_module, "FETCH_TIMEOUT_SECONDS", 0.3)
    started = time.monotonic()
    with pytest.raises(KeySetError):
        fetch_jwks(f"{jwks_server.base}/slow")
    assert time.monotonic() - started < 0.9


def test_default_fetch_refuses_an_unreachable_server() -> None:
    with ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler) as closed:
        port = closed.server_address[1]
    with pytest.raises(KeySetError):
        fetch_jwks(f"http://127.0.0.1:{port}/jwks")


def test_fetch_errors_are_token_errors() -> None:
    assert issubclass(KeySetError, TokenError)


# --- RemoteKeySet: refreshed when old, kept while downloads fail, dropped when too old ---


def aging(document: Any) -> tuple[RemoteKeySet, FakeFetch, FakeClock]:
    fetch, clock = FakeFetch(document), FakeClock()
    provider = RemoteKeySet(
        "https://app.example.com/.well-known/jwks.json",
        KeySet(),
        fetch=fetch,
        clock=clock,
        refresh_after_seconds=300,
        max_stale_seconds=3600,
    )
    return provider, fetch, clock


def test_old_keys_are_downloaded_again_so_a_withdrawn_key_stops_verifying() -> None:
    provider, fetch, clock = aging(jwks(public_jwk(rsa_key("a"), kid="a")))
    assert [key.kid for key in provider.current()] == ["a"]
    clock.now += 299
    assert [key.kid for key in provider.current()] == ["a"]
    assert fetch.calls == 1
    fetch.document = jwks(public_jwk(rsa_key("b"), kid="b"))  # "a" withdrawn, "b" added
    clock.now += 1
    assert [key.kid for key in provider.current()] == ["b"]
    assert fetch.calls == 2


def test_while_downloads_fail_the_last_good_keys_verify_until_too_old() -> None:
    provider, fetch, clock = aging(jwks(public_jwk(rsa_key("a"), kid="a")))
    assert [key.kid for key in provider.current()] == ["a"]
    fetch.document = KeySetError("JWKS endpoint did not answer 200")
    clock.now += 300
    assert [key.kid for key in provider.current()] == ["a"]  # failed, kept
    assert fetch.calls == 2
    clock.now += 10
    provider.current()
    assert fetch.calls == 2  # the cooldown holds between failed attempts
    clock.now += 3600 - 310
    assert [key.kid for key in provider.current()] == ["a"]  # exactly the maximum age
    clock.now += 1
    assert len(provider.current()) == 0  # older: fails closed
    fetch.document = jwks(public_jwk(rsa_key("a"), kid="a"))
    clock.now += 30
    assert [key.kid for key in provider.current()] == ["a"]  # back once it answers


def test_a_cold_key_set_without_a_download_has_no_keys_and_tries_again() -> None:
    provider, fetch, clock = aging(OSError("down"))
    assert len(provider.current()) == 0
    assert fetch.calls == 1
    clock.now += 30
    assert len(provider.current()) == 0
    assert fetch.calls == 2  # retried after the cooldown, not only on an unknown kid


def test_staleness_settings_are_checked() -> None:
    url = "https://app.example.com/jwks"
    with pytest.raises(ValueError, match="refresh_after_seconds"):
        RemoteKeySet(url, KeySet(), fetch=FakeFetch({}), refresh_after_seconds=10)
    with pytest.raises(ValueError, match="max_stale_seconds"):
        RemoteKeySet(url, KeySet(), fetch=FakeFetch({}), max_stale_seconds=600)
    with pytest.raises(ValueError, match="max_stale_seconds"):
        RemoteKeySet(
            url,
            KeySet(),
            fetch=FakeFetch({}),
            refresh_after_seconds=300,
            max_stale_seconds=300,
        )
