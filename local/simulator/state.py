"""All in-memory state of the simulator, behind one re-entrant lock.

Handlers run on many threads at once (ThreadingHTTPServer). Every store here takes the
same lock, and handlers that change a tenant's items hold `state.lock` for the whole
change, so no request ever sees a half-done one. One lock is plenty for a simulator and
cannot deadlock against itself.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from typing import Final

from local.id_tokens import new_system_token
from local.simulator.apps import RegisteredApp
from local.simulator.clock import Clock, system_clock
from local.simulator.contract_refusals import ContractMonitor
from local.simulator.counters import RequestCounters
from local.simulator.grants import Grants
from local.simulator.notifications import NotificationLog
from local.simulator.outbound import OutboundSettings
from local.simulator.routing import BadRequest, Conflict, NotFound
from local.simulator.seed import new_tenant, seed_tenants
from local.simulator.tenants import Approval, Tenant, canonical_host, canonical_state
from local.simulator.tickets import Tickets

# A context identifier as SuperOffice Online makes them.
CTX_PATTERN: Final = re.compile(r"Cust[0-9]+")


class SimulatorState:
    def __init__(
        self,
        apps: Iterable[RegisteredApp] = (),
        *,
        clock: Clock = system_clock,
        outbound: OutboundSettings | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        # Configuration of calls to the apps, like the apps themselves: kept by reset().
        self.outbound = outbound or OutboundSettings()
        # The contract check's mode is configuration too (kept); its refusals are not.
        self.contract = ContractMonitor()
        self.notifications = NotificationLog(self.lock)
        self._apps: dict[str, RegisteredApp] = {}
        self._tenants: dict[str, Tenant] = {}
        for app in apps:
            self.register_app(app)
        self._seed()

    def _seed(self) -> None:
        with self.lock:
            for tenant in self._tenants.values():
                # Stops the old tenants' webhook workers before their next attempt.
                tenant.webhooks.clear()
            seeded = seed_tenants(self.clock())
            self._tenants = {tenant.ctx.lower(): tenant for tenant in seeded}
            self.notifications.clear()
            self.grants = Grants(self.lock, self.clock)
            self.tickets = Tickets(self.lock, self.clock)
            self.counters = RequestCounters(self.lock)
            self.contract.clear()

    def now(self) -> float:
        return self.clock()

    def reset(self) -> None:
        """Back to the seeded tenants: approvals, codes, tokens, tickets, faults, counters,
        webhooks, records, the notification log and the contract refusals gone.

        Registered apps, their notification URLs, the outbound settings and the contract
        mode stay: they are configuration, not tenant state.
        """
        self._seed()

    # -- apps ------------------------------------------------------------------------

    def register_app(self, app: RegisteredApp) -> None:
        with self.lock:
            self._apps[app.client_id] = app

    def app(self, client_id: str) -> RegisteredApp | None:
        with self.lock:
            return self._apps.get(client_id)

    def app_by_secret(self, secret: str) -> RegisteredApp | None:
        with self.lock:
            return next((app for app in self._apps.values() if app.has_secret(secret)), None)

    def apps(self) -> list[RegisteredApp]:
        with self.lock:
            return list(self._apps.values())

    def default_client_id(self) -> str:
        """The first registered app: the one control calls mean when they name none."""
        with self.lock:
            if not self._apps:
                raise NotFound("no app is registered")
            return next(iter(self._apps))

    # -- tenants ---------------------------------------------------------------------

    def find_tenant(self, ctx: str) -> Tenant | None:
        """The tenant (ctx matched case-insensitively), or None."""
        with self.lock:
            return self._tenants.get(ctx.lower())

    def tenant(self, ctx: str) -> Tenant:
        tenant = self.find_tenant(ctx)
        if tenant is None:
            raise NotFound(f"there is no tenant {ctx!r}")
        return tenant

    def tenants(self) -> list[Tenant]:
        with self.lock:
            return sorted(self._tenants.values(), key=lambda tenant: tenant.ctx)

    def add_tenant(
        self,
        ctx: str,
        company_name: str,
        host: object = "sod2",
        record_counts: Mapping[str, int] | None = None,
    ) -> Tenant:
        """A new Running tenant (gone again on reset); Conflict if the ctx is taken."""
        if not CTX_PATTERN.fullmatch(ctx):
            raise BadRequest(f"ctx must be Cust followed by digits, not {ctx!r}")
        segment = canonical_host(host)
        with self.lock:
            if ctx.lower() in self._tenants:
                raise Conflict(f"there already is a tenant {ctx}")
            tenant = new_tenant(ctx, company_name, segment, record_counts or {}, self.clock())
            self._tenants[ctx.lower()] = tenant
            return tenant

    def set_tenant_state(self, ctx: str, state: object) -> Tenant:
        with self.lock:
            tenant = self.tenant(ctx)
            tenant.state = canonical_state(state)
            return tenant

    def move_tenant(self, ctx: str, host: object) -> Tenant:
        """Serve the tenant from another host segment; the old one answers 421 from now on."""
        with self.lock:
            tenant = self.tenant(ctx)
            tenant.host = canonical_host(host)
            return tenant

    def copy_items(self, target: str, source: str) -> Tenant:
        """Replace the target's items with a copy of the source's, as a sandbox refresh does."""
        with self.lock:
            copied = self.tenant(source).items.copy()
            tenant = self.tenant(target)
            tenant.items = copied
            return tenant

    # -- approvals -------------------------------------------------------------------

    def approve(self, ctx: str, client_id: str, *, rotate: bool = False) -> str:
        """Approve the app for the tenant (as an administrator's consent does); its system token.

        Approving again keeps the system token, also after a revoke, unless `rotate`.
        """
        with self.lock:
            tenant = self.tenant(ctx)
            app = self.app(client_id)
            if app is None:
                raise NotFound(f"there is no app with client id {client_id!r}")
            approval = tenant.approvals.get(client_id)
            if approval is None or rotate:
                approval = Approval(system_token=new_system_token(app.name))
                tenant.approvals[client_id] = approval
            approval.revoked = False
            return approval.system_token

    def revoke(self, ctx: str, client_id: str) -> None:
        """Revoke the app in the tenant: system user answers Revoked, tickets and tokens die."""
        with self.lock:
            tenant = self.tenant(ctx)
            approval = tenant.approvals.get(client_id)
            if approval is None:
                raise NotFound(f"the app {client_id!r} is not approved in {tenant.ctx}")
            approval.revoked = True
            self.tickets.revoke(tenant.ctx, client_id)
            self.grants.revoke(tenant.ctx, client_id)
