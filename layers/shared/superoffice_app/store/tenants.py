"""The tenant store: profiles, sealed secrets, provisioning records and the audit trail.

One DynamoDB table (TenantsTable, keys in ``keys.py``). Every write to a profile adds 1
to its ``revision`` and is conditional: on the statuses it may start from, and, when
the caller says so, on the revision it read. Concurrent or late writers therefore fail
with ``ConflictError`` or ``TransitionError`` instead of overwriting each other.
"""

from __future__ import annotations

import secrets as token_source
import time
from collections.abc import Collection, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any, Final

from superoffice_app.tokens.secret import Secret

from .attributes import Item, from_item, to_item
from .clock import Clock, epoch_seconds, format_instant, utc_now
from .dynamo import DynamoTable, Expression, cancellation_reasons, error_code
from .errors import (
    ConflictError,
    StoreError,
    TenantNotFoundError,
    TenantStatusError,
    TransitionError,
)
from .keys import (
    BY_STATUS_INDEX,
    EVENT_PREFIX,
    LEASE_SK,
    PROFILE_SK,
    PROVISIONED_PREFIX,
    SECRET_NAMES,
    SECRET_PREFIX,
    SYNC_PREFIX,
    check_ctx,
    check_secret_name,
    event_sk,
    provisioned_prefix,
    provisioned_sk,
    secret_sk,
    tenant_key,
    tenant_pk,
)
from .models import (
    AuditEvent,
    Installer,
    ProvisionedItem,
    PurgeResult,
    TenantProfile,
    encode_fields,
    encode_installer,
    encode_json,
    event_from_item,
    profile_from_item,
    provisioned_from_item,
)
from .secret_box import SecretBox
from .statuses import PURGED_STATUSES, REINSTALLABLE_STATUSES, TenantStatus

__all__ = ["DEFAULT_EVENT_RETENTION", "TenantStore", "read_profile"]

# Audit events expire (DynamoDB TTL) after this long.
DEFAULT_EVENT_RETENTION: Final = timedelta(days=400)
_MAX_SUMMARY_CHARS: Final = 1000
_BATCH_WRITE_LIMIT: Final = 25
_BATCH_RETRIES: Final = 8
_LIVE_STATUSES: Final = frozenset(TenantStatus) - PURGED_STATUSES
# The kinds of item a purge counts, by sort-key prefix.
_REMOVED_KINDS: Final = (
    (SECRET_PREFIX, "secrets"),
    (PROVISIONED_PREFIX, "provisioned"),
    (SYNC_PREFIX, "sync_state"),
    (LEASE_SK, "lease"),
    (EVENT_PREFIX, "events"),
)

StatusLike = TenantStatus | str


