"""The app's HTTP port: a stdlib ThreadingHTTPServer in front of the gateway.

Threads, because a function may call back into the app while its own request is open
(the authorizer fetches the session JWKS from the app). One log line per request:
method, path, status, milliseconds. `GET /_local/health` is answered here, not routed.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import traceback
from collections.abc import Callable
from http.server import ThreadingHTTPServer
from typing import Any, Final

from local.http_handler import MAX_BODY_BYTES, DispatchingHandler
from local.runner.http_exchange import HttpRequest, HttpResponse

HEALTH_PATH: Final = "/_local/health"
Log = Callable[[str], None]
Handle = Callable[[HttpRequest], HttpResponse]


class AppHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # Restarting on the same port right after a stop must work.
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], *, log: Log) -> None:
        self.log = log
        self.handle_request_function: Handle = lambda _request: HttpResponse.message(
            503, "Service Unavailable"
        )
        self.health: Callable[[], dict[str, Any]] = dict
        super().__init__(address, _Handler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            return
        self.log(f"connection from {client_address[0]} failed:\n{traceback.format_exc()}")


class ServingThread:
    """`server.serve_forever` on a daemon thread; `stop()` shuts down and closes."""

    def __init__(self, server: AppHTTPServer) -> None:
        self.server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self._thread.join()
        self.server.server_close()


class _Handler(DispatchingHandler):
    server: AppHTTPServer
    server_version = "LocalHttpApi/1"
    timeout = 120

    def _dispatch(self) -> None:
        started = time.perf_counter()
        body = self._read_body()
        if body is None:
            response = self._unreadable_body()
            self.close_connection = True
        elif self.path.split("?", 1)[0] == HEALTH_PATH and self.command == "GET":
            payload = json.dumps(self.server.health(), indent=2).encode()
            response = HttpResponse(200, [("Content-Type", "application/json")], payload)
        else:
            request = HttpRequest(
                method=self.command,
                target=self.path,
                headers=list(self.headers.items()),
                body=body,
                source_ip=self.client_address[0],
            )
            try:
                response = self.server.handle_request_function(request)
            except Exception:
                self.server.log(f"{self.command} {self.path} failed:\n{traceback.format_exc()}")
                response = HttpResponse.message(500, "Internal Server Error")
        elapsed = (time.perf_counter() - started) * 1000
        self.server.log(f"{self.command} {self.path} {response.status} {elapsed:.0f}ms")
        self._send(response)

    def _unreadable_body(self) -> HttpResponse:
        """Why `_read_body` gave up, in API Gateway's words (always a 4xx)."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return HttpResponse.message(411, "Length Required")
        length = self._declared_length()
        if length is not None and length > MAX_BODY_BYTES:
            return HttpResponse.message(413, "Request Entity Too Large")
        return HttpResponse.message(400, "Bad Request")

    def _send(self, response: HttpResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        # One line per request is written by _dispatch; the stdlib's own lines are noise.
        return
