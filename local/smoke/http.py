"""Requests of the smoke test: transport failures become `NoAnswer`, answers one phrase."""

from __future__ import annotations

from typing import Any, Final

import httpx

USER_AGENT: Final = "superoffice-app-smoke/1"


class NoAnswer(Exception):
    """The stack gave no HTTP answer (refused, timed out, TLS failed); says which."""


def new_client(timeout: float) -> httpx.Client:
    # Certificates verified (httpx's default), redirects never followed: the answers
    # themselves are what is checked.
    return httpx.Client(
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT},
    )


def send(client: httpx.Client, method: str, url: str, **options: Any) -> httpx.Response:
    try:
        return client.request(method, url, **options)
    except httpx.HTTPError as error:
        raise NoAnswer(f"no answer from {method} {url}: {describe_error(error)}") from None


def describe_error(error: httpx.HTTPError) -> str:
    detail = str(error) or "no detail"
    return f"{type(error).__name__} ({detail})"


def describe(response: httpx.Response) -> str:
    """`404 application/json`, the status and the media type, as a line can carry them."""
    media_type = response.headers.get("content-type", "").split(";", 1)[0].strip()
    return f"{response.status_code} {media_type or 'without a content type'}"


def message_of(response: httpx.Response) -> str:
    """The JSON answer's `message`, if there is one (short: it goes into one line)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    message = body.get("message") if isinstance(body, dict) else None
    return f" {message[:80]!r}" if isinstance(message, str) else ""
