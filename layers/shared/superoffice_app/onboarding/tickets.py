"""System-user tickets shared by every function instance through the tenant store.

Every exchange creates a credentials row in the customer's database (protocol section 3),
so a ticket is exchanged only when there is none, it expired, or SuperOffice answered 401;
the ticket itself is stored sealed with KMS, like the system token it comes from.
"""

from __future__ import annotations

from superoffice_app.store import TenantStore
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
    """A `TicketSource` for `TenantApi`: the stored ticket, else a fresh exchange."""

    def __init__(self, tenants: TenantStore, system_users: SystemUserClient) -> None:
        self._tenants = tenants
        self._system_users = system_users
        self.exchanges = 0

    def current(self, ctx: str) -> Secret:
        ticket = self._tenants.get_secret(ctx, TICKET)
        return ticket if ticket is not None else self.renew(ctx)

    def renew(self, ctx: str) -> Secret:
        profile = self._tenants.get(ctx)
        system_token = self._tenants.get_secret(ctx, SYSTEM_TOKEN)
        if profile is None or system_token is None or not profile.serial:
            raise TicketUnavailable(f"{ctx} has no system-user credential")
        ticket = self._system_users.exchange(ctx, system_token, profile.serial)
        self.exchanges += 1
        self._tenants.put_secret(ctx, TICKET, ticket.value, expires_at=ticket.expires_at)
        return ticket.value
