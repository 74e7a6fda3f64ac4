"""The request-handler base of the local stack's HTTP servers (app gateway, simulator).

Every method goes to one `_dispatch`, whatever its name: API Gateway answers a method
it has no route for with 404 JSON like any other unknown route, where the standard
library would answer 501 with an HTML page. Requests the standard library cannot parse
(a malformed request line, an unsupported HTTP version, headers too long) are answered
as JSON too. Bodies are read whole, with a size cap and without chunked uploads (API
Gateway and SuperOffice both need a Content-Length).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Final

MAX_BODY_BYTES: Final = 10 * 1024 * 1024  # API Gateway's payload limit

# What the standard library would answer with a 5xx, as API Gateway answers it: a method
# without a route is Not Found, a request in an HTTP version it does not speak is refused.
_CLIENT_STATUS: Final = {
    HTTPStatus.NOT_IMPLEMENTED: HTTPStatus.NOT_FOUND,
    HTTPStatus.HTTP_VERSION_NOT_SUPPORTED: HTTPStatus.BAD_REQUEST,
}


class DispatchingHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle's algorithm on, the body
    # waits for the client's delayed ACK (40 ms per keep-alive request on Linux).
    disable_nagle_algorithm = True

    def _dispatch(self) -> None:
        raise NotImplementedError

    def __getattr__(self, name: str) -> Callable[[], None]:
        # http.server looks up `do_<METHOD>` for the request's method, any token at all.
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    def parse_request(self) -> bool:
        """http.server's parsing, minus HTTP/0.9: a request without a version, or with
        0.9, would be answered without a status line; API Gateway refuses it."""
        if not super().parse_request():
            return False
        if self.request_version not in ("HTTP/1.0", "HTTP/1.1"):
            self.send_error(HTTPStatus.BAD_REQUEST)
            return False
        return True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Requests http.server refuses itself, as `{"message": ...}` JSON, never HTML.

        The message is the status's phrase only: http.server's own quotes the request line.
        """
        try:
            status = _CLIENT_STATUS.get(HTTPStatus(code), HTTPStatus(code))
        except ValueError:
            status = HTTPStatus.BAD_REQUEST
        self.close_connection = True
        # An unparsable request line leaves http.server assuming HTTP/0.9, which has no
        # status line or headers; answer it like any other client instead.
        self.request_version = self.protocol_version
        body = json.dumps({"message": status.phrase}, separators=(",", ":")).encode()
        with contextlib.suppress(OSError):
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if getattr(self, "command", None) != "HEAD":
                self.wfile.write(body)

    def _declared_length(self) -> int | None:
        """The Content-Length (0 without one); None when malformed, negative or repeated
        with another value (two lengths are two readings of one request)."""
        values = {value.strip() for value in self.headers.get_all("Content-Length") or ["0"]}
        if len(values) != 1:
            return None
        text = values.pop()
        if not (text.isascii() and text.isdigit()):
            return None
        return int(text)

    def _read_body(self) -> bytes | None:
        """The request body; None when too large, of unknown length (chunked) or malformed."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return None
        length = self._declared_length()
        if length is None or length > MAX_BODY_BYTES:
            return None
        return self.rfile.read(length) if length else b""
