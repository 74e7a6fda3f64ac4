"""The sparse ``ByStatus`` index: the tenants in one status, page by page.

Only ``PROFILE`` items carry ``status``, so the index lists tenants and nothing else,
in ctx order. Its projection (template.yaml) carries what the dispatcher decides on, so
reading it never reads a tenant item, and needs no KMS key: a plain function over the
table, like ``read_profile``. Eventually consistent: a tenant that changed status a
moment ago may still be listed under the old one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .attributes import Item
from .clock import parse_instant
from .dynamo import DynamoTable, Expression
from .keys import BY_STATUS_INDEX
from .pages import query_pages
from .statuses import StatusLike, TenantStatus

__all__ = ["IndexedTenant", "status_pages"]


@dataclass(frozen=True, slots=True)
class IndexedTenant:
    """A tenant as the index projects it."""

    ctx: str
    sync_paused: bool = False
    # The state API's cached answer and its ValidUntil, as stored: decoded only when
    # asked, so listing tenants whose answer has expired parses no JSON.
    state_answer_json: str | None = None
    state_valid_until_text: str | None = None

    def is_running_at(self, now: datetime) -> bool | None:
        """The cached answer's ``IsRunning`` while it is valid at ``now``.

        None when there is no answer, it has expired, or it cannot be read: then only
        asking the state API tells.
        """
        if not (self.state_valid_until_text and self.state_answer_json):
            return None
        try:
            if parse_instant(self.state_valid_until_text) > now:
                return bool(json.loads(self.state_answer_json).get("IsRunning"))
        except (ValueError, AttributeError):
            return None
        return None


def status_pages(
    table: DynamoTable, status: StatusLike, *, page_size: int | None = None
) -> Iterator[list[IndexedTenant]]:
    """The tenants in ``status``, one list per index page, read as the pages are consumed.

    ``page_size``: at most this many tenants a page (None: DynamoDB's 1 MB pages, the
    fewest queries). The status is checked at once; nothing is read before the first page
    is asked for.
    """
    wanted = TenantStatus(status)
    expression = Expression()
    arguments: dict[str, Any] = {
        "TableName": table.name,
        "IndexName": BY_STATUS_INDEX,
        "KeyConditionExpression": f"{expression.name('status')} = {expression.value(wanted.value)}",
        **expression.arguments(),
    }
    if page_size is not None:
        arguments["Limit"] = page_size
    pages = query_pages(table.client.query, **arguments)
    return ([_indexed(item) for item in items] for items in pages)


def _indexed(item: Item) -> IndexedTenant:
    # Read straight from the attribute values: this runs once per tenant per schedule.
    return IndexedTenant(
        ctx=str(item["ctx"]["S"]),
        sync_paused=bool(item.get("sync_paused", {}).get("BOOL", False)),
        state_answer_json=item.get("state_answer", {}).get("S"),
        state_valid_until_text=item.get("state_valid_until", {}).get("S"),
    )
