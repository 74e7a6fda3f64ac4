"""The tenant store: TenantsTable's single-table design, for onboarding, sync and uninstall.

- ``TenantStore``: tenant profiles and their lifecycle (conditional transitions,
  optimistic locking), KMS-sealed secrets, provisioning records, the audit trail,
  purge with a tombstone, listing by status; a facade over one module per kind of
  item (``profiles``, ``secrets``, ``provisioned``, ``audit``, ``purge``);
- ``read_profile`` and ``status_pages``: a profile, and the ``ByStatus`` index page by
  page, for readers without a KMS key;
- ``SecretBox``: KMS encryption bound to tenant and secret name.

Every query that may need more than one page goes through ``pages.query_pages``.

Plain Python over boto3 clients handed in by the caller (``DynamoTable(client, name)``,
a KMS client, a clock), so tests run it against DynamoDB Local and moto. Importing this
package does not import boto3.

The names below are loaded on first use (PEP 562): importing this package imports none
of its modules, so a function that only catches the store's errors or reads a status
(the onboarding routes' error pages, the JWKS) loads ``errors`` or ``statuses`` alone,
not the whole store with its models and audit trail.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from superoffice_app.lazy_exports import lazy_exports

if TYPE_CHECKING:  # the same names, for type checkers; at run time __getattr__ loads them
    from .audit import DEFAULT_EVENT_RETENTION
    from .clock import Clock, utc_now
    from .dynamo import DynamoDBClient, DynamoTable
    from .errors import (
        ConflictError,
        SecretBoxError,
        StoreError,
        TenantNotFoundError,
        TenantStatusError,
        TransitionError,
    )
    from .keys import BY_STATUS_INDEX, SECRET_NAMES
    from .models import (
        UPDATABLE_FIELDS,
        AppliedNotification,
        AuditEvent,
        Installer,
        ProvisionedItem,
        PurgeResult,
        TenantProfile,
    )
    from .profiles import read_profile
    from .secret_box import KmsClient, SecretBox
    from .status_index import IndexedTenant, status_pages
    from .statuses import (
        PROVISIONING_STATUSES,
        PURGED_STATUSES,
        REINSTALLABLE_STATUSES,
        TenantStatus,
    )
    from .tenants import TenantStore

# Which module of this package defines each public name.
_MODULES: Final[dict[str, tuple[str, ...]]] = {
    "audit": ("DEFAULT_EVENT_RETENTION",),
    "clock": ("Clock", "utc_now"),
    "dynamo": ("DynamoDBClient", "DynamoTable"),
    "errors": (
        "ConflictError",
        "SecretBoxError",
        "StoreError",
        "TenantNotFoundError",
        "TenantStatusError",
        "TransitionError",
    ),
    "keys": ("BY_STATUS_INDEX", "SECRET_NAMES"),
    "models": (
        "UPDATABLE_FIELDS",
        "AppliedNotification",
        "AuditEvent",
        "Installer",
        "ProvisionedItem",
        "PurgeResult",
        "TenantProfile",
    ),
    "profiles": ("read_profile",),
    "secret_box": ("KmsClient", "SecretBox"),
    "status_index": ("IndexedTenant", "status_pages"),
    "statuses": (
        "PROVISIONING_STATUSES",
        "PURGED_STATUSES",
        "REINSTALLABLE_STATUSES",
        "TenantStatus",
    ),
    "tenants": ("TenantStore",),
}

__all__ = [
    "BY_STATUS_INDEX",
    "DEFAULT_EVENT_RETENTION",
    "PROVISIONING_STATUSES",
    "PURGED_STATUSES",
    "REINSTALLABLE_STATUSES",
    "SECRET_NAMES",
    "UPDATABLE_FIELDS",
    "AppliedNotification",
    "AuditEvent",
    "Clock",
    "ConflictError",
    "DynamoDBClient",
    "DynamoTable",
    "IndexedTenant",
    "Installer",
    "KmsClient",
    "ProvisionedItem",
    "PurgeResult",
    "SecretBox",
    "SecretBoxError",
    "StoreError",
    "TenantNotFoundError",
    "TenantProfile",
    "TenantStatus",
    "TenantStatusError",
    "TenantStore",
    "TransitionError",
    "read_profile",
    "status_pages",
    "utc_now",
]


__getattr__, __dir__ = lazy_exports(__name__, _MODULES)
