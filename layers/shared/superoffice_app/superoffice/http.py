"""The HTTP client every SuperOffice call goes through, and the errors those calls raise.

Every call either returns a response the caller can read or raises a ``SuperOfficeError``:
``SuperOfficeUnavailable`` when trying again later may work (timeouts, connection errors,
5xx, 429), ``SuperOfficeApiError`` when SuperOffice refused the request itself, and
``AccessRevoked`` when the tenant took the app's access away. Messages are built from
status codes, error types and redacted server texts only, never from credentials, so
logging an exception is always safe.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    # For the annotations only: httpx is imported where a client is made or used (below),
    # so importing this module (for its errors, say) does not cost httpx's import.
    import httpx

__all__ = [
    "MAX_MESSAGE_LENGTH",
    "USER_AGENT",
    "AccessRevoked",
    "Clock",
    "SuperOfficeApiError",
    "SuperOfficeError",
    "SuperOfficeUnavailable",
    "UnexpectedResponse",
    "answer_excerpt",
    "api_error",
    "is_unavailable_status",
    "new_http_client",
    "parse_retry_after",
    "read_json",
    "redact",
    "send",
    "unavailable_error",
    "utc_now",
]

USER_AGENT: Final = "superoffice-app-backend/0.1 (SuperOffice partner app)"
MAX_MESSAGE_LENGTH: Final = 300
# An answer quoted in a log line: enough to see its shape, too little to copy records.
EXCERPT_LENGTH: Final = 160
_MASK: Final = "***"
_CONTROL_CHARACTERS: Final = re.compile(r"[\x00-\x1f\x7f]+")
# Property names whose values are credentials (a webhook's Secret, a token, a ticket, a
# password): masked in excerpts whatever the value looks like.
_SECRET_PROPERTY: Final = re.compile(r"secret|token|ticket|password|credential", re.IGNORECASE)
# SuperOffice credentials by their shape: tickets (7T:...), access tokens (8A:...).
_CREDENTIAL_VALUE: Final = re.compile(r"\b[0-9][A-Z]:[A-Za-z0-9+/=._-]{4,}")

Clock = Callable[[], datetime]
"""A source of aware datetimes; ``utc_now`` in production, a settable fake in tests."""


def utc_now() -> datetime:
    return datetime.now(UTC)


class SuperOfficeError(Exception):
    """Any failure talking to SuperOffice. The message never holds a credential."""


class SuperOfficeUnavailable(SuperOfficeError):
    """SuperOffice could not answer now (timeout, connection, 5xx, 429): retry later.

    ``retry_after_seconds`` is SuperOffice's own hint (``Retry-After``) when it gave one.
    """

    def __init__(
        self, message: str, *, status: int | None = None, retry_after_seconds: float | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after_seconds = retry_after_seconds


class SuperOfficeApiError(SuperOfficeError):
    """SuperOffice answered with an error about the request (4xx other than 429)."""

    def __init__(self, status: int, error_type: str | None, message: str) -> None:
        kind = f" {error_type}" if error_type else ""
        super().__init__(f"SuperOffice answered {status}{kind}: {message}")
        self.status = status
        self.error_type = error_type
        self.message = message


class AccessRevoked(SuperOfficeError):
    """The tenant revoked the app: no call will succeed until it is approved again."""


class UnexpectedResponse(SuperOfficeError):
    """SuperOffice answered successfully, but not with what the contract describes.

    ``operation`` names the call (SuperOffice's operationId, or method and path template),
    ``status`` is the answer's HTTP status and ``excerpt`` the start of the answer with
    credentials masked (``answer_excerpt``): what a log line needs to show what came back.
    They are None where the error was not raised about a tenant API answer.
    """

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        status: int | None = None,
        excerpt: str | None = None,
    ) -> None:
        super().__init__(message)
        self.operation = operation
        self.status = status
        self.excerpt = excerpt

    def log_fields(self) -> dict[str, Any]:
        """The fields for a log line: safe to log (no credential, bounded)."""
        return {"operation": self.operation, "status": self.status, "excerpt": self.excerpt}


def new_http_client(
    *,
    timeout_seconds: float = 10,
    connect_timeout_seconds: float = 3,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """The client for every SuperOffice call.

    Every phase of every request is bounded (connect, read, write, waiting for a pooled
    connection), so a slow SuperOffice cannot hold a Lambda invocation until it times out.
    Redirects are not followed: no SuperOffice endpoint this app uses redirects, and
    following one would carry tickets and the client secret to wherever it points.
    ``trust_env`` is off so a stray ``.netrc`` or proxy variable cannot add credentials
    or a man in the middle. ``transport`` exists for tests.
    """
    import httpx  # noqa: PLC0415 - on first use, see the imports above

    timeout = httpx.Timeout(
        timeout_seconds,
        connect=connect_timeout_seconds,
        read=timeout_seconds,
        write=timeout_seconds,
        pool=connect_timeout_seconds,
    )
    return httpx.Client(
        timeout=timeout,
        follow_redirects=False,
        limits=httpx.Limits(max_connections=20, max_keepalive_connections=10, keepalive_expiry=30),
        headers={"User-Agent": USER_AGENT},
        trust_env=False,
        transport=transport,
    )


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` without any of ``secrets``, control characters or excessive length.

    Server-supplied texts go into exception messages and from there into logs: an error
    message that echoes a ticket or a code must not carry it on, and a newline in it must
    not forge a log line.
    """
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, _MASK)
    text = _CONTROL_CHARACTERS.sub(" ", text).strip()
    if len(text) > MAX_MESSAGE_LENGTH:
        text = text[: MAX_MESSAGE_LENGTH - 1] + "…"
    return text


