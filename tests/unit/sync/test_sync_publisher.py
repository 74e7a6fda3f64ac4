import json
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from superoffice_app.sync.mirror import MirrorChange, MirrorRecord
from superoffice_app.sync.publisher import EVENT_SOURCE, EventPublisher, TenantChange

MOMENT = datetime(2026, 11, 1, 10, 0, 5, tzinfo=UTC)


class FakeEvents:
    def __init__(
        self, failures: list[set[int]] | None = None, errors: list[Exception] | None = None
    ) -> None:
        self.calls: list[list[dict[str, Any]]] = []
        self._failures = failures or []
        self._errors = errors or []

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls.append(Entries)
        if self._errors:
            raise self._errors.pop(0)
        failing = self._failures.pop(0) if self._failures else set()
        return {
            "FailedEntryCount": len(failing),
            "Entries": [
                {"ErrorCode": "ThrottlingException"} if index in failing else {"EventId": "x"}
                for index in range(len(Entries))
            ],
        }


def change(key: int, kind: str = "created", size: int = 10, ctx: str = "Cust1") -> TenantChange:
    return TenantChange(
        ctx, MirrorChange(kind, "contact", MirrorRecord(key, MOMENT, {"name": "x" * size}))
    )


def test_ten_entries_per_call_and_a_detail_per_change() -> None:
    events = FakeEvents()
    publisher = EventPublisher(events, "bus", environment="sod", sleep=lambda _: None)
    assert publisher.publish([change(key) for key in range(1, 24)]) == []
    assert publisher.published == 23
    assert [len(call) for call in events.calls] == [10, 10, 3]
    entry = events.calls[0][0]
    assert entry["Source"] == EVENT_SOURCE
    assert entry["DetailType"] == "CRM record created"
    assert entry["EventBusName"] == "bus"
    detail = json.loads(entry["Detail"])
    assert detail["ctx"] == "Cust1"
    assert detail["primaryKey"] == 1
    assert detail["updated"] == "2026-11-01T10:00:05"
    assert detail["environment"] == "sod"
    assert detail["eventId"].startswith("Cust1:contact:1:created:")


def test_the_event_id_is_stable_for_one_version_of_a_record() -> None:
    events = FakeEvents()
    publisher = EventPublisher(events, "bus", environment="sod", sleep=lambda _: None)
    publisher.publish([change(1)])
    publisher.publish([change(1)])
    publisher.publish([change(1, size=11)])
    ids = [json.loads(call[0]["Detail"])["eventId"] for call in events.calls]
    assert ids[0] == ids[1] != ids[2]


def test_large_records_split_calls_below_the_size_limit() -> None:
    events = FakeEvents()
    publisher = EventPublisher(events, "bus", environment="sod", sleep=lambda _: None)
    publisher.publish([change(key, size=60_000) for key in range(1, 9)])
    sizes = [sum(len(entry["Detail"]) for entry in call) for call in events.calls]
    assert all(size < 256_000 for size in sizes)
    assert sum(len(call) for call in events.calls) == 8


def test_failed_entries_are_retried_alone() -> None:
    events = FakeEvents(failures=[{1, 3}])
    publisher = EventPublisher(events, "bus", environment="sod", sleep=lambda _: None)
    publisher.publish([change(key) for key in range(1, 5)])
    assert [len(call) for call in events.calls] == [4, 2]
    retried = [json.loads(entry["Detail"])["primaryKey"] for entry in events.calls[1]]
    assert retried == [2, 4]


def test_entries_refused_again_and_again_are_reported_by_position() -> None:
    events = FakeEvents(failures=[{1}] + [{0}] * 9)  # then the retried one alone
    publisher = EventPublisher(events, "bus", environment="sod", sleep=lambda _: None)
    assert publisher.publish([change(1), change(2), change(3)]) == [1]
    assert len(events.calls) == 5
    assert publisher.published == 2


def test_each_tenant_s_change_names_its_own_tenant() -> None:
    events = FakeEvents()
    publisher = EventPublisher(events, "bus", environment="sod", sleep=lambda _: None)
    publisher.publish([change(1, ctx="Cust1"), change(1, ctx="Cust2")])
    details = [json.loads(entry["Detail"]) for entry in events.calls[0]]
    assert [d["ctx"] for d in details] == ["Cust1", "Cust2"]
    assert details[0]["eventId"] != details[1]["eventId"]


def test_a_throttled_call_is_tried_again() -> None:
    throttled = ClientError(
        {"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "PutEvents"
    )
    events = FakeEvents(errors=[throttled])
    publisher = EventPublisher(events, "bus", environment="sod", sleep=lambda _: None)
    assert publisher.publish([change(1)]) == []
    assert len(events.calls) == 2


def test_a_missing_bus_is_not_retried_but_raised() -> None:
    missing = ClientError(
        {"Error": {"Code": "ResourceNotFoundException", "Message": "no bus"}}, "PutEvents"
    )
    events = FakeEvents(errors=[missing])
    publisher = EventPublisher(events, "bus", environment="sod", sleep=lambda _: None)
    with pytest.raises(ClientError):
        publisher.publish([change(1)])
    assert len(events.calls) == 1
