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

from enum import StrEnum
from typing import Final

__all__ = [
    "PROVISIONING_STATUSES",
    "PURGED_STATUSES",
    "REINSTALLABLE_STATUSES",
    "TenantStatus",
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

# From these begin_install may (re)write a tenant: a reinstall, a crashed or failed
# install, a tenant that uninstalled, was deleted or revoked the app and comes back.
# Not while an uninstall is removing the app's items from SuperOffice.
REINSTALLABLE_STATUSES: Final = frozenset(TenantStatus) - {TenantStatus.UNINSTALLING}

# Items are provisioned during an install, and re-verified while active (after a backup
# restore); in any other status the app must not create things in the tenant.
PROVISIONING_STATUSES: Final = frozenset({TenantStatus.INSTALLING, TenantStatus.ACTIVE})
