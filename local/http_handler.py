"""The request-handler base of the local stack's HTTP servers (app gateway, simulator).

Every method goes to one `_dispatch`; bodies are read whole, with a size cap and without
chunked uploads (API Gateway and SuperOffice both need a Content-Length).
"""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from typing import Final

MAX_BODY_BYTES: Final = 10 * 1024 * 1024  # API Gateway's payload limit


class DispatchingHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle's algorithm on, the body
    # waits for the client's delayed ACK (40 ms per keep-alive request on Linux).
    disable_nagle_algorithm = True

    def _dispatch(self) -> None:
        raise NotImplementedError

    def do_GET(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_OPTIONS(self) -> None:
        self._dispatch()

    def _read_body(self) -> bytes | None:
        """The request body; None when too large or of unknown length (chunked)."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return None
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return None
        if length < 0 or length > MAX_BODY_BYTES:
            return None
        return self.rfile.read(length) if length else b""
