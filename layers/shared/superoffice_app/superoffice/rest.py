"""A tenant's REST API, called as the app's system user.

``TenantApi`` finds the tenant's current REST base through the state API and recovers,
once each, from the two answers that say "try again differently": 401 (the ticket
expired: renew it) and 421 (the tenant moved: re-read the state API). A second 401 or
421 in the same call is an error, so a confused server can never make it loop.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, Protocol, TypeVar

from superoffice_app.tokens import CTX_PATTERN, Secret

from .http import (
    Clock,
    SuperOfficeUnavailable,
    UnexpectedResponse,
    answer_excerpt,
    api_error,
    is_unavailable_status,
    read_json,
    send,
    unavailable_error,
)
from .state_api import StateApiClient, TenantState

if TYPE_CHECKING:  # annotations only: httpx loads where a client is made
    import httpx

__all__ = ["TenantApi", "TenantNotRunning", "TicketSource"]

_EXPIRED_TICKET: Final = 401
_WRONG_HOST: Final = 421

T = TypeVar("T")


class TicketSource(Protocol):
    """Where ``TenantApi`` gets system-user tickets (a store over ``SystemUserClient``)."""

    def current(self, ctx: str) -> Secret:
        """The ticket to use now (exchanging for one only if none is held)."""
        ...

    def renew(self, ctx: str) -> Secret:
        """A new ticket, because SuperOffice refused the current one."""
        ...


class TenantNotRunning(SuperOfficeUnavailable):
    """The state API says the tenant's API is not available (upgrade, suspension, ...).

    ``retry_after_seconds`` is the time until the state answer's ``ValidUntil``: asking
    earlier would only get the same answer.
    """

    def __init__(self, state: TenantState, *, now: datetime | None = None) -> None:
        retry_after = None
        if now is not None:
            retry_after = max(0.0, (state.valid_until - now).total_seconds())
        super().__init__(
            f"tenant {state.ctx} is not running (state {state.state})",
            retry_after_seconds=retry_after,
        )
        self.state = state


class TenantApi:
    """JSON calls on one tenant's REST API (``{Api}/v1/...``) as the system user."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        ctx: str,
        state_api: StateApiClient,
        tickets: TicketSource,
        app_token: Secret,
        clock: Clock | None = None,
    ) -> None:
        if CTX_PATTERN.fullmatch(ctx) is None:
            raise ValueError("ctx is not a context identifier")
        self._http = http
        self._ctx = ctx
        self._state_api = state_api
        self._tickets = tickets
        self._app_token = app_token
        self._clock = clock if clock is not None else state_api.now
        self._request_count = 0

    @property
    def ctx(self) -> str:
        return self._ctx

    @property
    def request_count(self) -> int:
        """HTTP requests this object sent to the tenant's API (not to the login host)."""
        return self._request_count

    def get(self, path: str, *, params: Mapping[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, *, params: Mapping[str, Any] | None = None, json: Any = None) -> Any:
        return self.request("POST", path, params=params, json=json)

    def put(self, path: str, *, params: Mapping[str, Any] | None = None, json: Any = None) -> Any:
        return self.request("PUT", path, params=params, json=json)

    def delete(self, path: str, *, params: Mapping[str, Any] | None = None) -> Any:
        return self.request("DELETE", path, params=params)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        """Send ``method path`` and return the parsed JSON answer (``None`` when empty).

        ``path`` is relative to the tenant's API base and starts with ``/`` (e.g.
        ``/v1/List``); callers quote path segments themselves.
        """
        what = f"{method} {path}"
        response, secrets = self._exchange(method, path, what, params=params, json=json)
        return read_json(response, what=what, secrets=secrets)

    def fetch(
        self,
        method: str,
        path: str,
        read: Callable[[Any], T],
        *,
        operation: str,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> T:
        """``request``, then ``read`` the parsed answer into what the caller needs.

        ``operation`` names the call (SuperOffice's operationId). When the answer does not
        fit (``read`` or the JSON parser raises ``UnexpectedResponse``), the error names
        the operation, the answer's status and an excerpt of it with every credential
        masked, so the caller's log line shows what came back.
        """
        response, secrets = self._exchange(
            method, path, f"{method} {path}", params=params, json=json
        )
        # Not JSON: an UnexpectedResponse with the operation, status and excerpt already.
        answer = read_json(response, what=operation, secrets=secrets)
        try:
            return read(answer)
        except UnexpectedResponse as error:
            raise UnexpectedResponse(
                f"{operation}: {error}",
                operation=operation,
                status=response.status_code,
                excerpt=answer_excerpt(answer, secrets),
            ) from None

    def _exchange(
        self,
        method: str,
        path: str,
        what: str,
        *,
        params: Mapping[str, Any] | None,
        json: Any,
    ) -> tuple[httpx.Response, tuple[str, str]]:
        """The 2xx answer to ``method path``, and the credentials it was sent with (to
        mask in anything quoted from it); every other answer raises."""
        _check_path(path)
        base = self._api_base(refresh=False)
        ticket = self._tickets.current(self._ctx)
        renewed = rerouted = False
        while True:
            response = self._send(
                method, base + path, ticket=ticket, what=what, params=params, json=json
            )
            if response.status_code == _EXPIRED_TICKET and not renewed:
                renewed = True
                ticket = self._tickets.renew(self._ctx)
                continue
            if response.status_code == _WRONG_HOST and not rerouted:
                rerouted = True
                base = self._api_base(refresh=True)
                continue
            break
        status = response.status_code
        if 200 <= status < 300:
            return response, (ticket.reveal(), self._app_token.reveal())
        if status == _WRONG_HOST:
            # The state API's host was refused as well: the tenant is probably moving.
            self._state_api.forget(self._ctx)
            raise SuperOfficeUnavailable(
                f"{what}: SuperOffice answered 421 on the tenant's current host", status=status
            )
        if is_unavailable_status(status):
            self._state_api.forget(self._ctx)
            raise unavailable_error(response, what=what, now=self._clock())
        raise api_error(response, secrets=(ticket.reveal(), self._app_token.reveal()))

    def _api_base(self, *, refresh: bool) -> str:
        state = self._state_api.get(self._ctx, refresh=refresh)
        if not state.is_running or state.api is None:
            raise TenantNotRunning(state, now=self._clock())
        return state.api.rstrip("/")

    def _send(
        self,
        method: str,
        url: str,
        *,
        ticket: Secret,
        what: str,
        params: Mapping[str, Any] | None,
        json: Any,
    ) -> httpx.Response:
        headers = {
            "Authorization": f"SOTicket {ticket.reveal()}",
            "SO-AppToken": self._app_token.reveal(),
            "Accept": "application/json",
        }
        self._request_count += 1
        try:
            return send(
                self._http,
                method,
                url,
                what=what,
                headers=headers,
                params=params,
                json=json,
            )
        except SuperOfficeUnavailable:
            # A connection failure may mean the tenant moved: ask the state API next time.
            self._state_api.forget(self._ctx)
            raise

    def __repr__(self) -> str:
        return f"TenantApi(ctx={self._ctx!r}, requests={self._request_count})"


def _check_path(path: str) -> None:
    if (
        not path.startswith("/")
        or path.startswith("//")
        or "://" in path
        or "?" in path
        or "#" in path
        or any(segment in (".", "..") for segment in path.split("/"))
    ):
        raise ValueError("path must be an absolute path below the API base, without query")
