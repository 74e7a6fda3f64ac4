"""What every answer of the local stack is checked for, and requests sent byte for byte.

An answer is wrong when it is a 5xx (whatever the request: a malformed one is the
client's fault and gets a 4xx), shows a Python traceback, or carries a secret of the
stack: the app's client secret and private key, the session key ring, the simulator's
signing key, the tenant's system token and webhook secret, or the session, bearer and
sign-in tokens the test itself sent (those only in `Set-Cookie`, where the sign-in
legitimately puts them). Failure messages name a secret, never show it.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from http.client import HTTPResponse
from pathlib import Path
from typing import Final
from urllib.parse import unquote_to_bytes, urlsplit

TRACEBACK_MARKERS: Final = ("Traceback (most recent call last)", 'File "', '.py", line ')
# SuperOffice's ticket and access-token formats, as the simulator issues them.
CREDENTIAL_PATTERNS: Final = {
    "a system-user ticket": re.compile(r"7T:[A-Za-z0-9_-]{20,}"),
    "a SuperOffice access token": re.compile(r"8A:Cust[0-9]+\.[A-Za-z0-9_-]{20,}"),
}
# Long secrets are looked for in pieces, so that a page showing part of one is caught.
FRAGMENT: Final = 40
RAW_TIMEOUT_SECONDS: Final = 60.0


@dataclass(frozen=True)
class Answer:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def __repr__(self) -> str:
        # Short, and without cookies: assertion reports print it.
        return f"Answer({self.status}, {self.header('content-type')!r}, {len(self.body)} bytes)"


@dataclass
class Secrets:
    """Named secret values; `server` ones must appear nowhere, `client` ones only in cookies."""

    server: dict[str, str] = field(default_factory=dict)
    client: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        # Test reports print objects; never these values.
        return f"Secrets({sorted(self.server) + sorted(self.client)})"

    def add(self, name: str, value: str | None, *, client: bool = False) -> None:
        if value:
            (self.client if client else self.server)[name] = value

    def found_in(self, text: str, *, client: bool) -> list[str]:
        named = {**self.server, **(self.client if client else {})}
        return sorted(name for name, value in named.items() if _occurs(value, text))


def _occurs(value: str, text: str) -> bool:
    if len(value) <= FRAGMENT:
        return value in text
    pieces = (value[i : i + FRAGMENT] for i in range(0, len(value) - FRAGMENT + 1, FRAGMENT))
    return any(piece in text for piece in pieces)


def _readable(raw: bytes) -> str:
    """The bytes as text, and again with percent-escapes undone (Location, cookies)."""
    text = raw.decode("latin-1")
    return text + "\n" + unquote_to_bytes(text).decode("latin-1")


def problems_of(answer: Answer, secrets: Secrets) -> list[str]:
    """What is wrong with `answer`, in words; empty when nothing is."""
    found: list[str] = []
    if answer.status >= 500:
        found.append(f"answered {answer.status}")
    body = _readable(answer.body)
    if any(marker in body for marker in TRACEBACK_MARKERS):
        found.append("shows a traceback")
    other_headers = "\n".join(f"{k}: {v}" for k, v in answer.headers if k.lower() != "set-cookie")
    cookies = "\n".join(v for k, v in answer.headers if k.lower() == "set-cookie")
    leaked = set(secrets.found_in(body, client=True))
    leaked |= set(secrets.found_in(_readable(other_headers.encode("latin-1")), client=True))
    leaked |= set(secrets.found_in(_readable(cookies.encode("latin-1")), client=False))
    for name, pattern in CREDENTIAL_PATTERNS.items():
        if pattern.search(body) or pattern.search(other_headers) or pattern.search(cookies):
            leaked.add(name)
    found += [f"shows {name}" for name in sorted(leaked)]
    return found


# -- the stack's secrets ---------------------------------------------------------------

PEM_LINE: Final = re.compile(r"^[A-Za-z0-9+/=]{24,}$", re.MULTILINE)
XML_PRIVATE: Final = ("P", "Q", "DP", "DQ", "InverseQ", "D")


def pem_body(pem: str) -> str:
    """The base64 of a PEM, its lines joined: what a leak would show."""
    return "".join(PEM_LINE.findall(pem))


def stack_file_secrets(state_dir: Path) -> dict[str, str]:
    """The secrets the local stack keeps in its state directory (local/app_credentials.py,
    local/runner/session_keys.py, local/superid_keys.py)."""
    app = state_dir / "app"
    found = {
        "the client secret": (app / "client-secret").read_text("utf-8").strip(),
        "the app's private key (PEM)": pem_body((app / "private-key.pem").read_text("ascii")),
        "the simulator's signing key": pem_body(
            (state_dir / "superoffice" / "signing-key.pem").read_text("ascii")
        ),
    }
    xml = (app / "private-key.xml").read_text("ascii")
    for element in XML_PRIVATE:
        value = re.search(rf"<{element}>\s*([A-Za-z0-9+/=\s]+?)\s*</{element}>", xml)
        if value:
            found[f"the app's private key (XML {element})"] = re.sub(r"\s", "", value.group(1))
    ring = json.loads((app / "session-keys.json").read_text("ascii"))
    for number, key in enumerate(ring.get("keys") or []):
        found[f"session key {number}"] = pem_body(str(key.get("private_key_pem", "")))
    return found


# -- requests byte for byte ------------------------------------------------------------


def send_raw(
    base_url: str,
    method: str,
    target: str,
    *,
    headers: Sequence[tuple[str, bytes | str]] = (),
    body: bytes = b"",
    timeout: float = RAW_TIMEOUT_SECONDS,
) -> Answer:
    """Send exactly this request line, these headers and this body; read the answer.

    `target` goes out as given (percent-escapes, `..`, raw UTF-8 and all); a Content-Length
    is added unless a Transfer-Encoding header is given.
    """
    address = urlsplit(base_url)
    host, port = address.hostname or "127.0.0.1", address.port or 80
    # UTF-8: a request line with raw non-ASCII characters is hostile input too.
    lines = [f"{method} {target} HTTP/1.1".encode(), f"Host: {host}:{port}".encode()]
    names = {name.lower() for name, _ in headers}
    for name, value in headers:
        raw = value if isinstance(value, bytes) else value.encode("latin-1")
        lines.append(name.encode("latin-1") + b": " + raw)
    if "transfer-encoding" not in names and "content-length" not in names:
        lines.append(f"Content-Length: {len(body)}".encode())
    lines.append(b"Connection: close")
    request = b"\r\n".join(lines) + b"\r\n\r\n" + body
    with socket.create_connection((host, port), timeout=timeout) as connection:
        connection.sendall(request)
        response = HTTPResponse(connection, method=method)
        response.begin()
        content = response.read()
        return Answer(response.status, tuple(response.getheaders()), content)


def raw_cookie_header(pairs: Iterable[tuple[str, str]]) -> bytes:
    return "; ".join(f"{name}={value}" for name, value in pairs).encode("utf-8")


def redact(text: str, secrets: Secrets) -> str:
    """`text` with every secret the test knows replaced by its name."""
    for name, value in {**secrets.server, **secrets.client}.items():
        text = text.replace(value, f"<{name}>")
    return text


def _redacted(value: bytes | str, secrets: Secrets) -> bytes | str:
    if isinstance(value, str):
        return redact(value, secrets)
    for name, secret in {**secrets.server, **secrets.client}.items():
        value = value.replace(secret.encode("utf-8"), f"<{name}>".encode())
    return value


def describe(
    method: str,
    target: str,
    headers: Sequence[tuple[str, bytes | str]],
    body: bytes,
    secrets: Secrets,
) -> str:
    """One line for a failure report: the request, its secrets named, long values cut."""
    shown = [(name, cut(_redacted(value, secrets))) for name, value in headers]
    target_shown, body_shown = cut(redact(target, secrets)), cut(_redacted(body, secrets))
    return f"{method} {target_shown} headers={shown!r} body={body_shown!r}"


def cut(value: bytes | str, keep: int = 160) -> bytes | str:
    if len(value) <= keep:
        return value
    more = f"...({len(value)} in all)"
    return value[:keep] + (more.encode() if isinstance(value, bytes) else more)
