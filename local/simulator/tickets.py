"""System-user tickets (`7T:...`): 6 hours, sliding with each use, bound to tenant and app."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from typing import Final

from local.simulator.clock import Clock

TICKET_LIFETIME_SECONDS: Final = 6 * 3600


@dataclass
class Ticket:
    value: str
    ctx: str
    client_id: str
    expires_at: float


class Tickets:
    def __init__(self, lock: threading.RLock, clock: Clock) -> None:
        self._lock = lock
        self._clock = clock
        self._tickets: dict[str, Ticket] = {}

    def issue(self, ctx: str, client_id: str) -> Ticket:
        ticket = Ticket(
            value="7T:" + secrets.token_urlsafe(24),
            ctx=ctx,
            client_id=client_id,
            expires_at=self._clock() + TICKET_LIFETIME_SECONDS,
        )
        with self._lock:
            self._tickets[ticket.value] = ticket
        return ticket

    def use(self, value: str) -> Ticket | None:
        """The ticket, its lifetime renewed; None when unknown or expired."""
        with self._lock:
            ticket = self._tickets.get(value)
            if ticket is None:
                return None
            now = self._clock()
            if now >= ticket.expires_at:
                del self._tickets[value]
                return None
            ticket.expires_at = now + TICKET_LIFETIME_SECONDS
            return ticket

    def count(self, ctx: str, client_id: str | None = None) -> int:
        with self._lock:
            now = self._clock()
            return sum(
                1
                for t in self._tickets.values()
                if t.ctx == ctx and t.expires_at > now and client_id in (None, t.client_id)
            )

    def revoke(self, ctx: str, client_id: str | None = None) -> int:
        """Invalidate the tenant's tickets (of one app, or all); how many there were."""
        with self._lock:
            doomed = [
                value
                for value, t in self._tickets.items()
                if t.ctx == ctx and client_id in (None, t.client_id)
            ]
            for value in doomed:
                del self._tickets[value]
            return len(doomed)