def answer_excerpt(answer: Any, secrets: Iterable[str] = ()) -> str:
    """The start of an answer for a log line, with every credential masked.

    ``answer`` is parsed JSON (or text that is not JSON). Values of properties named like
    credentials (``Secret``, ``...Token``, ``Ticket``, ``Password``) are masked whatever
    they hold, values shaped like SuperOffice tickets or access tokens too, and
    ``secrets`` (the caller's ticket and app token) wherever they appear.
    """
    if isinstance(answer, bytes):
        answer = answer.decode("utf-8", "replace")
    try:
        text = answer if isinstance(answer, str) else json.dumps(_masked(answer))
    except (TypeError, ValueError):
        text = type(answer).__name__
    text = _CREDENTIAL_VALUE.sub(_MASK, redact(text, secrets))
    if len(text) > EXCERPT_LENGTH:
        text = text[: EXCERPT_LENGTH - 1] + "…"
    return text


def _masked(value: Any, depth: int = 0) -> Any:
    if depth > 20:  # answers are read strictly elsewhere; a log line needs no more
        return "…"
    if isinstance(value, dict):
        return {
            key: _MASK
            if isinstance(key, str) and _SECRET_PROPERTY.search(key) and item not in (None, "")
            else _masked(item, depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_masked(item, depth + 1) for item in value]
    return value


def send(
    http: httpx.Client,
    method: str,
    url: str,
    *,
    what: str,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, Any] | None = None,
    json: Any = None,
    data: Mapping[str, str] | None = None,
) -> httpx.Response:
    """One request; a failure to get any answer becomes ``SuperOfficeUnavailable``.

    ``what`` names the call in messages (e.g. ``"state API"``); the exception's own text
    is left out because httpx puts URLs, and so possibly query parameters, into it.
    """
    import httpx  # noqa: PLC0415 - already loaded: ``http`` is an httpx client

    try:
        return http.request(method, url, headers=headers, params=params, json=json, data=data)
    except httpx.TimeoutException as error:
        raise SuperOfficeUnavailable(f"{what}: timed out ({type(error).__name__})") from None
    except httpx.TransportError as error:
        raise SuperOfficeUnavailable(f"{what}: no connection ({type(error).__name__})") from None


def is_unavailable_status(status: int) -> bool:
    return status == 429 or status >= 500


def unavailable_error(
    response: httpx.Response, *, what: str, now: datetime | None = None
) -> SuperOfficeUnavailable:
    """The error for a 429 or 5xx answer, with its ``Retry-After`` hint."""
    retry_after = parse_retry_after(response.headers.get("retry-after"), now=now)
    return SuperOfficeUnavailable(
        f"{what}: SuperOffice answered {response.status_code}",
        status=response.status_code,
        retry_after_seconds=retry_after,
    )


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds from ``now``: delay-seconds or an HTTP date (RFC 9110).

    Anything unreadable is ``None`` (no hint) rather than an error: the answer was an
    error already, and a bad hint must not hide it.
    """
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(int(value))
    # Imported here: email.utils brings socket and calendar, and only an answer with a
    # dated Retry-After needs it (the onboarding routes import this module at cold start).
    from email.utils import parsedate_to_datetime  # noqa: PLC0415

    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:  # RFC 9110 dates are GMT; "-0000" parses as naive
        moment = moment.replace(tzinfo=UTC)
    reference = now if now is not None else datetime.now(UTC)
    seconds = (moment - reference).total_seconds()
    return max(0.0, seconds) if math.isfinite(seconds) else None


def api_error(response: httpx.Response, *, secrets: Iterable[str] = ()) -> SuperOfficeApiError:
    """The error for a refused request, read from SuperOffice's error JSON if it sent one.

    ``{"Error": true, "ErrorType": ..., "ErrorMessage": ...}``; anything else keeps only
    the status, since an HTML error page is of no use in a log line.
    """
    error_type: str | None = None
    message = "no error details"
    body = _json_or_none(response)
    if isinstance(body, dict):
        raw_type = body.get("ErrorType")
        raw_message = body.get("ErrorMessage")
        if isinstance(raw_type, str) and raw_type:
            error_type = redact(raw_type, secrets)
        if isinstance(raw_message, str) and raw_message:
            message = redact(raw_message, secrets)
    return SuperOfficeApiError(response.status_code, error_type, message)


def read_json(response: httpx.Response, *, what: str, secrets: Iterable[str] = ()) -> Any:
    """The JSON body of a successful answer; ``None`` for an empty body."""
    if not response.content.strip():
        return None
    try:
        return response.json()
    except ValueError:
        raise UnexpectedResponse(
            f"{what}: the answer is not JSON",
            operation=what,
            status=response.status_code,
            excerpt=answer_excerpt(response.content, secrets),
        ) from None


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json() if response.content.strip() else None
    except ValueError:
        return None
