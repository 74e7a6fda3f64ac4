"""Why a conditional write to a tenant's profile was refused, in the store's own errors.

DynamoDB says only that a condition failed. Judged from the profile as it was when the
write failed (DynamoDB returns it with the refusal), the caller learns what to do next:
the tenant is gone, someone else wrote first, a purge is under way, or the status does
not allow the operation.
"""

from __future__ import annotations

from .attributes import Item, from_item
from .errors import (
    ConflictError,
    StoreError,
    TenantNotFoundError,
    TenantStatusError,
    TransitionError,
)
from .models import profile_from_item
from .statuses import TenantStatus

__all__ = ["profile_refusal", "purge_running"]


def profile_refusal(
    ctx: str,
    old_item: Item | None,
    *,
    operation: str,
    to: TenantStatus | None,
    allowed: frozenset[TenantStatus],
    expected_revision: int | None,
    allow_during_purge: bool = False,
) -> StoreError:
    """The error for a refused profile write, judged from the profile item as it was."""
    if not old_item:
        return TenantNotFoundError(ctx)
    old = profile_from_item(from_item(old_item))
    if expected_revision is not None and old.revision != expected_revision:
        return ConflictError(ctx, expected_revision=expected_revision, actual_revision=old.revision)
    if old.purge_pending and not allow_during_purge:
        return purge_running(ctx, old.status, operation)
    if old.status not in allowed:
        if to is not None:
            return TransitionError(ctx, status=old.status, to=to, allowed=allowed)
        return TenantStatusError(ctx, status=old.status, operation=operation, allowed=allowed)
    return ConflictError(ctx, expected_revision=expected_revision, actual_revision=old.revision)


def purge_running(ctx: str, status: str, operation: str) -> TenantStatusError:
    """The refusal of any write but the purge's own while a purge is marked on the profile."""
    return TenantStatusError(
        ctx,
        status=status,
        operation=operation,
        allowed=(),
        detail="a purge is under way or was interrupted; run purge to the end first",
    )
