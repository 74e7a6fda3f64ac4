"""The HTTP client factory and the error helpers every SuperOffice call uses."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from so_testkit import NOW, FakeServer, json_response

from superoffice_app.superoffice.http import (
    MAX_MESSAGE_LENGTH,
    USER_AGENT,
    SuperOfficeApiError,
    SuperOfficeUnavailable,
    UnexpectedResponse,
    api_error,
    new_http_client,
    parse_retry_after,
    read_json,
    redact,
    send,
    unavailable_error,
)


def test_client_has_explicit_timeouts_no_redirects_and_names_the_app() -> None:
    client = new_http_client(timeout_seconds=7, connect_timeout_seconds=2)
    assert client.timeout == httpx.Timeout(7, connect=2, read=7, write=7, pool=2)
    assert client.follow_redirects is False
    assert client.headers["User-Agent"] == USER_AGENT
    assert "superoffice-app" in USER_AGENT
    assert client.trust_env is False


def test_client_does_not_follow_a_redirect() -> None:
    server = FakeServer()
    server.on(
        "GET",
        "https://sod.superoffice.com/x",
        httpx.Response(302, headers={"Location": "https://evil.example/"}),
    )
    client = new_http_client(transport=httpx.MockTransport(server))
    response = send(client, "GET", "https://sod.superoffice.com/x", what="test")
    assert response.status_code == 302
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    "error", [httpx.ReadTimeout("slow"), httpx.ConnectTimeout("slow"), httpx.PoolTimeout("x")]
)
def test_a_timeout_is_unavailable(error: Exception) -> None:
    server = FakeServer()
    server.on("GET", "https://sod.superoffice.com/x", error)
    with pytest.raises(SuperOfficeUnavailable, match="timed out") as caught:
        send(server.client(), "GET", "https://sod.superoffice.com/x", what="test")
    assert caught.value.status is None


def test_a_connection_error_is_unavailable_without_the_url() -> None:
    server = FakeServer()
    url = "https://sod.superoffice.com/x"
    server.on("GET", url, httpx.ConnectError("refused: https://sod.superoffice.com/x?code=SECRET"))
    with pytest.raises(SuperOfficeUnavailable, match="no connection") as caught:
        send(server.client(), "GET", url, params={"code": "SECRET"}, what="test")
    assert "SECRET" not in str(caught.value)


def test_retry_after_in_seconds() -> None:
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(" 0 ") == 0.0


def test_retry_after_as_http_date() -> None:
    now = datetime(2026, 2, 23, 9, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Mon, 23 Feb 2026 09:01:30 GMT", now=now) == 90.0
    assert parse_retry_after("Mon, 23 Feb 2026 08:00:00 GMT", now=now) == 0.0  # in the past


@pytest.mark.parametrize("value", [None, "", "soon", "-5", "1.5", "٣"])
def test_unreadable_retry_after_is_no_hint(value: str | None) -> None:
    assert parse_retry_after(value, now=NOW) is None


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_unavailable_error_carries_status_and_hint(status: int) -> None:
    response = httpx.Response(status, headers={"Retry-After": "30"})
    error = unavailable_error(response, what="GET /v1/List")
    assert error.status == status
    assert error.retry_after_seconds == 30.0
    assert str(error) == f"GET /v1/List: SuperOffice answered {status}"


def test_api_error_reads_superoffice_error_json() -> None:
    response = json_response(
        404,
        {
            "Error": True,
            "ErrorType": "SoNotFoundException",
            "ErrorMessage": "List 7 not found",
            "ErrorSource": "x",
        },
    )
    error = api_error(response)
    assert (error.status, error.error_type, error.message) == (
        404,
        "SoNotFoundException",
        "List 7 not found",
    )
    assert str(error) == "SuperOffice answered 404 SoNotFoundException: List 7 not found"


def test_api_error_without_json_keeps_the_status_only() -> None:
    error = api_error(httpx.Response(403, text="<html>Forbidden</html>"))
    assert (error.status, error.error_type, error.message) == (403, None, "no error details")


def test_api_error_redacts_credentials_and_control_characters() -> None:
    response = json_response(
        401, {"Error": True, "ErrorType": "Unauthorized", "ErrorMessage": "ticket 7T:abc\nFAKE LOG"}
    )
    error = api_error(response, secrets=["7T:abc"])
    assert isinstance(error, SuperOfficeApiError)
    assert "7T:abc" not in str(error)
    assert "\n" not in str(error)
    assert error.message == "ticket *** FAKE LOG"


def test_redact_bounds_length_and_prefers_longer_secrets() -> None:
    assert len(redact("x" * 1000)) == MAX_MESSAGE_LENGTH
    assert redact("abcdef abc", ["abc", "abcdef"]) == "*** ***"
    assert redact("nothing", ["", "zzz"]) == "nothing"


def test_read_json() -> None:
    assert read_json(httpx.Response(200, content=b""), what="t") is None
    assert read_json(httpx.Response(204), what="t") is None
    assert read_json(httpx.Response(200, json=[1]), what="t") == [1]
    with pytest.raises(UnexpectedResponse, match="not JSON"):
        read_json(httpx.Response(200, text="<html>"), what="t")
