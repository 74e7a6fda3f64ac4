"""The state API's last answer kept on the tenant's profile, shared by every function.

`StateApiClient` caches in memory per instance; with this store an answer fetched by one
Lambda instance serves all others until its `ValidUntil`, and the management page and
the sync can read the tenant's state without asking SuperOffice.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from superoffice_app.store import TenantStore
from superoffice_app.store.errors import StoreError


class TenantStateStore:
    """`StateStore` over TenantStore's `state_answer` / `state_valid_until` fields."""

    def __init__(self, tenants: TenantStore) -> None:
        self._tenants = tenants

    def load(self, ctx: str) -> tuple[Mapping[str, Any], datetime] | None:
        profile = self._tenants.get(ctx)
        if profile is None or profile.state_answer is None or profile.state_valid_until is None:
            return None
        return profile.state_answer, profile.state_valid_until

    def save(self, ctx: str, answer: Mapping[str, Any], valid_until: datetime) -> None:
        # Only tenants the app knows keep an answer; a lost race with another writer
        # (revision moved) or a purged tenant simply leaves the stored answer as it is.
        if self._tenants.get(ctx) is None:
            return
        try:
            self._tenants.update_fields(
                ctx, state_answer=dict(answer), state_valid_until=valid_until
            )
        except StoreError:
            return
