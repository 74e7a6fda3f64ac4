"""Tenant profiles: the ``PROFILE`` item, its status and its revision.

Every write to a profile adds 1 to its ``revision`` and is conditional: on the statuses
it may start from, on no purge being under way (except the purge's own writes) and,
when the caller says so, on the revision it read. Concurrent or late writers therefore
fail with ``ConflictError`` or ``TransitionError`` instead of overwriting each other.
Writes that must go with other items (an install's secrets, a secret's liveness check)
are built here and sent in one transaction by ``transact``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from .attributes import Item, from_item, to_item
from .clock import Clock, format_instant
from .dynamo import DynamoTable, Expression, TransactAction, cancellation_reasons, error_code
from .errors import ConflictError, TenantNotFoundError, TransitionError
from .keys import PROFILE_SK, tenant_key, tenant_pk
from .models import (
    Installer,
    TenantProfile,
    encode_fields,
    encode_installer,
    profile_from_item,
    required_text,
)
from .refusals import profile_refusal, purge_running
from .statuses import (
    LIVE_STATUSES,
    PURGED_STATUSES,
    StatusLike,
    TenantStatus,
    status_set,
    status_values,
)

__all__ = ["PendingProfileWrite", "TenantProfiles", "read_profile"]


def read_profile(table: DynamoTable, ctx: str) -> TenantProfile | None:
    """The tenant's profile (a strongly consistent read), or None.

    Needs no KMS key: for readers that only ask what status a tenant is in.
    """
    item = _raw_profile(table, ctx)
    return profile_from_item(from_item(item)) if item else None


@dataclass(frozen=True)
class PendingProfileWrite:
    """A profile write to send in a transaction, and the profile it writes."""

    action: TransactAction
    profile: TenantProfile
    # The revision the write is conditional on (None: on the profile not existing yet).
    read_revision: int | None


class TenantProfiles:
    """The ``PROFILE`` items of TenantsTable."""

    def __init__(self, table: DynamoTable, *, clock: Clock) -> None:
        self._table = table
        self._client = table.client
        self._clock = clock

    def get(self, ctx: str) -> TenantProfile | None:
        """The tenant's profile (a strongly consistent read), or None."""
        return read_profile(self._table, ctx)

    def prepare_install(
        self,
        ctx: str,
        current: TenantProfile | None,
        *,
        now: datetime,
        allowed: frozenset[TenantStatus],
        expected_revision: int | None,
        environment: str,
        api_base: str,
        installed_by: Installer,
        optional: Mapping[str, object],
    ) -> PendingProfileWrite:
        """The profile of an install starting now, as a Put conditional on ``current``.

        ``current``: the profile as just read (None: no tenant yet); the Put fails if it
        changed since. ``optional``: the ``UPDATABLE_FIELDS`` the install knows (None:
        not known). A reinstall keeps ``created_at`` and the revision keeps counting.
        Raises as ``TenantStore.begin_install`` says, before anything is written.
        """
        if current is not None:
            if current.purge_pending:
                raise purge_running(ctx, current.status, "begin an install")
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
            "environment": required_text(environment, "environment"),
            "api_base": required_text(api_base, "api_base"),
        }
        profile.update(encode_fields(optional))
        condition = Expression()
        if current is None:
            condition_text = f"attribute_not_exists({condition.name('PK')})"
        else:
            # The revision read above pins everything checked above, a purge's mark too.
            condition_text = f"{condition.name('revision')} = {condition.value(current.revision)}"
        item = to_item(profile)
        action: TransactAction = {
            "Put": {
                "TableName": self._table.name,
                "Item": item,
                "ConditionExpression": condition_text,
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                **condition.arguments(),
            }
        }
        return PendingProfileWrite(
            action=action,
            profile=profile_from_item(from_item(item)),
            read_revision=current.revision if current is not None else None,
        )

    def live_check(self, ctx: str) -> TransactAction:
        """A transaction's check that the tenant exists, is not purged, and no purge runs."""
        check = Expression()
        condition = (
            f"attribute_exists({check.name('PK')}) "
            f"AND NOT {check.name('status')} IN {check.values_in(status_values(PURGED_STATUSES))} "
            f"AND attribute_not_exists({check.name('purge_pending')})"
        )
        return {
            "ConditionCheck": {
                "TableName": self._table.name,
                "Key": tenant_key(ctx, PROFILE_SK),
                "ConditionExpression": condition,
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                **check.arguments(),
            }
        }

    def transact(
        self,
        actions: list[TransactAction],
        ctx: str,
        *,
        operation: str,
        to: TenantStatus | None,
        allowed: frozenset[TenantStatus],
        expected_revision: int | None,
    ) -> None:
        """Write ``actions`` in one transaction whose first action is the profile's.

        A refusal of that first action is judged from the profile as it was.
        """
        try:
            self._client.transact_write_items(TransactItems=actions)
        except Exception as error:
            raise self._transaction_refusal(
                error,
                ctx,
                operation=operation,
                to=to,
                allowed=allowed,
                expected_revision=expected_revision,
            ) from None

    def transition(
        self,
        ctx: str,
        to: StatusLike,
        *,
        allowed_from: Collection[StatusLike],
        expected_revision: int | None = None,
        **fields: object,
    ) -> TenantProfile:
        """As ``TenantStore.transition``."""
        target = TenantStatus(to)
        if target is TenantStatus.INSTALLING:
            raise ValueError("a tenant enters installing through begin_install (with secrets)")
        if target in PURGED_STATUSES:
            raise ValueError(f"a tenant becomes {target} through purge (which removes its data)")
        allowed = status_set(allowed_from)
        if allowed & PURGED_STATUSES:
            raise ValueError("a purged tenant comes back through begin_install only")
        now = format_instant(self._clock())
        changes: dict[str, object] = {
            "status": target.value,
            "transitioned_at": now,
            "updated_at": now,
            **encode_fields(fields),
        }
        return self.update(
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
        """As ``TenantStore.update_fields``."""
        if not fields:
            raise ValueError("update_fields needs at least one field")
        changes: dict[str, object] = {
            "updated_at": format_instant(self._clock()),
            **encode_fields(fields),
        }
        return self.update(
            ctx,
            changes,
            allowed=LIVE_STATUSES,
            expected_revision=expected_revision,
            operation="update its profile",
            to=None,
        )

    def update(
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
            f"{expression.name('status')} IN {expression.values_in(status_values(allowed))}",
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
            refusal = profile_refusal(
                ctx,
                old if old is not None else _raw_profile(self._table, ctx),
                operation=operation,
                to=to,
                allowed=allowed,
                expected_revision=expected_revision,
                allow_during_purge=allow_during_purge,
            )
        else:
            return profile_from_item(from_item(answer["Attributes"]))
        raise refusal

    # -- internals --------------------------------------------------------------------------

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
            return profile_refusal(
                ctx,
                old if old is not None else _raw_profile(self._table, ctx),
                operation=operation,
                to=to,
                allowed=allowed,
                expected_revision=expected_revision,
            )
        if any(reason.get("Code") == "TransactionConflict" for reason in reasons):
            return ConflictError(ctx, expected_revision=expected_revision, actual_revision=None)
        return error


def _raw_profile(table: DynamoTable, ctx: str) -> Item | None:
    # Also for endpoints that do not return the failing item with a refusal.
    answer = table.client.get_item(
        TableName=table.name, Key=tenant_key(ctx, PROFILE_SK), ConsistentRead=True
    )
    item: Item | None = answer.get("Item")
    return item
