"""Injected faults of a tenant's REST API: error answers, slow answers, dropped connections.

A fault applies to the next `count` requests that match it (method, part of the path),
or, with `forSeconds`, to every matching request until that much simulator-clock time
has passed since it was added ("503 for a period"); when several are queued, the first
matching one applies. Not thread-safe on its own: the simulator state guards it with its
lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from local.simulator.routing import BadRequest

MAX_DELAY_SECONDS: Final = 60.0
MAX_FOR_SECONDS: Final = 24 * 3600.0


@dataclass
class Fault:
    # Requests left; None for a fault that lasts `for_seconds` instead.
    remaining: int | None
    status: int | None = None
    retry_after: str | None = None
    delay_seconds: float = 0.0
    drop: bool = False
    method: str | None = None
    path_contains: str | None = None
    for_seconds: float | None = None
    # When a timed fault ends (simulator clock); set when it is queued.
    expires_at: float | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        """A fault from the control API's JSON; BadRequest when it makes no sense."""
        count = data.get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise BadRequest("count must be a whole number of at least 1")
        for_seconds = data.get("forSeconds")
        if for_seconds is not None:
            if isinstance(for_seconds, bool) or not isinstance(for_seconds, int | float):
                raise BadRequest("forSeconds must be a number")
            if not 0 < for_seconds <= MAX_FOR_SECONDS:
                raise BadRequest(f"forSeconds must be above 0 and at most {MAX_FOR_SECONDS:g}")
            if "count" in data:
                raise BadRequest("give count or forSeconds, not both")
        status = data.get("status")
        if status is not None and (
            not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599
        ):
            raise BadRequest("status must be an HTTP error status (400-599)")
        retry_after = data.get("retryAfter")
        if retry_after is not None:
            if status is None:
                raise BadRequest("retryAfter needs a status")
            if isinstance(retry_after, bool) or not isinstance(retry_after, int | str):
                raise BadRequest("retryAfter must be seconds or an HTTP date")
            retry_after = str(retry_after)
        delay = data.get("delaySeconds", 0)
        if isinstance(delay, bool) or not isinstance(delay, int | float):
            raise BadRequest("delaySeconds must be a number")
        if not 0 <= delay <= MAX_DELAY_SECONDS:
            raise BadRequest(f"delaySeconds must be between 0 and {MAX_DELAY_SECONDS:g}")
        drop = data.get("drop", False)
        if not isinstance(drop, bool):
            raise BadRequest("drop must be true or false")
        if drop and status is not None:
            raise BadRequest("a dropped connection has no status")
        if status is None and not drop and delay == 0:
            raise BadRequest("a fault needs a status, delaySeconds or drop")
        method = data.get("method")
        if method is not None and (not isinstance(method, str) or not method.isalpha()):
            raise BadRequest("method must be an HTTP method such as GET")
        path_contains = data.get("pathContains")
        if path_contains is not None and (not isinstance(path_contains, str) or not path_contains):
            raise BadRequest("pathContains must be a non-empty string")
        return cls(
            remaining=None if for_seconds is not None else count,
            status=status,
            retry_after=retry_after,
            delay_seconds=float(delay),
            drop=drop,
            method=method.upper() if method else None,
            path_contains=path_contains,
            for_seconds=None if for_seconds is None else float(for_seconds),
        )

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method.upper():
            return False
        return self.path_contains is None or self.path_contains.lower() in path.lower()

    def expired(self, now: float) -> bool:
        return self.expires_at is not None and now >= self.expires_at

    def to_json(self, now: float | None = None) -> dict[str, Any]:
        left = None
        if self.expires_at is not None and now is not None:
            left = max(0.0, self.expires_at - now)
        return {
            "count": self.remaining,
            "forSeconds": self.for_seconds,
            "secondsLeft": left,
            "status": self.status,
            "retryAfter": self.retry_after,
            "delaySeconds": self.delay_seconds,
            "drop": self.drop,
            "method": self.method,
            "pathContains": self.path_contains,
        }


class FaultQueue:
    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(self, fault: Fault, now: float = 0.0) -> None:
        """Queue the fault; a timed one lasts `for_seconds` from `now`."""
        if fault.for_seconds is not None:
            fault.expires_at = now + fault.for_seconds
        self._faults.append(fault)

    def _expire(self, now: float | None) -> None:
        if now is not None:
            self._faults = [fault for fault in self._faults if not fault.expired(now)]

    def take(self, method: str, path: str, now: float = 0.0) -> Fault | None:
        """The fault that applies to this request, counting it; None if none does."""
        self._expire(now)
        for fault in self._faults:
            if fault.matches(method, path):
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                return fault
        return None

    def clear(self) -> None:
        self._faults.clear()

    def pending(self, now: float | None = None) -> list[dict[str, Any]]:
        """The queued faults; given `now`, without the timed ones that have ended."""
        self._expire(now)
        return [fault.to_json(now) for fault in self._faults]
