"""The keys of TenantsTable's single-table design, and the checks on their parts.

| PK               | SK                          | item                        |
|------------------|-----------------------------|-----------------------------|
| TENANT#{ctx}     | PROFILE                     | the tenant (only it has `status`) |
| TENANT#{ctx}     | SECRET#{name}               | a KMS-sealed credential     |
| TENANT#{ctx}     | PROVISIONED#{kind}#{key}    | an item created in SuperOffice |
| TENANT#{ctx}     | SYNC#{entity}               | sync state (written by the sync worker) |
| TENANT#{ctx}     | EVENT#{time}#{id}           | the audit trail             |
| TENANT#{ctx}     | LEASE                       | who works on the tenant     |

Parts are checked before they become keys: a ctx or kind holding ``#`` could otherwise
address another item.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from superoffice_app.context_ids import CTX_PATTERN

from .clock import format_instant

__all__ = [
    "BY_STATUS_INDEX",
    "EVENT_PREFIX",
    "LEASE_SK",
    "PROFILE_SK",
    "PROVISIONED_PREFIX",
    "SECRET_NAMES",
    "SECRET_PREFIX",
    "SYNC_PREFIX",
    "check_ctx",
    "check_secret_name",
    "event_sk",
    "provisioned_prefix",
    "provisioned_sk",
    "secret_sk",
    "tenant_key",
    "tenant_pk",
]

# The sparse GSI of template.yaml: hash `status`, range `ctx`, keys only.
BY_STATUS_INDEX: Final = "ByStatus"

TENANT_PREFIX: Final = "TENANT#"
PROFILE_SK: Final = "PROFILE"
SECRET_PREFIX: Final = "SECRET#"  # noqa: S105 (a sort-key prefix, not a password)
PROVISIONED_PREFIX: Final = "PROVISIONED#"
SYNC_PREFIX: Final = "SYNC#"
EVENT_PREFIX: Final = "EVENT#"
LEASE_SK: Final = "LEASE"

# The secrets a tenant may hold: the install-time system token, the system user's ticket
# (cached across function instances), an OAuth refresh token, the CRM webhooks' secret.
# webhook_secret_previous: the secret still accepted while a rotation is under way.
SECRET_NAMES: Final = frozenset(
    {"system_token", "ticket", "refresh_token", "webhook_secret", "webhook_secret_previous"}
)

# Sort keys may be 1024 bytes; the longest prefix is 12.
_MAX_KEY_PART: Final = 512


def check_ctx(ctx: str) -> str:
    """``ctx`` if it is a SuperOffice context identifier (``Cust12345``), else ValueError."""
    if not isinstance(ctx, str) or CTX_PATTERN.fullmatch(ctx) is None:
        raise ValueError(f"not a SuperOffice context identifier: {ctx!r}")
    return ctx


def tenant_pk(ctx: str) -> str:
    return TENANT_PREFIX + check_ctx(ctx)


def tenant_key(ctx: str, sk: str) -> dict[str, dict[str, str]]:
    return {"PK": {"S": tenant_pk(ctx)}, "SK": {"S": sk}}


def check_secret_name(name: str) -> str:
    """``name`` if it is one of SECRET_NAMES, else ValueError (catches typos early)."""
    if name not in SECRET_NAMES:
        raise ValueError(f"unknown secret name {name!r}; names: {', '.join(sorted(SECRET_NAMES))}")
    return name


def secret_sk(name: str) -> str:
    return SECRET_PREFIX + check_secret_name(name)


def provisioned_prefix(kind: str) -> str:
    return f"{PROVISIONED_PREFIX}{_part(kind, 'kind', allow_hash=False)}#"


def provisioned_sk(kind: str, key: str) -> str:
    # The key (a ProgId or name) may hold `#`: it is last, and stored as an attribute too.
    return provisioned_prefix(kind) + _part(key, "key", allow_hash=True)


def event_sk(at: datetime, event_id: str) -> str:
    return f"{EVENT_PREFIX}{format_instant(at)}#{event_id}"


def _part(value: str, what: str, *, allow_hash: bool) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a non-empty string")
    if len(value.encode("utf-8")) > _MAX_KEY_PART:
        raise ValueError(f"{what} is longer than {_MAX_KEY_PART} bytes")
    if not allow_hash and "#" in value:
        raise ValueError(f"{what} may not contain '#': {value!r}")
    return value
