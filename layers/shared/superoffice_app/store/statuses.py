"""A tenant's lifecycle statuses, and which operations each one permits.

    installing -> active <-> suspended | upgrading
    installing -> install_failed            (a later install completes it)
    any live status -> uninstalling -> uninstalled   (purge)
    any status -> deleted                   (subscription cancelled; purge)
    any live status -> revoked              (the app lost its access)

Callers name the statuses a transition may start from; the store enforces that with a
conditional write. The store itself guards what must hold whatever the caller says:
``installing`` is entered only by ``begin_install`` (which writes the secrets with it),
``uninstalled`` and ``deleted`` only by ``purge`` (which removes them), so a tenant in
one of those two statuses never holds secrets.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum
from typing import Final

__all__ = [
    "LIVE_STATUSES",
    "PROVISIONING_STATUSES",
    "PURGED_STATUSES",
    "REINSTALLABLE_STATUSES",
    "StatusLike",
    "TenantStatus",
    "status_set",
    "status_values",
]


class TenantStatus(StrEnum):
    INSTALLING = "installing"
    INSTALL_FAILED = "install_failed"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    UPGRADING = "upgrading"
    UNINSTALLING = "uninstalling"
    UNINSTALLED = "uninstalled"
    DELETED = "deleted"
    REVOKED = "revoked"


# Reached only through purge(); such a tenant holds no secrets, provisioning or sync state.
PURGED_STATUSES: Final = frozenset({TenantStatus.UNINSTALLED, TenantStatus.DELETED})

# Every status but the purged ones: a profile in one of them may still be written.
LIVE_STATUSES: Final = frozenset(TenantStatus) - PURGED_STATUSES

# From these begin_install may (re)write a tenant: a reinstall, a crashed or failed
# install, a tenant that uninstalled, was deleted or revoked the app and comes back.
# Not while an uninstall is removing the app's items from SuperOffice.
REINSTALLABLE_STATUSES: Final = frozenset(TenantStatus) - {TenantStatus.UNINSTALLING}

# Items are provisioned during an install, and re-verified while active (after a backup
# restore); in any other status the app must not create things in the tenant.
PROVISIONING_STATUSES: Final = frozenset({TenantStatus.INSTALLING, TenantStatus.ACTIVE})

StatusLike = TenantStatus | str
"""A status, or its value as callers and stored items spell it."""


def status_set(statuses: Collection[StatusLike]) -> frozenset[TenantStatus]:
    """The statuses an ``allowed_from`` argument names; refuses one string and none."""
    if isinstance(statuses, str):
        raise TypeError("allowed_from takes a collection of statuses, not one string")
    converted = frozenset(TenantStatus(status) for status in statuses)
    if not converted:
        raise ValueError("allowed_from needs at least one status")
    return converted


def status_values(statuses: frozenset[TenantStatus]) -> list[str]:
    """The statuses' values in a fixed order, for a condition's ``IN (...)``."""
    return sorted(status.value for status in statuses)