def read_profile(table: DynamoTable, ctx: str) -> TenantProfile | None:
    """The tenant's profile (a strongly consistent read), or None.

    Needs no KMS key: for readers that only ask what status a tenant is in.
    """
    answer = table.client.get_item(
        TableName=table.name, Key=tenant_key(ctx, PROFILE_SK), ConsistentRead=True
    )
    item = answer.get("Item")
    return profile_from_item(from_item(item)) if item else None


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
        self._client = table.client
        self._box = secret_box
        self._clock = clock
        self._event_retention = event_retention

    def __repr__(self) -> str:
        return f"TenantStore(table={self._table.name!r})"

    # -- profiles ---------------------------------------------------------------------------

    def get(self, ctx: str) -> TenantProfile | None:
        """The tenant's profile (a strongly consistent read), or None."""
        return read_profile(self._table, ctx)

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
        allowed = _statuses(allowed_from)
        if not allowed <= REINSTALLABLE_STATUSES:
            raise ValueError("an install cannot start while an uninstall is running")
        given = {check_secret_name(name): value for name, value in secrets.items()}
        expiries = dict(secret_expires_at or {})
        if not set(expiries) <= set(given):
            raise ValueError("secret_expires_at names secrets that are not given")

        current = self.get(ctx)
        if current is not None:
            if current.purge_pending:
                raise _purge_running(ctx, current.status, "begin an install")
            if expected_revision is not None and current.revision != expected_revision:
                raise ConflictError(
                    ctx, expected_revision=expected_revision, actual_revision=current.revision
                )
            if current.status not in allowed:
                raise TransitionError(
                    ctx, status=current.status, to=TenantStatus.INSTALLING, allowed=allowed
                )
        elif expected_revision is not None:
            raise TenantNotFoundError(ctx)

        now = self._clock()
        stamp = format_instant(now)
        profile: dict[str, object] = {
            "PK": tenant_pk(ctx),
            "SK": PROFILE_SK,
            "ctx": ctx,
            "status": TenantStatus.INSTALLING.value,
            "revision": current.revision + 1 if current is not None else 1,
            "created_at": format_instant(current.created_at) if current is not None else stamp,
            "updated_at": stamp,
            "transitioned_at": stamp,
            "installed_at": stamp,
            "installed_by": encode_installer(installed_by),
            "environment": _required_text(environment, "environment"),
            "api_base": _required_text(api_base, "api_base"),
        }
        profile.update(
            encode_fields(
                {
                    "serial": serial,
                    "company_name": company_name,
                    "endpoint": endpoint,
                    "version": version,
                    "state_answer": state_answer,
                    "state_valid_until": state_valid_until,
                }
            )
        )
        condition = Expression()
        if current is None:
            condition_text = f"attribute_not_exists({condition.name('PK')})"
        else:
            # The revision read above pins everything checked above, a purge's mark too.
            condition_text = f"{condition.name('revision')} = {condition.value(current.revision)}"
        actions: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self._table.name,
                    "Item": to_item(profile),
                    "ConditionExpression": condition_text,
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    **condition.arguments(),
                }
            }
        ]
        for name, value in sorted(given.items()):
            item = self._secret_item(ctx, name, value, expiries.get(name), now)
            actions.append({"Put": {"TableName": self._table.name, "Item": item}})
        for name in sorted(SECRET_NAMES - set(given)):
            key = tenant_key(ctx, secret_sk(name))
            actions.append({"Delete": {"TableName": self._table.name, "Key": key}})
        try:
            self._client.transact_write_items(TransactItems=actions)
        except Exception as error:
            raise self._transaction_refusal(
                error,
                ctx,
                operation="begin an install",
                to=TenantStatus.INSTALLING,
                allowed=allowed,
                expected_revision=current.revision if current is not None else None,
            ) from None
        return profile_from_item(from_item(to_item(profile)))

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
        target = TenantStatus(to)
        if target is TenantStatus.INSTALLING:
            raise ValueError("a tenant enters installing through begin_install (with secrets)")
        if target in PURGED_STATUSES:
            raise ValueError(f"a tenant becomes {target} through purge (which removes its data)")
        allowed = _statuses(allowed_from)
        if allowed & PURGED_STATUSES:
            raise ValueError("a purged tenant comes back through begin_install only")
        now = format_instant(self._clock())
        changes: dict[str, object] = {
            "status": target.value,
            "transitioned_at": now,
            "updated_at": now,
            **encode_fields(fields),
        }
        return self._update_profile(
            ctx,
            changes,
            allowed=allowed,
            expected_revision=expected_revision,
            operation=f"move to {target}",
            to=target,
        )

    def update_fields(
        self, ctx: str, *, expected_revision: int | None = None, **fields: object
    ) -> TenantProfile:
        """Set profile ``fields`` (``UPDATABLE_FIELDS``; None removes one), status unchanged.

        With ``expected_revision`` only if the profile is still at that revision
        (ConflictError otherwise); without, the write applies on top of whatever is there
        (fine for caches such as the state API's answer). Purged tenants are refused.
        """
        if not fields:
            raise ValueError("update_fields needs at least one field")
        changes: dict[str, object] = {
            "updated_at": format_instant(self._clock()),
            **encode_fields(fields),
        }
        return self._update_profile(
            ctx,
            changes,
            allowed=_LIVE_STATUSES,
            expected_revision=expected_revision,
            operation="update its profile",
            to=None,
        )

    # -- secrets ----------------------------------------------------------------------------

    def put_secret(
        self, ctx: str, name: str, value: str | Secret, *, expires_at: datetime | None = None
    ) -> None:
        """Seal and store a secret (replacing the previous one) of an existing tenant.

        Refused (TenantStatusError) once the tenant is purged or being purged, so a
        straggling worker cannot put a ticket back after an uninstall.
        """
        item = self._secret_item(ctx, name, value, expires_at, self._clock())
        check = Expression()
        condition = (
            f"attribute_exists({check.name('PK')}) "
            f"AND NOT {check.name('status')} IN {check.values_in(_values(PURGED_STATUSES))} "
            f"AND attribute_not_exists({check.name('purge_pending')})"
        )
        actions = [
            {
                "ConditionCheck": {
                    "TableName": self._table.name,
                    "Key": tenant_key(ctx, PROFILE_SK),
                    "ConditionExpression": condition,
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    **check.arguments(),
                }
            },
            {"Put": {"TableName": self._table.name, "Item": item}},
        ]
        try:
            self._client.transact_write_items(TransactItems=actions)
        except Exception as error:
            raise self._transaction_refusal(
                error,
                ctx,
                operation=f"store secret {name!r}",
                to=None,
                allowed=_LIVE_STATUSES,
                expected_revision=None,
            ) from None

    def get_secret(self, ctx: str, name: str) -> Secret | None:
        """The secret, opened; None if absent or expired (TTL deletes lazily, so we check)."""
        item = self._get_item(ctx, secret_sk(name))
        if item is None:
            return None
        expires_at = item.get("expires_at")
        if expires_at is not None and int(expires_at) <= epoch_seconds(self._clock()):
            return None
        return self._box.open(ctx, name, item["ciphertext"])

    def delete_secret(self, ctx: str, name: str) -> bool:
        """Delete the secret; True if there was one."""
        answer = self._client.delete_item(
            TableName=self._table.name,
            Key=tenant_key(ctx, secret_sk(name)),
            ReturnValues="ALL_OLD",
        )
        return bool(answer.get("Attributes"))

    # -- provisioning records ---------------------------------------------------------------

    def record_provisioned(self, ctx: str, item: ProvisionedItem) -> ProvisionedItem:
        """Record (or update) an item created in SuperOffice; idempotent by kind and key.

        Unconditional on the tenant's status on purpose: whatever exists in SuperOffice
        must be on record, even if an uninstall raced the provisioning, so that it can
        still be found and removed. ``created_at`` keeps the first recording's time.
        """
        now = format_instant(self._clock())
        expression = Expression()
        values: dict[str, object] = {
            "kind": item.kind,
            "key": item.key,
            "name": item.name,
            "superoffice_id": item.superoffice_id,
            "details": encode_json(item.details, "provisioning details") if item.details else None,
            "updated_at": now,
        }
        assignments = [
            f"{expression.name(name)} = {expression.value(value)}"
            for name, value in values.items()
            if value is not None
        ]
        created = expression.name("created_at")
        assignments.append(f"{created} = if_not_exists({created}, {expression.value(now)})")
        removals = [expression.name(name) for name, value in values.items() if value is None]
        update = "SET " + ", ".join(assignments)
        if removals:
            update += " REMOVE " + ", ".join(removals)
        answer = self._client.update_item(
            TableName=self._table.name,
            Key=tenant_key(ctx, provisioned_sk(item.kind, item.key)),
            UpdateExpression=update,
            ReturnValues="ALL_NEW",
            **expression.arguments(),
        )
        return provisioned_from_item(from_item(answer["Attributes"]))

    def list_provisioned(self, ctx: str, kind: str | None = None) -> list[ProvisionedItem]:
        """Everything recorded as provisioned (of one kind, if given), by kind and key."""
        prefix = provisioned_prefix(kind) if kind is not None else PROVISIONED_PREFIX
        return [provisioned_from_item(item) for item in self._query_prefix(ctx, prefix)]

    def remove_provisioned(self, ctx: str, kind: str, key: str) -> bool:
        """Forget a provisioned item (after removing it from SuperOffice); True if recorded."""
        answer = self._client.delete_item(
            TableName=self._table.name,
            Key=tenant_key(ctx, provisioned_sk(kind, key)),
            ReturnValues="ALL_OLD",
        )
        return bool(answer.get("Attributes"))

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
        _required_text(kind, "kind")
        _required_text(summary, "summary")
        if len(summary) > _MAX_SUMMARY_CHARS:
            raise ValueError(f"summary is longer than {_MAX_SUMMARY_CHARS} characters")
        now = self._clock()
        event_id = token_source.token_hex(8)
        values: dict[str, object] = {
            "PK": tenant_pk(ctx),
            "SK": event_sk(now, event_id),
            "event_id": event_id,
            "at": format_instant(now),
            "kind": kind,
            "summary": summary,
            "details": encode_json(details, "event details") if details else None,
            "actor": actor,
            "expires_at": epoch_seconds(now + self._event_retention),
        }
        self._client.put_item(TableName=self._table.name, Item=to_item(values))
        return event_from_item(values)

    def recent_events(self, ctx: str, limit: int = 20) -> list[AuditEvent]:
        """The newest ``limit`` events, newest first."""
        if not 1 <= limit <= 1000:
            raise ValueError("limit must be between 1 and 1000")
        expression = Expression()
        answer = self._client.query(
            TableName=self._table.name,
            KeyConditionExpression=(
                f"{expression.name('PK')} = {expression.value(tenant_pk(ctx))} "
                f"AND begins_with({expression.name('SK')}, {expression.value(EVENT_PREFIX)})"
            ),
            ScanIndexForward=False,
            Limit=limit,
            ConsistentRead=True,
            **expression.arguments(),
        )
        return [event_from_item(from_item(item)) for item in answer.get("Items", [])]

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
        ``keep_tombstone=False`` the profile and the events go too.

        Crash-safe and repeatable: the profile is marked first (``purge_pending``, the
        new status; secrets can no longer be written, installs wait), the items are
        deleted, then the tombstone replaces the mark. An interrupted purge is completed
        by running it again; purging a purged tenant again is allowed and adds nothing.
        """
        target = TenantStatus(status)
        if target not in PURGED_STATUSES:
            raise ValueError(f"purge leaves a tenant uninstalled or deleted, not {target}")
        if allowed_from is not None:
            allowed = _statuses(allowed_from)
        elif target is TenantStatus.UNINSTALLED:
            allowed = frozenset({TenantStatus.UNINSTALLING})
        else:
            allowed = frozenset(TenantStatus)
        allowed |= {target}  # finishing an interrupted purge, or repeating a finished one

        current = self.get(ctx)
        if current is None:
            raise TenantNotFoundError(ctx)
        if expected_revision is not None and current.revision != expected_revision:
            raise ConflictError(
                ctx, expected_revision=expected_revision, actual_revision=current.revision
            )
        if current.status not in allowed:
            raise TransitionError(ctx, status=current.status, to=target, allowed=allowed)

        stamp = format_instant(self._clock())
        mark: dict[str, object] = {
            "status": target.value,
            "updated_at": stamp,
            "purge_pending": True,
        }
        if current.status is not target:
            mark["transitioned_at"] = stamp
        marked = self._update_profile(
            ctx,
            mark,
            allowed=allowed,
            expected_revision=current.revision,
            operation=f"purge to {target}",
            to=target,
            allow_during_purge=True,
        )

        removed = self._delete_tenant_items(ctx, keep_events=keep_tombstone)

        condition = Expression()
        guard = {
            "ConditionExpression": (
                f"{condition.name('revision')} = {condition.value(marked.revision)}"
            ),
            **condition.arguments(),
        }
        if not keep_tombstone:
            try:
                self._client.delete_item(
                    TableName=self._table.name, Key=tenant_key(ctx, PROFILE_SK), **guard
                )
            except Exception as error:
                raise self._single_refusal(error, ctx, marked.revision) from None
            return PurgeResult(ctx=ctx, status=target, removed=removed, tombstone=None)

        totals = dict(current.removed)
        for kind, count in removed.items():
            totals[kind] = totals.get(kind, 0) + count
        finished = format_instant(self._clock())
        tombstone: dict[str, object] = {
            "PK": tenant_pk(ctx),
            "SK": PROFILE_SK,
            "ctx": ctx,
            "status": target.value,
            "revision": marked.revision + 1,
            "created_at": format_instant(marked.created_at),
            "updated_at": finished,
            "transitioned_at": format_instant(marked.transitioned_at),
            "environment": marked.environment,
            "company_name": marked.company_name,
            "installed_at": format_instant(marked.installed_at) if marked.installed_at else None,
            "purged_at": finished,
            "removed": totals,
        }
        try:
            self._client.put_item(TableName=self._table.name, Item=to_item(tombstone), **guard)
        except Exception as error:
            raise self._single_refusal(error, ctx, marked.revision) from None
        return PurgeResult(
            ctx=ctx,
            status=target,
            removed=removed,
            tombstone=profile_from_item(from_item(to_item(tombstone))),
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
        return self._ctx_pages(wanted, page_size)  # a generator: arguments checked at once

    def _ctx_pages(self, wanted: TenantStatus, page_size: int) -> Iterator[str]:
        expression = Expression()
        arguments: dict[str, Any] = {
            "TableName": self._table.name,
            "IndexName": BY_STATUS_INDEX,
            "KeyConditionExpression": (
                f"{expression.name('status')} = {expression.value(wanted.value)}"
            ),
            "Limit": page_size,
            **expression.arguments(),
        }
        while True:
            page = self._client.query(**arguments)
            for item in page.get("Items", []):
                yield str(item["ctx"]["S"])
            start = page.get("LastEvaluatedKey")
            if not start:
                return
            arguments["ExclusiveStartKey"] = start

    # -- internals --------------------------------------------------------------------------

    def _get_item(self, ctx: str, sk: str) -> dict[str, Any] | None:
        answer = self._client.get_item(
            TableName=self._table.name, Key=tenant_key(ctx, sk), ConsistentRead=True
        )
        item = answer.get("Item")
        return from_item(item) if item else None

    def _secret_item(
        self,
        ctx: str,
        name: str,
        value: str | Secret,
        expires_at: datetime | None,
        now: datetime,
    ) -> Item:
        sk = secret_sk(name)
        return to_item(
            {
                "PK": tenant_pk(ctx),
                "SK": sk,
                "name": name,
                "ciphertext": self._box.seal(ctx, name, value),
                "updated_at": format_instant(now),
                "expires_at": epoch_seconds(expires_at) if expires_at is not None else None,
            }
        )

    def _update_profile(
        self,
        ctx: str,
        changes: Mapping[str, object],
        *,
        allowed: frozenset[TenantStatus],
        expected_revision: int | None,
        operation: str,
        to: TenantStatus | None,
        allow_during_purge: bool = False,
    ) -> TenantProfile:
        """UpdateItem on the profile: set/remove ``changes``, revision + 1, conditionally."""
        expression = Expression()
        assignments = [
            f"{expression.name(name)} = {expression.value(value)}"
            for name, value in changes.items()
            if value is not None
        ]
        revision = expression.name("revision")
        assignments.append(f"{revision} = {revision} + {expression.value(1)}")
        update = "SET " + ", ".join(assignments)
        removals = [expression.name(name) for name, value in changes.items() if value is None]
        if removals:
            update += " REMOVE " + ", ".join(removals)
        conditions = [
            f"attribute_exists({expression.name('PK')})",
            f"{expression.name('status')} IN {expression.values_in(_values(allowed))}",
        ]
        if not allow_during_purge:
            conditions.append(f"attribute_not_exists({expression.name('purge_pending')})")
        if expected_revision is not None:
            conditions.append(f"{revision} = {expression.value(expected_revision)}")
        try:
            answer = self._client.update_item(
                TableName=self._table.name,
                Key=tenant_key(ctx, PROFILE_SK),
                UpdateExpression=update,
                ConditionExpression=" AND ".join(conditions),
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
                **expression.arguments(),
            )
        except Exception as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
            old = getattr(error, "response", {}).get("Item")
            refusal = self._refusal(
                ctx,
                old if old is not None else self._raw_profile(ctx),
                operation=operation,
                to=to,
                allowed=allowed,
                expected_revision=expected_revision,
                allow_during_purge=allow_during_purge,
            )
        else:
            return profile_from_item(from_item(answer["Attributes"]))
        raise refusal

    def _raw_profile(self, ctx: str) -> Item | None:
        # For endpoints that do not return the failing item with the refusal.
        answer = self._client.get_item(
            TableName=self._table.name, Key=tenant_key(ctx, PROFILE_SK), ConsistentRead=True
        )
        item: Item | None = answer.get("Item")
        return item

    def _refusal(
        self,
        ctx: str,
        old_item: Item | None,
        *,
        operation: str,
        to: TenantStatus | None,
        allowed: frozenset[TenantStatus],
        expected_revision: int | None,
        allow_during_purge: bool = False,
    ) -> StoreError:
        """Why a conditional profile write failed, judged from the profile as it was."""
        if not old_item:
            return TenantNotFoundError(ctx)
        old = profile_from_item(from_item(old_item))
        if expected_revision is not None and old.revision != expected_revision:
            return ConflictError(
                ctx, expected_revision=expected_revision, actual_revision=old.revision
            )
        if old.purge_pending and not allow_during_purge:
            return _purge_running(ctx, old.status, operation)
        if old.status not in allowed:
            if to is not None:
                return TransitionError(ctx, status=old.status, to=to, allowed=allowed)
            return TenantStatusError(ctx, status=old.status, operation=operation, allowed=allowed)
        return ConflictError(ctx, expected_revision=expected_revision, actual_revision=old.revision)

    def _transaction_refusal(
        self,
        error: Exception,
        ctx: str,
        *,
        operation: str,
        to: TenantStatus | None,
        allowed: frozenset[TenantStatus],
        expected_revision: int | None,
    ) -> Exception:
        """The store's error for a cancelled transaction whose first action is the profile's."""
        if error_code(error) != "TransactionCanceledException":
            return error
        reasons = cancellation_reasons(error)
        first = reasons[0] if reasons else {}
        if first.get("Code") == "ConditionalCheckFailed":
            old = first.get("Item")
            return self._refusal(
                ctx,
                old if old is not None else self._raw_profile(ctx),
                operation=operation,
                to=to,
                allowed=allowed,
                expected_revision=expected_revision,
            )
        if any(reason.get("Code") == "TransactionConflict" for reason in reasons):
            return ConflictError(ctx, expected_revision=expected_revision, actual_revision=None)
        return error

    def _single_refusal(self, error: Exception, ctx: str, expected_revision: int) -> Exception:
        if error_code(error) != "ConditionalCheckFailedException":
            return error
        current = self.get(ctx)
        return ConflictError(
            ctx,
            expected_revision=expected_revision,
            actual_revision=current.revision if current is not None else None,
        )

    def _query_prefix(self, ctx: str, prefix: str) -> Iterator[dict[str, Any]]:
        expression = Expression()
        arguments: dict[str, Any] = {
            "TableName": self._table.name,
            "KeyConditionExpression": (
                f"{expression.name('PK')} = {expression.value(tenant_pk(ctx))} "
                f"AND begins_with({expression.name('SK')}, {expression.value(prefix)})"
            ),
            "ConsistentRead": True,
            **expression.arguments(),
        }
        while True:
            page = self._client.query(**arguments)
            for item in page.get("Items", []):
                yield from_item(item)
            start = page.get("LastEvaluatedKey")
            if not start:
                return
            arguments["ExclusiveStartKey"] = start

    def _delete_tenant_items(self, ctx: str, *, keep_events: bool) -> dict[str, int]:
        """Delete every item of the tenant but its profile (and events, if kept); counts."""
        expression = Expression()
        arguments: dict[str, Any] = {
            "TableName": self._table.name,
            "KeyConditionExpression": (
                f"{expression.name('PK')} = {expression.value(tenant_pk(ctx))}"
            ),
            "ProjectionExpression": f"{expression.name('PK')}, {expression.name('SK')}",
            "ConsistentRead": True,
            **expression.arguments(),
        }
        removed: dict[str, int] = {}
        keys: list[Item] = []
        while True:
            page = self._client.query(**arguments)
            for key in page.get("Items", []):
                sk = str(key["SK"]["S"])
                if sk == PROFILE_SK or (keep_events and sk.startswith(EVENT_PREFIX)):
                    continue
                keys.append(key)
                kind = _removed_kind(sk)
                removed[kind] = removed.get(kind, 0) + 1
            start = page.get("LastEvaluatedKey")
            if not start:
                break
            arguments["ExclusiveStartKey"] = start
        for offset in range(0, len(keys), _BATCH_WRITE_LIMIT):
            self._batch_delete(keys[offset : offset + _BATCH_WRITE_LIMIT])
        return removed

    def _batch_delete(self, keys: list[Item]) -> None:
        requests: list[dict[str, Any]] = [{"DeleteRequest": {"Key": key}} for key in keys]
        for attempt in range(_BATCH_RETRIES):
            answer = self._client.batch_write_item(RequestItems={self._table.name: requests})
            requests = answer.get("UnprocessedItems", {}).get(self._table.name, [])
            if not requests:
                return
            time.sleep(min(0.05 * 2**attempt, 2.0))  # DynamoDB asks us to back off
        raise StoreError(f"DynamoDB left {len(requests)} deletes unprocessed; run the purge again")


def _statuses(statuses: Collection[StatusLike]) -> frozenset[TenantStatus]:
    if isinstance(statuses, str):
        raise TypeError("allowed_from takes a collection of statuses, not one string")
    converted = frozenset(TenantStatus(status) for status in statuses)
    if not converted:
        raise ValueError("allowed_from needs at least one status")
    return converted


def _values(statuses: frozenset[TenantStatus]) -> list[str]:
    return sorted(status.value for status in statuses)


def _required_text(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string")
    return value


def _purge_running(ctx: str, status: str, operation: str) -> TenantStatusError:
    return TenantStatusError(
        ctx,
        status=status,
        operation=operation,
        allowed=(),
        detail="a purge is under way or was interrupted; run purge to the end first",
    )


def _removed_kind(sk: str) -> str:
    for prefix, kind in _REMOVED_KINDS:
        if sk.startswith(prefix):
            return kind
    return "other"
