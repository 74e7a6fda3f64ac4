"""The tenant state API: parsing, caching until ValidUntil, refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from so_testkit import API, CTX, ENVIRONMENT, NOW, Clock, FakeServer, json_response, state_body

from superoffice_app.environments import Environment
from superoffice_app.superoffice.http import (
    SuperOfficeApiError,
    SuperOfficeUnavailable,
    UnexpectedResponse,
)
from superoffice_app.superoffice.state_api import (
    StateApiClient,
    TenantNotFound,
    parse_valid_until,
)

URL = ENVIRONMENT.state_api_url(CTX)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-02-23T09:52:01.9342965Z", datetime(2026, 2, 23, 9, 52, 1, 934296, tzinfo=UTC)),
        ("2026-02-23T09:52:01.934296Z", datetime(2026, 2, 23, 9, 52, 1, 934296, tzinfo=UTC)),
        ("2026-02-23T09:52:01.9Z", datetime(2026, 2, 23, 9, 52, 1, 900000, tzinfo=UTC)),
        ("2026-02-23T09:52:01Z", datetime(2026, 2, 23, 9, 52, 1, tzinfo=UTC)),
        ("2026-02-23T09:52:01.1234567", datetime(2026, 2, 23, 9, 52, 1, 123456, tzinfo=UTC)),
        ("2026-02-23T10:52:01.0000000+01:00", datetime(2026, 2, 23, 9, 52, 1, tzinfo=UTC)),
        ("2026-02-23T10:52:01+0100", datetime(2026, 2, 23, 9, 52, 1, tzinfo=UTC)),
    ],
)
def test_valid_until_with_seven_fractional_digits(text: str, expected: datetime) -> None:
    parsed = parse_valid_until(text)
    assert parsed == expected
    assert parsed.tzinfo is UTC


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
    st.integers(min_value=0, max_value=9),
)
def test_valid_until_round_trips_with_any_seventh_digit(moment: datetime, seventh: int) -> None:
    text = moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + f"{seventh}Z"
    assert parse_valid_until(text) == moment.replace(tzinfo=UTC)


@pytest.mark.parametrize("text", ["", "tomorrow", "2026-02-23", "2026-13-01T00:00:00Z"])
def test_unparseable_valid_until(text: str) -> None:
    with pytest.raises(ValueError, match="not an ISO 8601 timestamp"):
        parse_valid_until(text)


def make(server: FakeServer, clock: Clock, **options: float) -> StateApiClient:
    return StateApiClient(server.client(), ENVIRONMENT, clock, **options)


def test_state_is_parsed() -> None:
    server = FakeServer()
    server.on("GET", URL, json_response(200, state_body()))
    state = make(server, Clock()).get(CTX)
    assert state.ctx == CTX
    assert state.state == "Running"
    assert state.is_running is True
    assert state.api == API
    assert state.endpoint == "https://sod2.superoffice.com/Cust12345"
    assert state.version == "Release_11.10_2026.02.24-02"
    assert state.valid_until == datetime(2026, 2, 23, 9, 52, 1, 934296, tzinfo=UTC)
    assert state.raw["ValidUntil"] == "2026-02-23T09:52:01.9342965Z"
    assert server.requests[0].url == "https://sod.superoffice.com/api/state/Cust12345"
    assert "authorization" not in server.requests[0].headers


def test_state_is_cached_until_valid_until() -> None:
    server = FakeServer()
    server.on("GET", URL, json_response(200, state_body()))
    clock = Clock()
    states = make(server, clock)
    first = states.get(CTX)
    clock.now = datetime(2026, 2, 23, 9, 52, 1, tzinfo=UTC)  # just before ValidUntil
    assert states.get(CTX) is first
    assert len(server.requests) == 1
    clock.now = datetime(2026, 2, 23, 9, 52, 2, tzinfo=UTC)  # after it
    assert states.get(CTX) is not first
    assert len(server.requests) == 2


def test_refresh_and_forget_ask_again() -> None:
    server = FakeServer()
    moved = "https://sod3.superoffice.com/Cust12345/api"
    server.on(
        "GET",
        URL,
        json_response(200, state_body()),
        json_response(200, state_body(Api=moved)),
        json_response(200, state_body()),
    )
    states = make(server, Clock())
    assert states.get(CTX).api == API
    assert states.get(CTX, refresh=True).api == moved
    assert states.get(CTX).api == moved  # the refreshed answer is cached
    states.forget(CTX)
    assert states.get(CTX).api == API
    assert len(server.requests) == 3


def test_cache_time_is_capped() -> None:
    server = FakeServer()
    server.on("GET", URL, json_response(200, state_body(ValidUntil="2099-01-01T00:00:00.0000000Z")))
    clock = Clock()
    states = make(server, clock, max_cache_seconds=600)
    states.get(CTX)
    clock.advance(599)
    states.get(CTX)
    assert len(server.requests) == 1
    clock.advance(2)
    states.get(CTX)
    assert len(server.requests) == 2


def test_a_valid_until_in_the_past_is_not_cached() -> None:
    server = FakeServer()
    server.on("GET", URL, json_response(200, state_body(ValidUntil="2020-01-01T00:00:00Z")))
    states = make(server, Clock())
    states.get(CTX)
    states.get(CTX)
    assert len(server.requests) == 2


def test_tenants_are_cached_apart() -> None:
    server = FakeServer()
    other = ENVIRONMENT.state_api_url("Cust999")
    server.on("GET", URL, json_response(200, state_body()))
    server.on("GET", other, json_response(200, state_body(ContextIdentifier="Cust999", Api=None)))
    states = make(server, Clock())
    assert states.get(CTX).api == API
    assert states.get("Cust999").api is None
    assert states.get(CTX).api == API
    assert len(server.requests) == 2


def test_a_stopped_tenant() -> None:
    server = FakeServer()
    server.on(
        "GET",
        URL,
        json_response(200, state_body(State="OfflineMaintenance", IsRunning=False, Api="")),
    )
    state = make(server, Clock()).get(CTX)
    assert (state.state, state.is_running, state.api) == ("OfflineMaintenance", False, None)


def test_unknown_tenant() -> None:
    server = FakeServer()
    server.on(
        "GET",
        URL,
        json_response(404, {"Error": True, "ErrorType": "NotFound", "ErrorMessage": "unknown"}),
    )
    with pytest.raises(TenantNotFound) as caught:
        make(server, Clock()).get(CTX)
    assert caught.value.ctx == CTX


def test_server_errors_and_timeouts_are_unavailable() -> None:
    server = FakeServer()
    server.on("GET", URL, httpx.Response(503, headers={"Retry-After": "5"}))
    with pytest.raises(SuperOfficeUnavailable) as caught:
        make(server, Clock()).get(CTX)
    assert (caught.value.status, caught.value.retry_after_seconds) == (503, 5.0)
    server.on("GET", URL, httpx.ConnectError("down"))
    with pytest.raises(SuperOfficeUnavailable):
        make(server, Clock()).get(CTX)


def test_other_errors_are_api_errors() -> None:
    server = FakeServer()
    server.on("GET", URL, httpx.Response(400))
    with pytest.raises(SuperOfficeApiError):
        make(server, Clock()).get(CTX)


@pytest.mark.parametrize(
    "body",
    [
        state_body(ContextIdentifier="Cust999"),
        state_body(IsRunning="true"),
        state_body(State=None),
        state_body(ValidUntil=None),
        state_body(ValidUntil="soon"),
        state_body(Api="http://sod2.superoffice.com/Cust12345/api"),
        state_body(Api="https://user:pw@sod2.superoffice.com/Cust12345/api"),
        state_body(Api="ftp://sod2.superoffice.com/x"),
        ["not", "an", "object"],
    ],
)
def test_answers_outside_the_contract_are_refused_and_not_cached(body: object) -> None:
    server = FakeServer()
    server.on("GET", URL, json_response(200, body), json_response(200, state_body()))
    states = make(server, Clock())
    with pytest.raises(UnexpectedResponse):
        states.get(CTX)
    assert states.get(CTX).api == API


def test_the_local_simulator_may_use_http() -> None:
    local = Environment(
        name="local", login_base="http://127.0.0.1:3001", issuer="x", allows_http=True
    )
    server = FakeServer()
    api = "http://127.0.0.1:3001/sod2/Cust12345/api"
    server.on("GET", local.state_api_url(CTX), json_response(200, state_body(Api=api)))
    assert StateApiClient(server.client(), local, Clock()).get(CTX).api == api


def test_bad_ctx_is_refused_before_any_request() -> None:
    server = FakeServer()
    with pytest.raises(ValueError, match="context identifier"):
        make(server, Clock()).get("Cust1/../x")
    assert server.requests == []


def test_now_is_the_injected_clock() -> None:
    clock = Clock(NOW + timedelta(days=1))
    assert make(FakeServer(), clock).now() == NOW + timedelta(days=1)
