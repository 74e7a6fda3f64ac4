"""The tenant store: TenantsTable's single-table design, for onboarding, sync and uninstall.

- ``TenantStore``: tenant profiles and their lifecycle (conditional transitions,
  optimistic locking), KMS-sealed secrets, provisioning records, the audit trail,
  purge with a tombstone, listing by status;
- ``SecretBox``: KMS encryption bound to tenant and secret name.

Plain Python over boto3 clients handed in by the caller (``DynamoTable(client, name)``,
a KMS client, a clock), so tests run it against DynamoDB Local and moto. Importing this
package does not import boto3.
"""

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
from .secret_box import KmsClient, SecretBox
from .statuses import (
    PROVISIONING_STATUSES,
    PURGED_STATUSES,
    REINSTALLABLE_STATUSES,
    TenantStatus,
)
from .tenants import DEFAULT_EVENT_RETENTION, TenantStore, read_profile

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
    "utc_now",
]
