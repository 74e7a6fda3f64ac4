"""TenantApi: headers, JSON, and recovery from 401 and 421 exactly once."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
from so_testkit import (
    API,
    CLIENT_SECRET,
    CTX,
    ENVIRONMENT,
    MOVED_API,
    NOW,
    TICKET,
    Clock,
    FakeServer,
    json_response,
    state_body,
)

from superoffice_app.superoffice.http import (
    SuperOfficeApiError,
    SuperOfficeUnavailable,
    UnexpectedResponse,
)
from superoffice_app.superoffice.rest import TenantApi, TenantNotRunning
from superoffice_app.superoffice.state_api import StateApiClient
from superoffice_app.superoffice.system_user import SystemUserRevoked
from superoffice_app.tokens import Secret

STATE_URL = ENVIRONMENT.state_api_url(CTX)
LIST_URL = f"{API}/v1/List"
MOVED_LIST_URL = f"{MOVED_API}/v1/List"


class Tickets:
    """A TicketSource that hands out numbered tickets and counts renewals."""

    def __init__(self, renew_error: Exception | None = None) -> None:
        self.ticket = TICKET
        self.renewals = 0
        self.renew_error = renew_error

    def current(self, ctx: str) -> Secret:
        assert ctx == CTX
        return Secret(self.ticket)

    def renew(self, ctx: str) -> Secret:
        if self.renew_error is not None:
            raise self.renew_error
        self.renewals += 1
        self.ticket = f"7T:renewed-{self.renewals}"
        return Secret(self.ticket)


def tenant(
    server: FakeServer, tickets: Tickets | None = None, clock: Clock | None = None
) -> TenantApi:
    clock = clock or Clock()
    http = server.client()
    return TenantApi(
        http,
        ctx=CTX,
        state_api=StateApiClient(http, ENVIRONMENT, clock),
        tickets=tickets or Tickets(),
        app_token=Secret(CLIENT_SECRET),
    )


def running(server: FakeServer, *answers: httpx.Response) -> None:
    server.on("GET", STATE_URL, *(answers or (json_response(200, state_body()),)))


def rest_calls(server: FakeServer) -> list[httpx.Request]:
    return [r for r in server.requests if "/api/state/" not in str(r.url)]


def test_headers_url_and_json() -> None:
    server = FakeServer()
    running(server)
    server.on("GET", LIST_URL, json_response(200, [{"Id": 1, "Name": "A"}]))
    api = tenant(server)
    assert api.get("/v1/List", params={"$top": 5}) == [{"Id": 1, "Name": "A"}]
    (request,) = rest_calls(server)
    assert str(request.url) == f"{LIST_URL}?%24top=5"
    assert request.headers["Authorization"] == f"SOTicket {TICKET}"
    assert request.headers["SO-AppToken"] == CLIENT_SECRET
    assert request.headers["Accept"] == "application/json"
    assert api.request_count == 1


def test_post_put_delete_and_empty_bodies() -> None:
    server = FakeServer()
    running(server)
    server.on("POST", LIST_URL, json_response(200, {"Id": 7}))
    server.on("PUT", f"{API}/v1/Preference/S/K/Database", httpx.Response(204))
    server.on("DELETE", f"{API}/v1/List/7", httpx.Response(200, content=b""))
    api = tenant(server)
    assert api.post("/v1/List", json={"Name": "x"}) == {"Id": 7}
    assert json.loads(rest_calls(server)[0].content) == {"Name": "x"}
    assert api.put("/v1/Preference/S/K/Database", params={"value": "1"}) is None
    assert rest_calls(server)[1].url.params["value"] == "1"
    assert api.delete("/v1/List/7") is None
    assert api.request_count == 3
    assert len(server.calls("GET", STATE_URL)) == 1  # the state answer is reused


def test_401_renews_the_ticket_once_and_retries() -> None:
    server = FakeServer()
    running(server)
    server.on("GET", LIST_URL, httpx.Response(401), json_response(200, []))
    tickets = Tickets()
    api = tenant(server, tickets)
    assert api.get("/v1/List") == []
    first, second = rest_calls(server)
    assert first.headers["Authorization"] == f"SOTicket {TICKET}"
    assert second.headers["Authorization"] == "SOTicket 7T:renewed-1"
    assert tickets.renewals == 1
    assert api.request_count == 2


def test_401_twice_is_an_error_without_a_loop_or_the_ticket() -> None:
    server = FakeServer()
    running(server)
    server.on(
        "GET",
        LIST_URL,
        lambda request: json_response(
            401,
            {
                "Error": True,
                "ErrorType": "Unauthorized",
                "ErrorMessage": f"bad {request.headers['Authorization']} / {CLIENT_SECRET}",
            },
        ),
    )
    tickets = Tickets()
    with pytest.raises(SuperOfficeApiError) as caught:
        tenant(server, tickets).get("/v1/List")
    assert caught.value.status == 401
    assert tickets.renewals == 1
    assert len(rest_calls(server)) == 2
    assert "7T:" not in str(caught.value)
    assert CLIENT_SECRET not in str(caught.value)


def test_a_revoked_renewal_propagates() -> None:
    server = FakeServer()
    running(server)
    server.on("GET", LIST_URL, httpx.Response(401))
    tickets = Tickets(renew_error=SystemUserRevoked(1, "Revoked"))
    with pytest.raises(SystemUserRevoked):
        tenant(server, tickets).get("/v1/List")
    assert len(rest_calls(server)) == 1


def test_421_rereads_the_state_once_and_uses_the_new_host() -> None:
    server = FakeServer()
    running(server, json_response(200, state_body()), json_response(200, state_body(Api=MOVED_API)))
    server.on("GET", LIST_URL, httpx.Response(421))
    server.on("GET", MOVED_LIST_URL, json_response(200, [{"Id": 1}]))
    api = tenant(server)
    assert api.get("/v1/List") == [{"Id": 1}]
    assert len(server.calls("GET", STATE_URL)) == 2
    assert [str(r.url) for r in rest_calls(server)] == [LIST_URL, MOVED_LIST_URL]
    # The new host is remembered for the next call.
    assert api.get("/v1/List") == [{"Id": 1}]
    assert len(server.calls("GET", STATE_URL)) == 2


def test_421_twice_is_an_error_without_a_loop() -> None:
    server = FakeServer()
    running(server)
    server.on("GET", LIST_URL, httpx.Response(421))
    api = tenant(server)
    with pytest.raises(SuperOfficeUnavailable) as caught:
        api.get("/v1/List")
    assert caught.value.status == 421
    assert len(server.calls("GET", STATE_URL)) == 2
    assert len(rest_calls(server)) == 2
    assert api.request_count == 2


def test_421_then_401_recovers_with_three_requests() -> None:
    server = FakeServer()
    running(server, json_response(200, state_body()), json_response(200, state_body(Api=MOVED_API)))
    server.on("GET", LIST_URL, httpx.Response(421))
    server.on("GET", MOVED_LIST_URL, httpx.Response(401), json_response(200, []))
    tickets = Tickets()
    assert tenant(server, tickets).get("/v1/List") == []
    assert len(rest_calls(server)) == 3
    assert tickets.renewals == 1


def test_404_is_an_api_error_with_the_type() -> None:
    server = FakeServer()
    running(server)
    server.on(
        "DELETE",
        f"{API}/v1/List/9",
        json_response(
            404,
            {"Error": True, "ErrorType": "SoNotFoundException", "ErrorMessage": "List 9 not found"},
        ),
    )
    with pytest.raises(SuperOfficeApiError) as caught:
        tenant(server).delete("/v1/List/9")
    assert (caught.value.status, caught.value.error_type) == (404, "SoNotFoundException")


def test_429_with_retry_after_seconds() -> None:
    server = FakeServer()
    running(server)
    server.on("GET", LIST_URL, httpx.Response(429, headers={"Retry-After": "30"}))
    with pytest.raises(SuperOfficeUnavailable) as caught:
        tenant(server).get("/v1/List")
    assert (caught.value.status, caught.value.retry_after_seconds) == (429, 30.0)


def test_429_with_retry_after_http_date() -> None:
    server = FakeServer()
    running(server)
    server.on(
        "GET",
        LIST_URL,
        httpx.Response(429, headers={"Retry-After": "Mon, 23 Feb 2026 09:02:00 GMT"}),
    )
    with pytest.raises(SuperOfficeUnavailable) as caught:
        tenant(server, clock=Clock(NOW)).get("/v1/List")
    assert caught.value.retry_after_seconds == 120.0


@pytest.mark.parametrize(
    "answer", [httpx.Response(503), httpx.ReadTimeout("slow"), httpx.ConnectError("down")]
)
def test_unavailable_answers_forget_the_state(answer: httpx.Response | Exception) -> None:
    server = FakeServer()
    running(server)
    server.on("GET", LIST_URL, answer, json_response(200, []))
    api = tenant(server)
    with pytest.raises(SuperOfficeUnavailable):
        api.get("/v1/List")
    assert api.get("/v1/List") == []
    # The tenant may have moved: the state API was asked again before the second call.
    assert len(server.calls("GET", STATE_URL)) == 2
    assert api.request_count == 2


def test_a_tenant_that_is_not_running_gets_no_request() -> None:
    server = FakeServer()
    valid_until = NOW + timedelta(minutes=5)
    running(
        server,
        json_response(
            200,
            state_body(
                State="OfflineMaintenance",
                IsRunning=False,
                ValidUntil=valid_until.strftime("%Y-%m-%dT%H:%M:%S.0000000Z"),
            ),
        ),
    )
    with pytest.raises(TenantNotRunning) as caught:
        tenant(server, clock=Clock(NOW)).get("/v1/List")
    assert caught.value.state.state == "OfflineMaintenance"
    assert caught.value.retry_after_seconds == 300.0
    assert isinstance(caught.value, SuperOfficeUnavailable)
    assert rest_calls(server) == []


def test_a_running_tenant_without_api_is_not_running() -> None:
    server = FakeServer()
    running(server, json_response(200, state_body(Api=None)))
    with pytest.raises(TenantNotRunning):
        tenant(server).get("/v1/List")


def test_non_json_success_is_unexpected() -> None:
    server = FakeServer()
    running(server)
    server.on("GET", LIST_URL, httpx.Response(200, text="<html>"))
    with pytest.raises(UnexpectedResponse):
        tenant(server).get("/v1/List")


@pytest.mark.parametrize(
    "path", ["v1/List", "//evil.example/x", "/v1/../x", "/v1/List?x=1", "https://evil.example"]
)
def test_paths_must_stay_below_the_api_base(path: str) -> None:
    server = FakeServer()
    with pytest.raises(ValueError, match="path"):
        tenant(server).get(path)
    assert server.requests == []


def test_repr_hides_credentials() -> None:
    text = repr(tenant(FakeServer()))
    assert CLIENT_SECRET not in text
    assert TICKET not in text


# -- fetch: reading an answer, and naming it when it does not fit ---------------------------


def _need_a_list(answer: object) -> list[object]:
    if not isinstance(answer, list):
        raise UnexpectedResponse("the lists: expected a JSON array")
    return answer


def test_fetch_reads_the_answer() -> None:
    server = FakeServer()
    running(server)
    server.on("GET", LIST_URL, json_response(200, [{"Id": 1}]))
    answer = tenant(server).fetch(
        "GET", "/v1/List", _need_a_list, operation="v1ListEntity_GetListDefinitions"
    )
    assert answer == [{"Id": 1}]


def test_fetch_names_the_operation_status_and_an_excerpt_without_credentials() -> None:
    server = FakeServer()
    running(server)
    # An answer that echoes the request's credentials, and carries a secret of its own.
    body = {"Echo": f"SOTicket {TICKET} / {CLIENT_SECRET}", "Secret": "whsec-0123456789"}
    server.on("GET", LIST_URL, json_response(200, body))
    with pytest.raises(UnexpectedResponse) as raised:
        tenant(server).fetch(
            "GET", "/v1/List", _need_a_list, operation="v1ListEntity_GetListDefinitions"
        )
    error = raised.value
    assert str(error) == "v1ListEntity_GetListDefinitions: the lists: expected a JSON array"
    assert (error.operation, error.status) == ("v1ListEntity_GetListDefinitions", 200)
    assert error.excerpt is not None
    assert error.excerpt.startswith('{"Echo": "SOTicket ***')
    for secret in (TICKET, CLIENT_SECRET, "whsec-0123456789"):
        assert secret not in error.excerpt
        assert secret not in str(error)
    assert error.log_fields() == {
        "operation": "v1ListEntity_GetListDefinitions",
        "status": 200,
        "excerpt": error.excerpt,
    }


def test_fetch_of_an_answer_that_is_not_json_names_the_operation() -> None:
    server = FakeServer()
    running(server)
    server.on("GET", LIST_URL, httpx.Response(200, text=f"<p>{TICKET}</p>"))
    with pytest.raises(UnexpectedResponse) as raised:
        tenant(server).fetch("GET", "/v1/List", _need_a_list, operation="v1List_X")
    assert str(raised.value) == "v1List_X: the answer is not JSON"
    assert (raised.value.status, raised.value.excerpt) == (200, "<p>***</p>")


def test_fetch_leaves_refusals_as_they_are() -> None:
    server = FakeServer()
    running(server)
    server.on("GET", LIST_URL, json_response(404, {"ErrorType": "SoNotFoundException"}))
    with pytest.raises(SuperOfficeApiError):
        tenant(server).fetch("GET", "/v1/List", _need_a_list, operation="v1List_X")
