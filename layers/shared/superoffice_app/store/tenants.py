"""The tenant store: one facade over TenantsTable's parts, for onboarding, sync and uninstall.

One DynamoDB table (keys in ``keys.py``), one module per kind of item: ``profiles``
(status and revision), ``secrets`` (sealed by KMS), ``provisioned`` (what the app
created in SuperOffice), ``audit`` (the trail), ``purge`` and ``status_index``. Callers
see this one class; where one operation writes several kinds of item, the parts build
the transaction's actions and the facade sends them together, so no crash can leave one
without the other.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

from superoffice_app.tokens.secret import Secret

from .audit import DEFAULT_EVENT_RETENTION, AuditTrail
from .clock import Clock, utc_now
from .dynamo import DynamoTable
from .keys import check_ctx, check_secret_name
from .models import AuditEvent, Installer, ProvisionedItem, PurgeResult, TenantProfile
from .profiles import TenantProfiles
from .provisioned import ProvisionedRecords
from .purge import TenantPurge
from .secret_box import SecretBox
from .secrets import TenantSecrets
from .status_index import status_pages
from .statuses import (
    LIVE_STATUSES,
    REINSTALLABLE_STATUSES,
    StatusLike,
    TenantStatus,
    status_set,
)

__all__ = ["TenantStore"]


class TenantStore:
    """Reads and writes tenants in TenantsTable. Thread-safe as its boto3 clients are."""

    def __init__(
        self,
        table: DynamoTable,
        secret_box: SecretBox,
        *,
        clock: Clock = utc_now,
        event_retention: timedelta = DEFAULT_EVENT_RETENTION,
    ) -> None:
        self._table = table
        self._clock = clock
        self._profiles = TenantProfiles(table, clock=clock)
        self._secrets = TenantSecrets(table, secret_box, clock=clock)
        self._provisioned = ProvisionedRecords(table, clock=clock)
        self._audit = AuditTrail(table, clock=clock, retention=event_retention)
        self._purge = TenantPurge(table, self._profiles, clock=clock)

    def __repr__(self) -> str:
        return f"TenantStore(table={self._table.name!r})"

    # -- profiles ---------------------------------------------------------------------------

    def get(self, ctx: str) -> TenantProfile | None:
        """The tenant's profile (a strongly consistent read), or None."""
        return self._profiles.get(ctx)

    def begin_install(
        self,
        ctx: str,
        *,
        environment: str,
        api_base: str,
        installed_by: Installer,
        secrets: Mapping[str, str | Secret],
        serial: str | None = None,
        company_name: str | None = None,
        endpoint: str | None = None,
        version: str | None = None,
        state_answer: Mapping[str, Any] | None = None,
        state_valid_until: datetime | None = None,
        secret_expires_at: Mapping[str, datetime] | None = None,
        expected_revision: int | None = None,
        allowed_from: Collection[StatusLike] = REINSTALLABLE_STATUSES,
    ) -> TenantProfile:
        """Write the tenant as ``installing`` together with its sealed secrets.

        One transaction writes the profile, puts every given secret and deletes the
        tenant's other secrets (a previous install's ticket must not outlive it), so no
        crash can leave a profile without its secrets or the reverse. A new tenant, a
        reinstall and the completion of a failed or crashed install all come here; the
        profile keeps ``created_at`` and the revision keeps counting. Provisioning
        records and the audit trail are kept.

        Raises TransitionError if the tenant's status is not in ``allowed_from`` (never
        while an uninstall runs), ConflictError if ``expected_revision`` is given and
        stale or another writer got in first, TenantStatusError during a purge.
        """
        check_ctx(ctx)
        allowed = status_set(allowed_from)
        if not allowed <= REINSTALLABLE_STATUSES:
            raise ValueError("an install cannot start while an uninstall is running")
        given = {check_secret_name(name): value for name, value in secrets.items()}
        expiries = dict(secret_expires_at or {})
        if not set(expiries) <= set(given):
            raise ValueError("secret_expires_at names secrets that are not given")

        current = self.get(ctx)
        now = self._clock()
        profile = self._profiles.prepare_install(
            ctx,
            current,
            now=now,
            allowed=allowed,
            expected_revision=expected_revision,
            environment=environment,
            api_base=api_base,
            installed_by=installed_by,
            optional={
                "serial": serial,
                "company_name": company_name,
                "endpoint": endpoint,
                "version": version,
                "state_answer": state_answer,
                "state_valid_until": state_valid_until,
            },
        )
        secret_actions = self._secrets.replace_all_actions(ctx, given, expires_at=expiries, now=now)
        self._profiles.transact(
            [profile.action, *secret_actions],
            ctx,
            operation="begin an install",
            to=TenantStatus.INSTALLING,
            allowed=allowed,
            expected_revision=profile.read_revision,
        )
        return profile.profile

    def transition(
        self,
        ctx: str,
        to: StatusLike,
        *,
        allowed_from: Collection[StatusLike],
        expected_revision: int | None = None,
        **fields: object,
    ) -> TenantProfile:
        """Move the tenant to ``to`` if its status is in ``allowed_from``; set ``fields`` too.

        ``fields``: any of ``UPDATABLE_FIELDS`` (None removes one). With
        ``expected_revision`` the write also requires that revision. Raises
        TransitionError (status not allowed: late or duplicate events end here),
        ConflictError (revision moved on), TenantNotFoundError, TenantStatusError.
        ``installing`` is entered by begin_install, ``uninstalled``/``deleted`` by purge.
        """
        return self._profiles.transition(
            ctx, to, allowed_from=allowed_from, expected_revision=expected_revision, **fields
        )

    def update_fields(
        self, ctx: str, *, expected_revision: int | None = None, **fields: object
    ) -> TenantProfile:
        """Set profile ``fields`` (``UPDATABLE_FIELDS``; None removes one), status unchanged.

        With ``expected_revision`` only if the profile is still at that revision
        (ConflictError otherwise); without, the write applies on top of whatever is there
        (fine for caches such as the state API's answer). Purged tenants are refused.
        """
        return self._profiles.update_fields(ctx, expected_revision=expected_revision, **fields)

    # -- secrets ----------------------------------------------------------------------------

    def put_secret(
        self, ctx: str, name: str, value: str | Secret, *, expires_at: datetime | None = None
    ) -> None:
        """Seal and store a secret (replacing the previous one) of an existing tenant.

        Refused (TenantStatusError) once the tenant is purged or being purged, so a
        straggling worker cannot put a ticket back after an uninstall: the secret and
        the check of the profile are one transaction.
        """
        put = self._secrets.put_action(ctx, name, value, expires_at=expires_at, now=self._clock())
        self._profiles.transact(
            [self._profiles.live_check(ctx), put],
            ctx,
            operation=f"store secret {name!r}",
            to=None,
            allowed=LIVE_STATUSES,
            expected_revision=None,
        )

    def get_secret(self, ctx: str, name: str) -> Secret | None:
        """The secret, opened; None if absent or expired (TTL deletes lazily, so we check)."""
        return self._secrets.get(ctx, name)

    def delete_secret(self, ctx: str, name: str) -> bool:
        """Delete the secret; True if there was one."""
        return self._secrets.delete(ctx, name)

    # -- provisioning records ---------------------------------------------------------------

    def record_provisioned(self, ctx: str, item: ProvisionedItem) -> ProvisionedItem:
        """Record (or update) an item created in SuperOffice; idempotent by kind and key.

        Unconditional on the tenant's status (see ``ProvisionedRecords.record``).
        """
        return self._provisioned.record(ctx, item)

    def list_provisioned(self, ctx: str, kind: str | None = None) -> list[ProvisionedItem]:
        """Everything recorded as provisioned (of one kind, if given), by kind and key."""
        return self._provisioned.find(ctx, kind)

    def remove_provisioned(self, ctx: str, kind: str, key: str) -> bool:
        """Forget a provisioned item (after removing it from SuperOffice); True if recorded."""
        return self._provisioned.remove(ctx, kind, key)

    # -- audit trail ------------------------------------------------------------------------

    def append_event(
        self,
        ctx: str,
        kind: str,
        summary: str,
        details: Mapping[str, Any] | None = None,
        actor: str | None = None,
    ) -> AuditEvent:
        """Add an entry to the tenant's audit trail (kept for ``event_retention``).

        ``details`` must not hold secrets: Secret values and credential-named keys are
        refused with ValueError/TypeError. Works for tenants without a profile too (a
        notification about an unknown tenant is worth recording).
        """
        return self._audit.append(ctx, kind, summary, details, actor)

    def recent_events(self, ctx: str, limit: int = 20) -> list[AuditEvent]:
        """The newest ``limit`` events, newest first."""
        return self._audit.recent(ctx, limit)

    # -- purge ------------------------------------------------------------------------------

    def purge(
        self,
        ctx: str,
        *,
        status: StatusLike = TenantStatus.UNINSTALLED,
        keep_tombstone: bool = True,
        allowed_from: Collection[StatusLike] | None = None,
        expected_revision: int | None = None,
    ) -> PurgeResult:
        """Remove what the app holds for the tenant; leave a tombstone and the audit trail.

        ``status``: ``uninstalled`` (default; allowed from ``uninstalling``) or
        ``deleted`` (the subscription ended; allowed from any status). Deletes the
        secrets, provisioning records, sync state, lease and anything else under the
        tenant except its profile and events; the profile becomes a tombstone (status,
        timestamps, environment, company, counts of what was removed). With
        ``keep_tombstone=False`` the profile and the events go too. Crash-safe and
        repeatable (see ``purge.py``).
        """
        return self._purge.run(
            ctx,
            status=status,
            keep_tombstone=keep_tombstone,
            allowed_from=allowed_from,
            expected_revision=expected_revision,
        )

    # -- listing ----------------------------------------------------------------------------

    def list_by_status(self, status: StatusLike, page_size: int = 100) -> Iterator[str]:
        """The ctx of every tenant in ``status``, in ctx order, read page by page.

        Reads the sparse ``ByStatus`` index (eventually consistent: a tenant that changed
        status a moment ago may still be listed under the old one).
        """
        wanted = TenantStatus(status)
        if not 1 <= page_size <= 1000:
            raise ValueError("page_size must be between 1 and 1000")
        pages = status_pages(self._table, wanted, page_size=page_size)
        return (tenant.ctx for page in pages for tenant in page)
