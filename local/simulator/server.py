"""The simulator's HTTP server: stdlib ThreadingHTTPServer, JSON everywhere, one log line each.

A failing route answers 500 with a JSON body and logs its traceback here; the client never
sees a traceback or an HTML error page.
"""

from __future__ import annotations

import contextlib
import datetime
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable
from http import HTTPStatus
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from local import defaults
from local.app_credentials import load_or_create_app_credentials
from local.http_handler import DispatchingHandler
from local.simulator.app import build_router
from local.simulator.apps import app_from_credentials
from local.simulator.context import SimulatorContext
from local.simulator.routing import (
    HTTPError,
    MethodNotAllowed,
    Request,
    Response,
    RouteNotFound,
    Router,
)
from local.simulator.state import SimulatorState
from local.superid_keys import load_or_create_signing_key

LogSink = Callable[[str], None]
# Request bodies larger than this are refused; nothing SuperOffice receives comes close.


def write_to_stderr(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


class SimulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], *, log: LogSink = write_to_stderr) -> None:
        self.log = log
        self.router: Router = Router()
        self.state = SimulatorState()
        super().__init__(address, _RequestHandler)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that hang up mid-answer are normal (and later injected on purpose).
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            self.log(f"{_now()} {client_address[0]} connection ended: {error!r}")
            return
        self.log(f"{_now()} {client_address[0]} connection failed:\n{traceback.format_exc()}")


def create_server(
    host: str = defaults.LOCAL_HOST,
    port: int = defaults.SIMULATOR_PORT,
    *,
    state_dir: Path | None = None,
    log: LogSink = write_to_stderr,
    state: SimulatorState | None = None,
    contract_mode: str | None = None,
) -> SimulatorHTTPServer:
    """Bind the simulator (OSError if the address is taken) and mount its routes.

    With port 0 the system picks a free port; `server.base_url` tells which. Without
    `state`, the simulator starts from the seeded tenants and knows one app: the local
    app of `local.app_credentials` (created under the state dir on first use).
    `contract_mode` (`off`, `report`, `enforce`; see `contract_refusals`) sets how the
    tenant API holds requests to SuperOffice's published contract; without it the state
    keeps its mode (`$LOCAL_SIMULATOR_CONTRACT`, else `enforce`).
    """
    server = SimulatorHTTPServer((host, port), log=log)
    try:
        directory = state_dir or defaults.local_state_dir()
        signing_key = load_or_create_signing_key(directory)
        if state is None:
            credentials = load_or_create_app_credentials(directory)
            state = SimulatorState([app_from_credentials(credentials)])
        if contract_mode is not None:
            state.contract.mode = contract_mode
        state.contract.set_log(log)
        server.state = state
        server.router = build_router(SimulatorContext(server.base_url, signing_key, state))
    except BaseException:
        server.server_close()
        raise
    return server


class RunningSimulator:
    """A simulator serving on a background thread; a context manager that stops it."""

    def __init__(self, server: SimulatorHTTPServer) -> None:
        self.server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def state(self) -> SimulatorState:
        return self.server.state

    def stop(self) -> None:
        self.server.shutdown()
        self._thread.join()
        self.server.server_close()

    def __enter__(self) -> RunningSimulator:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def start_simulator(
    host: str = defaults.LOCAL_HOST,
    port: int = 0,
    *,
    state_dir: Path | None = None,
    log: LogSink = write_to_stderr,
    state: SimulatorState | None = None,
    contract_mode: str | None = None,
) -> RunningSimulator:
    """Serve on a background thread (port 0: a free one); stop it with `with` or `.stop()`."""
    return RunningSimulator(
        create_server(
            host, port, state_dir=state_dir, log=log, state=state, contract_mode=contract_mode
        )
    )


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"


class _RequestHandler(DispatchingHandler):
    server: SimulatorHTTPServer
    server_version = "SuperOfficeSimulator/1"
    # An idle keep-alive connection must not hold its thread forever.
    timeout = 60

    def version_string(self) -> str:
        return self.server_version

    def _dispatch(self) -> None:
        started = time.perf_counter()
        target = urlsplit(self.path)
        body = self._read_body()
        if body is None:
            response = Response.error(411, "length_required", "send a Content-Length")
            self.close_connection = True
        else:
            request = Request(
                method=self.command,
                path=target.path,
                query=parse_qs(target.query, keep_blank_values=True),
                headers=self.headers,
                body=body,
                client_address=self.client_address[0],
            )
            response = self._respond(request)
        elapsed = (time.perf_counter() - started) * 1000
        outcome = (
            "dropped" if response.drop_connection else f"{response.status} {len(response.body)}"
        )
        # Logged before answering, so whoever sees the answer can also see the line.
        self.server.log(
            f'{_now()} {self.client_address[0]} "{self.command} {self.path}" '
            f"{outcome} {elapsed:.1f}ms"
        )
        self._send(response)

    def _respond(self, request: Request) -> Response:
        method = "GET" if request.method == "HEAD" else request.method
        try:
            handler, parameters = self.server.router.match(method, request.path)
        except RouteNotFound:
            return Response.error(404, "not_found", f"no route for {method} {request.path}")
        except MethodNotAllowed as error:
            response = Response.error(
                405, "method_not_allowed", f"{method} is not allowed on {request.path}"
            )
            return Response(
                response.status, response.body, {**response.headers, "Allow": str(error)}
            )
        try:
            return handler(
                Request(
                    method=request.method,
                    path=request.path,
                    query=request.query,
                    headers=request.headers,
                    body=request.body,
                    client_address=request.client_address,
                    path_parameters=parameters,
                )
            )
        except HTTPError as error:
            return Response.error(error.status, error.slug, str(error))
        except Exception:
            self.server.log(
                f"{_now()} {request.method} {request.path} failed:\n{traceback.format_exc()}"
            )
            return Response.error(500, "internal_error", "the simulator failed; see its log")

    def _send(self, response: Response) -> None:
        if response.drop_connection:
            # Hang up without a status line: the client sees the connection reset/closed.
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    # -- BaseHTTPRequestHandler's own error path and logging ------------------------

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors found by http.server itself (bad request line, ...) as JSON too."""
        self.close_connection = True
        # An unparsable request line leaves http.server assuming HTTP/0.9, which has no
        # status line or headers; answer it like any other client instead.
        self.request_version = self.protocol_version
        try:
            slug = HTTPStatus(code).phrase.lower().replace(" ", "_")
        except ValueError:
            slug = "error"
        response = Response.error(code, slug, message or explain or slug.replace("_", " "))
        self.server.log(f"{_now()} {self.client_address[0]} {code} {message or ''}".rstrip())
        with contextlib.suppress(OSError):
            self._send(response)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # _dispatch writes one line per request with the timing; nothing more here.
        return

    def log_message(self, format: str, *args: Any) -> None:
        self.server.log(f"{_now()} {self.client_address[0]} {format % args}")
