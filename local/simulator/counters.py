"""Request counters per tenant: how much load an app puts on SuperOffice, by area and path.

Areas: `superId` (sign-in and token calls), `stateApi`, `systemUser`, `rest`. Paths are
`METHOD /path` without the host segment and query, so counts survive a tenant move.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Final

AREAS: Final = ("superId", "stateApi", "systemUser", "rest")


@dataclass
class _TenantCounts:
    by_area: Counter[str] = field(default_factory=Counter)
    by_path: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)

    def to_json(self) -> dict[str, Any]:
        return {
            "total": sum(self.by_area.values()),
            "byArea": dict(sorted(self.by_area.items())),
            "byPath": dict(sorted(self.by_path.items())),
            "byStatus": dict(sorted(self.by_status.items())),
        }


class RequestCounters:
    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._tenants: dict[str, _TenantCounts] = {}

    def record(self, ctx: str, area: str, method: str, path: str, status: int) -> None:
        if area not in AREAS:
            raise ValueError(f"unknown area {area!r}")
        with self._lock:
            counts = self._tenants.setdefault(ctx, _TenantCounts())
            counts.by_area[area] += 1
            counts.by_path[f"{method.upper()} {path}"] += 1
            # A dropped connection has no status; count it as such.
            counts.by_status["dropped" if status == 0 else str(status)] += 1

    def snapshot(self, ctx: str) -> dict[str, Any]:
        with self._lock:
            return self._tenants.get(ctx, _TenantCounts()).to_json()

    def all(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {ctx: counts.to_json() for ctx, counts in sorted(self._tenants.items())}

    def reset(self, ctx: str | None = None) -> None:
        with self._lock:
            if ctx is None:
                self._tenants.clear()
            else:
                self._tenants.pop(ctx, None)
