"""The app's HTTP port answers what the standard library cannot parse as API Gateway does.

Issue 11: an unknown method got http.server's 501 HTML page where API Gateway answers
404 `{"message":"Not Found"}`. Requests are written byte by byte on a socket, so the
request line, versions and headers can be anything at all.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.runner.http_server import AppHTTPServer, ServingThread
from local.simulator import start_simulator
from tests.unit.runner.test_runner_gateway import gateway


@pytest.fixture(scope="module")
def server() -> Iterator[AppHTTPServer]:
    api, _ = gateway({"App": {"statusCode": 200, "body": "ok"}})
    running = AppHTTPServer(("127.0.0.1", 0), log=lambda _line: None)
    running.handle_request_function = api.handle
    serving = ServingThread(running)
    yield running
    serving.stop()


def exchange(port: int, data: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes; the status, headers (lower-cased names) and body of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(data)
        connection.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    version, status, _ = status_line.split(" ", 2)
    assert version == "HTTP/1.1", status_line
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status), headers, body


@pytest.mark.parametrize("method", [b"FOO", b"M-SEARCH", b"PROPFIND", b"TRACE", b"CONNECT", b"get"])
def test_an_unknown_method_is_404_json_not_501_html(server: AppHTTPServer, method: bytes) -> None:
    status, headers, body = exchange(server.port, method + b" /open HTTP/1.1\r\nHost: x\r\n\r\n")
    assert (status, body) == (404, b'{"message":"Not Found"}')
    assert headers["content-type"] == "application/json"


def test_an_unknown_path_is_404_json(server: AppHTTPServer) -> None:
    status, _, body = exchange(server.port, b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n")
    assert (status, body) == (404, b'{"message":"Not Found"}')


@pytest.mark.parametrize(
    ("request_bytes", "expected"),
    [
        (b"garbage\r\n\r\n", 400),
        (b"GET /open HTTP/1.1 extra\r\n\r\n", 400),
        (b"GET /open HTTP/2.0\r\n\r\n", 400),  # http.server: 505
        (b"GET /open HTTP/0.9\r\n\r\n", 400),  # http.server: an answer without status line
        (b"GET /open\r\n\r\n", 400),
        (b"GET /open HTTP/x.y\r\n\r\n", 400),
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", 414),
        (b"GET /open HTTP/1.1\r\n" + b"X: y\r\n" * 200 + b"\r\n", 431),
        (b"GET /open HTTP/1.1\r\nX: " + b"y" * 70_000 + b"\r\n\r\n", 431),
        (b"GET /open HTTP/1.1\r\nContent-Length: abc\r\n\r\n", 400),
        (b"GET /open HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400),
        (b"GET /open HTTP/1.1\r\nContent-Length: \xc2\xb2\r\n\r\n", 400),  # a Unicode digit
        (b"POST /open HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400),
        (b"POST /open HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n", 413),
        (b"POST /open HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 411),
    ],
    ids=[
        "garbage",
        "extra-word",
        "http-2",
        "http-0.9",
        "no-version",
        "bad-version",
        "uri-too-long",
        "too-many-headers",
        "header-too-long",
        "length-not-a-number",
        "length-negative",
        "length-unicode-digit",
        "two-lengths",
        "too-large",
        "chunked",
    ],
)
def test_what_http_server_refuses_is_a_json_4xx(
    server: AppHTTPServer, request_bytes: bytes, expected: int
) -> None:
    status, headers, body = exchange(server.port, request_bytes)
    assert status == expected
    assert headers["content-type"] == "application/json"
    message = json.loads(body)["message"]
    assert "<" not in message
    assert "garbage" not in message  # the request line is never quoted back


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET /open?\xff=\x00 HTTP/1.1\r\nCookie: \xff\r\n\r\n",
        b"GET /open HTTP/1.1\r\nHost: \xff\r\nX-Amzn-Trace-Id: \x00\r\n\r\n",
        b"GET /closed/%ff HTTP/1.1\r\n\r\n",
        b"GET /\xff\xfe HTTP/1.1\r\n\r\n",
        b"GET * HTTP/1.1\r\n\r\n",
        b"GET http://elsewhere/open HTTP/1.1\r\n\r\n",
    ],
)
def test_odd_bytes_in_a_parsable_request_are_routed_not_failed(
    server: AppHTTPServer, request_bytes: bytes
) -> None:
    status, _, _ = exchange(server.port, request_bytes)
    assert status in (200, 401, 404)


def test_the_simulator_still_answers_unknown_methods_with_its_own_json(tmp_path: Path) -> None:
    with start_simulator(port=0, state_dir=tmp_path, log=lambda _line: None) as simulator:
        port = int(simulator.base_url.rsplit(":", 1)[1])
        status, headers, body = exchange(port, b"FOO /nowhere HTTP/1.1\r\nHost: x\r\n\r\n")
        assert status == 404
        assert headers["content-type"].startswith("application/json")
        assert json.loads(body)
        status, _, body = exchange(port, b"garbage\r\n\r\n")
        assert status == 400
        assert json.loads(body)
