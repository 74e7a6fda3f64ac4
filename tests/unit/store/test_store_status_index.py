"""status_pages and IndexedTenant: the ByStatus index as the dispatcher reads it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from superoffice_app.store import DynamoTable, IndexedTenant, TenantStatus, status_pages
from superoffice_app.store.clock import format_instant

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
LATER = format_instant(NOW + timedelta(minutes=5))
EARLIER = format_instant(NOW - timedelta(minutes=5))


class ScriptedIndex:
    def __init__(self, *pages: dict[str, Any]) -> None:
        self.pages = list(pages)
        self.calls: list[dict[str, Any]] = []

    def query(self, **arguments: Any) -> dict[str, Any]:
        self.calls.append(arguments)
        return self.pages.pop(0)


def test_pages_are_read_from_the_index_as_they_are_consumed() -> None:
    projected = {
        "ctx": {"S": "Cust1"},
        "status": {"S": "active"},
        "sync_paused": {"BOOL": True},
        "state_answer": {"S": '{"IsRunning":true}'},
        "state_valid_until": {"S": LATER},
    }
    client = ScriptedIndex(
        {"Items": [projected], "LastEvaluatedKey": {"ctx": {"S": "Cust1"}}},
        {"Items": [{"ctx": {"S": "Cust2"}, "status": {"S": "active"}}]},
    )
    pages = status_pages(DynamoTable(client, "tenants"), TenantStatus.ACTIVE, page_size=1)
    assert client.calls == []
    assert next(pages) == [
        IndexedTenant(
            "Cust1",
            sync_paused=True,
            state_answer_json='{"IsRunning":true}',
            state_valid_until_text=LATER,
        )
    ]
    assert list(pages) == [[IndexedTenant("Cust2")]]
    first = client.calls[0]
    assert (first["TableName"], first["IndexName"], first["Limit"]) == ("tenants", "ByStatus", 1)
    assert list(first["ExpressionAttributeValues"].values()) == [{"S": "active"}]
    assert client.calls[1]["ExclusiveStartKey"] == {"ctx": {"S": "Cust1"}}


def test_without_a_page_size_dynamodb_sizes_the_pages() -> None:
    client = ScriptedIndex({"Items": []})
    assert list(status_pages(DynamoTable(client, "tenants"), "upgrading")) == [[]]
    assert "Limit" not in client.calls[0]


def test_the_status_is_checked_at_once() -> None:
    client = ScriptedIndex()
    with pytest.raises(ValueError, match="paused"):
        status_pages(DynamoTable(client, "tenants"), "paused")


@pytest.mark.parametrize(
    ("answer", "valid_until", "running"),
    [
        ({"IsRunning": True}, LATER, True),
        ({"IsRunning": False}, LATER, False),
        ({"State": "Running"}, LATER, False),  # no IsRunning reads as not running
        ({"IsRunning": False}, EARLIER, None),  # expired: the worker asks again
        ({"IsRunning": False}, format_instant(NOW), None),  # valid until, not at
        (None, LATER, None),
        ({"IsRunning": True}, None, None),
        ("not json", LATER, None),
        ([1, 2], LATER, None),  # JSON, but not an object
        ({"IsRunning": True}, "yesterday", None),
    ],
)
def test_a_cached_state_answer_counts_only_while_valid_and_readable(
    answer: object, valid_until: str | None, running: bool | None
) -> None:
    text = answer if isinstance(answer, str) or answer is None else json.dumps(answer)
    tenant = IndexedTenant("Cust1", state_answer_json=text, state_valid_until_text=valid_until)
    assert tenant.is_running_at(NOW) is running
