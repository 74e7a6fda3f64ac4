"""Reading a DynamoDB query to its end: the one place that follows ``LastEvaluatedKey``.

A query answers at most 1 MB (or ``Limit`` items) per call and says where to go on in
``LastEvaluatedKey``. Every reader of TenantsTable and RecordsTable pages through here,
so none can forget to go on or go on with the wrong key. Pages are read one at a time,
as they are consumed: a reader that stops early costs no further query.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from .attributes import Item

__all__ = ["Query", "query_all", "query_pages"]

Query = Callable[..., dict[str, Any]]
"""A DynamoDB client's ``query`` (boto3's, or anything answering as it does)."""


def query_pages(query: Query, **arguments: Any) -> Iterator[list[Item]]:
    """The items of each page of ``query(**arguments)``, one list per call, empty ones too.

    A generator: nothing is read before the first page is asked for.
    """
    arguments = dict(arguments)  # ExclusiveStartKey is ours to set, not the caller's
    while True:
        page = query(**arguments)
        yield list(page.get("Items", []))
        start = page.get("LastEvaluatedKey")
        if not start:
            return
        arguments["ExclusiveStartKey"] = start


def query_all(query: Query, **arguments: Any) -> Iterator[Item]:
    """Every item ``query(**arguments)`` finds, page after page, as the pages arrive."""
    for items in query_pages(query, **arguments):
        yield from items
