"""The exceptions of the tenant store.

Every refusal is a ``StoreError``. Messages name the tenant, the secret's name, statuses
and revisions, never a secret's value or ciphertext, so they can be logged as they are.
Errors of DynamoDB itself (throttling, outages) are not wrapped: they are not refusals.
"""

from __future__ import annotations

from collections.abc import Collection

__all__ = [
    "ConflictError",
    "SecretBoxError",
    "StoreError",
    "TenantNotFoundError",
    "TenantStatusError",
    "TransitionError",
]


class StoreError(Exception):
    """The store refused or could not do what was asked. The message is safe to log."""


class TenantNotFoundError(StoreError):
    """No tenant profile exists for the context identifier."""

    def __init__(self, ctx: str) -> None:
        self.ctx = ctx
        super().__init__(f"tenant {ctx} does not exist")


class ConflictError(StoreError):
    """Someone else changed the tenant first: its revision is not the expected one.

    Read the tenant again and decide anew; retrying the same write cannot succeed.
    ``actual_revision`` is None when another write was still in flight (a transaction
    conflict) and the winner's revision is not known yet.
    """

    def __init__(
        self, ctx: str, *, expected_revision: int | None, actual_revision: int | None
    ) -> None:
        self.ctx = ctx
        self.expected_revision = expected_revision
        self.actual_revision = actual_revision
        if actual_revision is None:
            detail = "another write to it was in progress"
        elif expected_revision is None:
            detail = f"another writer got there first (it is at revision {actual_revision})"
        else:
            detail = f"expected revision {expected_revision}, it is at {actual_revision}"
        super().__init__(f"tenant {ctx} was changed concurrently: {detail}")


def _listed(statuses: Collection[str]) -> str:
    return ", ".join(sorted(statuses)) or "none"


class TenantStatusError(StoreError):
    """The tenant's status does not allow the operation (a purge in progress counts too)."""

    def __init__(
        self, ctx: str, *, status: str, operation: str, allowed: Collection[str], detail: str = ""
    ) -> None:
        self.ctx = ctx
        self.status = status
        self.operation = operation
        self.allowed = frozenset(allowed)
        reason = detail or f"needs one of: {_listed(self.allowed)}"
        super().__init__(f"tenant {ctx} is {status}: cannot {operation} ({reason})")


class TransitionError(TenantStatusError):
    """The tenant is not in a status it may move to ``to`` from.

    Late or duplicate events end here, by design: a tenant never moves backwards.
    """

    def __init__(self, ctx: str, *, status: str, to: str, allowed: Collection[str]) -> None:
        self.to = to
        super().__init__(
            ctx,
            status=status,
            operation=f"move to {to}",
            allowed=allowed,
            detail=f"allowed only from: {_listed(allowed)}",
        )


class SecretBoxError(StoreError):
    """KMS refused to seal or open a tenant secret (wrong tenant, tampering, access).

    Carries KMS's error code, never the secret or the ciphertext.
    """

    def __init__(self, *, operation: str, ctx: str, name: str, code: str) -> None:
        self.operation = operation
        self.ctx = ctx
        self.name = name
        self.code = code
        super().__init__(f"cannot {operation} secret {name!r} of tenant {ctx}: {code}")
