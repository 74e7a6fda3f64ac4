"""System-user tickets shared by every function instance through the tenant store.

Every exchange creates a credentials row in the customer's database (protocol section 3),
so a ticket is exchanged only when there is none, it expired, or SuperOffice answered 401;
the ticket itself is stored sealed with KMS, like the system token it comes from.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from superoffice_app.store import TenantStore
from superoffice_app.store.clock import utc_now
from superoffice_app.superoffice.http import AccessRevoked
from superoffice_app.superoffice.system_user import SystemUserClient
from superoffice_app.tokens import Secret

# Names of stored secrets, not secrets.
TICKET = "ticket"
SYSTEM_TOKEN = "system_token"  # noqa: S105


class TicketUnavailable(AccessRevoked):
    """The tenant has no system token (not installed, purged) or no serial: for every
    caller this is the same as a revoked app, there is no way to call the tenant."""


class StoredTickets:
    """A `TicketSource` for `TenantApi`: the stored ticket, else a fresh exchange.

    A ticket read from the store is kept in memory for ``memory_seconds``, so a sync's
    many requests cost one read and one KMS decrypt instead of one each. When
    SuperOffice refuses it (401), the store is read again first: another instance may
    have renewed it already, and using that one spares an exchange (each exchange adds
    a credentials row in the customer's database).
    """

    def __init__(
        self,
        tenants: TenantStore,
        system_users: SystemUserClient,
        *,
        clock: Callable[[], datetime] = utc_now,
        memory_seconds: float = 300,
    ) -> None:
        self._tenants = tenants
        self._system_users = system_users
        self._clock = clock
        self._memory_for = timedelta(seconds=memory_seconds)
        self._memory: dict[str, tuple[Secret, datetime]] = {}
        self.exchanges = 0

    def current(self, ctx: str) -> Secret:
        held = self._memory.get(ctx)
        now = self._clock()
        if held is not None and now < held[1]:
            return held[0]
        ticket = self._tenants.get_secret(ctx, TICKET)
        if ticket is None:
            return self.renew(ctx)
        self._memory[ctx] = (ticket, now + self._memory_for)
        return ticket

    def renew(self, ctx: str) -> Secret:
        refused = self._memory.pop(ctx, None)
        if refused is not None:
            stored = self._tenants.get_secret(ctx, TICKET)
            if stored is not None and stored.reveal() != refused[0].reveal():
                self._memory[ctx] = (stored, self._clock() + self._memory_for)
                return stored
        profile = self._tenants.get(ctx)
        system_token = self._tenants.get_secret(ctx, SYSTEM_TOKEN)
        if profile is None or system_token is None or not profile.serial:
            raise TicketUnavailable(f"{ctx} has no system-user credential")
        ticket = self._system_users.exchange(ctx, system_token, profile.serial)
        self.exchanges += 1
        self._tenants.put_secret(ctx, TICKET, ticket.value, expires_at=ticket.expires_at)
        self._memory[ctx] = (ticket.value, self._clock() + self._memory_for)
        return ticket.value

    def forget(self, ctx: str) -> None:
        """Drop the ticket held in memory (the tenant was purged or uninstalled)."""
        self._memory.pop(ctx, None)
