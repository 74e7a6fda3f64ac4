import json
from datetime import UTC, datetime
from typing import Any

import pytest

from superoffice_app.sync.mirror import MirrorChange, MirrorRecord
from superoffice_app.sync.publisher import EVENT_SOURCE, EventPublisher, PublishFailed

MOMENT = datetime(2026, 11, 1, 10, 0, 5, tzinfo=UTC)


class FakeEvents:
    def __init__(self, failures: list[set[int]] | None = None) -> None:
        self.calls: list[list[dict[str, Any]]] = []
        self._failures = failures or []

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls.append(Entries)
        failing = self._failures.pop(0) if self._failures else set()
        return {
            "FailedEntryCount": len(failing),
            "Entries": [
                {"ErrorCode": "ThrottlingException"} if index in failing else {"EventId": "x"}
                for index in range(len(Entries))
            ],
        }


def change(key: int, kind: str = "created", size: int = 10) -> MirrorChange:
    return MirrorChange(kind, "contact", MirrorRecord(key, MOMENT, {"name": "x" * size}))


def test_ten_entries_per_call_and_a_detail_per_change() -> None:
    events = FakeEvents()
    publisher = EventPublisher(events, "bus", environment="sod", sleep=lambda _: None)
    assert publisher.publish("Cust1", [change(key) for key in range(1, 24)]) == 23
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
    publisher.publish("Cust1", [change(1)])
    publisher.publish("Cust1", [change(1)])
    publisher.publish("Cust1", [change(1, size=11)])
    ids = [json.loads(call[0]["Detail"])["eventId"] for call in events.calls]
    assert ids[0] == ids[1] != ids[2]


def test_large_records_split_calls_below_the_size_limit() -> None:
    events = FakeEvents()
    publisher = EventPublisher(events, "bus", environment="sod", sleep=lambda _: None)
    publisher.publish("Cust1", [change(key, size=60_000) for key in range(1, 9)])
    sizes = [sum(len(entry["Detail"]) for entry in call) for call in events.calls]
    assert all(size < 256_000 for size in sizes)
    assert sum(len(call) for call in events.calls) == 8


def test_failed_entries_are_retried_alone() -> None:
    events = FakeEvents(failures=[{1, 3}])
    publisher = EventPublisher(events, "bus", environment="sod", sleep=lambda _: None)
    publisher.publish("Cust1", [change(key) for key in range(1, 5)])
    assert [len(call) for call in events.calls] == [4, 2]
    retried = [json.loads(entry["Detail"])["primaryKey"] for entry in events.calls[1]]
    assert retried == [2, 4]


def test_entries_refused_again_and_again_fail_the_page() -> None:
    events = FakeEvents(failures=[{0}] * 10)
    publisher = EventPublisher(events, "bus", environment="sod", sleep=lambda _: None)
    with pytest.raises(PublishFailed):
        publisher.publish("Cust1", [change(1)])
    assert len(events.calls) == 5
