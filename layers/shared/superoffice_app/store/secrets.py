"""A tenant's secrets: ``SECRET#{name}`` items, sealed by KMS, bound to tenant and name.

Writes come as transaction actions: a secret is only ever written together with a
condition on the tenant's profile (an install's profile, or the check that the tenant
is live), which ``TenantProfiles`` adds and sends. Reads and deletes are single calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from superoffice_app.tokens.secret import Secret

from .attributes import from_item, to_item
from .clock import Clock, epoch_seconds, format_instant
from .dynamo import DynamoTable, TransactAction
from .keys import SECRET_NAMES, secret_sk, tenant_key, tenant_pk
from .secret_box import SecretBox

__all__ = ["TenantSecrets"]


class TenantSecrets:
    """The sealed ``SECRET#`` items of TenantsTable."""

    def __init__(self, table: DynamoTable, box: SecretBox, *, clock: Clock) -> None:
        self._table = table
        self._client = table.client
        self._box = box
        self._clock = clock

    def put_action(
        self,
        ctx: str,
        name: str,
        value: str | Secret,
        *,
        expires_at: datetime | None,
        now: datetime,
    ) -> TransactAction:
        """The transaction's Put of the secret, sealed now (a KMS call)."""
        sk = secret_sk(name)
        item = to_item(
            {
                "PK": tenant_pk(ctx),
                "SK": sk,
                "name": name,
                "ciphertext": self._box.seal(ctx, name, value),
                "updated_at": format_instant(now),
                "expires_at": epoch_seconds(expires_at) if expires_at is not None else None,
            }
        )
        return {"Put": {"TableName": self._table.name, "Item": item}}

    def replace_all_actions(
        self,
        ctx: str,
        given: Mapping[str, str | Secret],
        *,
        expires_at: Mapping[str, datetime],
        now: datetime,
    ) -> list[TransactAction]:
        """Puts of the ``given`` secrets and Deletes of every other one the tenant may hold.

        So that an install leaves exactly its own secrets: a previous install's ticket must
        not outlive it. Names in ``given`` are checked names.
        """
        actions = [
            self.put_action(ctx, name, value, expires_at=expires_at.get(name), now=now)
            for name, value in sorted(given.items())
        ]
        actions.extend(
            {"Delete": {"TableName": self._table.name, "Key": tenant_key(ctx, secret_sk(name))}}
            for name in sorted(SECRET_NAMES - set(given))
        )
        return actions

    def get(self, ctx: str, name: str) -> Secret | None:
        """The secret, opened; None if absent or expired (TTL deletes lazily, so we check)."""
        answer = self._client.get_item(
            TableName=self._table.name, Key=tenant_key(ctx, secret_sk(name)), ConsistentRead=True
        )
        raw = answer.get("Item")
        if not raw:
            return None
        item = from_item(raw)
        expires_at = item.get("expires_at")
        if expires_at is not None and int(expires_at) <= epoch_seconds(self._clock()):
            return None
        return self._box.open(ctx, name, item["ciphertext"])

    def delete(self, ctx: str, name: str) -> bool:
        """Delete the secret; True if there was one."""
        answer = self._client.delete_item(
            TableName=self._table.name,
            Key=tenant_key(ctx, secret_sk(name)),
            ReturnValues="ALL_OLD",
        )
        return bool(answer.get("Attributes"))
