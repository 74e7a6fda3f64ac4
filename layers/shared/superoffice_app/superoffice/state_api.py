"""The tenant state API: where a tenant's REST API lives now, and whether it is up.

``GET {login}/api/state/{ctx}`` needs no authentication. Its answer says how long it
holds (``ValidUntil``); the client keeps it that long, per tenant, in memory, and callers
ask for a fresh answer (``refresh=True``) when SuperOffice says the host is wrong (421).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Protocol
from urllib.parse import urlsplit

from superoffice_app.environments import Environment
from superoffice_app.tokens import CTX_PATTERN

from .dates import parse_valid_until
from .http import (
    Clock,
    SuperOfficeError,
    UnexpectedResponse,
    api_error,
    is_unavailable_status,
    read_json,
    send,
    unavailable_error,
)

if TYPE_CHECKING:  # annotations only: httpx loads where a client is made
    import httpx

__all__ = [
    "DEFAULT_MAX_CACHE_SECONDS",
    "StateApiClient",
    "TenantNotFound",
    "TenantState",
    "parse_valid_until",
]

DEFAULT_MAX_CACHE_SECONDS: Final = 3600.0
_WHAT: Final = "state API"


class TenantNotFound(SuperOfficeError):
    """The state API does not know the tenant (404): wrong ctx, or a deleted tenant."""

    def __init__(self, ctx: str) -> None:
        super().__init__(f"the state API does not know tenant {ctx}")
        self.ctx = ctx


@dataclass(frozen=True)
class TenantState:
    """One answer of the state API."""

    ctx: str
    state: str
    is_running: bool
    valid_until: datetime
    api: str | None
    endpoint: str | None
    version: str | None
    raw: MappingProxyType[str, Any] = field(repr=False, compare=False)


class StateStore(Protocol):
    """Where answers are kept between function instances (the tenant's profile)."""

    def load(self, ctx: str) -> tuple[Mapping[str, Any], datetime] | None: ...

    def save(self, ctx: str, answer: Mapping[str, Any], valid_until: datetime) -> None: ...


class StateApiClient:
    """Reads tenant states, keeping each until its ``ValidUntil`` (at most an hour).

    With a ``store``, an answer one instance fetched serves every other instance until it
    expires, and each fresh answer is saved there ("the answer stored on the tenant").
    """

    def __init__(
        self,
        http: httpx.Client,
        environment: Environment,
        clock: Clock,
        *,
        max_cache_seconds: float = DEFAULT_MAX_CACHE_SECONDS,
        store: StateStore | None = None,
    ) -> None:
        self._http = http
        self._store = store
        self._environment = environment
        self._clock = clock
        # A cap on ValidUntil, so a far-future value cannot pin a stale host forever.
        self._max_cache = timedelta(seconds=max_cache_seconds)
        self._cache: dict[str, tuple[TenantState, datetime]] = {}

    def get(self, ctx: str, *, refresh: bool = False) -> TenantState:
        """The tenant's state; from the cache unless it has expired or ``refresh``."""
        if CTX_PATTERN.fullmatch(ctx) is None:
            raise ValueError("ctx is not a context identifier")
        now = self._clock()
        cached = self._cache.get(ctx)
        if cached is not None and not refresh and now < cached[1]:
            return cached[0]
        if not refresh and self._store is not None:
            stored = self._store.load(ctx)
            if stored is not None and now < stored[1]:
                state = self._state(ctx, dict(stored[0]))
                self._cache[ctx] = (state, min(stored[1], now + self._max_cache))
                return state
        state = self._fetch(ctx, now)
        until = min(state.valid_until, now + self._max_cache)
        self._cache[ctx] = (state, until)
        if self._store is not None:
            self._store.save(ctx, state.raw, until)
        return state

    def forget(self, ctx: str) -> None:
        """Drop the cached state, so the next ``get`` asks again (after 5xx, timeouts)."""
        self._cache.pop(ctx, None)

    def now(self) -> datetime:
        return self._clock()

    def _fetch(self, ctx: str, now: datetime) -> TenantState:
        response = send(
            self._http,
            "GET",
            self._environment.state_api_url(ctx),
            what=_WHAT,
            headers={"Accept": "application/json"},
        )
        if response.status_code == 404:
            self.forget(ctx)
            raise TenantNotFound(ctx)
        if is_unavailable_status(response.status_code):
            raise unavailable_error(response, what=_WHAT, now=now)
        if response.status_code != 200:
            raise api_error(response)
        body = read_json(response, what=_WHAT)
        if not isinstance(body, dict):
            raise UnexpectedResponse(f"{_WHAT}: the answer is not a JSON object")
        return self._state(ctx, body)

    def _state(self, ctx: str, body: dict[str, Any]) -> TenantState:
        answered_ctx = body.get("ContextIdentifier")
        if not isinstance(answered_ctx, str) or answered_ctx.lower() != ctx.lower():
            raise UnexpectedResponse(f"{_WHAT}: the answer is about another tenant")
        state = body.get("State")
        is_running = body.get("IsRunning")
        valid_until = body.get("ValidUntil")
        if not isinstance(state, str) or not isinstance(is_running, bool):
            raise UnexpectedResponse(f"{_WHAT}: State or IsRunning missing for {ctx}")
        if not isinstance(valid_until, str):
            raise UnexpectedResponse(f"{_WHAT}: ValidUntil missing for {ctx}")
        try:
            valid = parse_valid_until(valid_until)
        except ValueError:
            raise UnexpectedResponse(f"{_WHAT}: ValidUntil is not a timestamp") from None
        api = _optional_text(body.get("Api"))
        if api is not None:
            self._check_api_url(api, ctx)
        return TenantState(
            ctx=ctx,
            state=state,
            is_running=is_running,
            valid_until=valid,
            api=api,
            endpoint=_optional_text(body.get("Endpoint")),
            version=_optional_text(body.get("Version")),
            raw=MappingProxyType(dict(body)),
        )

    def _check_api_url(self, api: str, ctx: str) -> None:
        # Tickets and the client secret go to this URL: it must be an https URL (http
        # only from a SuperOffice on this machine) without credentials, query or fragment.
        parts = urlsplit(api)
        schemes = ("https", "http") if self._environment.allows_http else ("https",)
        if (
            parts.scheme not in schemes
            or not parts.hostname
            or parts.username is not None
            or parts.query
            or parts.fragment
        ):
            raise UnexpectedResponse(f"{_WHAT}: the Api of {ctx} is not a usable https URL")

    def __repr__(self) -> str:
        return f"StateApiClient(environment={self._environment.name!r})"


def _optional_text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None
