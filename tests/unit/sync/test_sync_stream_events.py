"""RecordsTable's stream records, read as record changes and relayed to the bus."""

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from superoffice_app.store.models import TenantProfile
from superoffice_app.store.statuses import TenantStatus
from superoffice_app.superoffice.dates import parse_so_datetime
from superoffice_app.sync.mirror import MirrorRecord
from superoffice_app.sync.publisher import TenantChange
from superoffice_app.sync.stream_events import (
    StreamRelay,
    UnreadableRecord,
    change_from_stream_record,
)


def image(ctx: str, key: int, name: str, updated: str = "2026-11-01T10:00:05") -> dict[str, Any]:
    record = MirrorRecord(key, parse_so_datetime(updated), {"name": name})
    return {
        "PK": {"S": f"{ctx}#contact"},
        "SK": {"N": str(key)},
        "updated": {"S": updated},
        "fields": {"S": record.fields_json},
        "digest": {"S": record.digest},
        "mirrored_at": {"S": "2026-11-01T10:00:06Z"},
    }


def stream_record(
    event: str,
    sequence: str,
    *,
    new: dict[str, Any] | None = None,
    old: dict[str, Any] | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "SequenceNumber": sequence,
        "Keys": {"PK": (new or old or {}).get("PK"), "SK": (new or old or {}).get("SK")},
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if new is not None:
        data["NewImage"] = new
    if old is not None:
        data["OldImage"] = old
    return {"eventName": event, "eventSource": "aws:dynamodb", "dynamodb": data}


def test_insert_modify_remove_are_created_changed_deleted() -> None:
    created = change_from_stream_record(stream_record("INSERT", "1", new=image("Cust1", 7, "Acme")))
    changed = change_from_stream_record(
        stream_record(
            "MODIFY", "2", old=image("Cust1", 7, "Acme"), new=image("Cust1", 7, "Acme AS")
        )
    )
    deleted = change_from_stream_record(
        stream_record("REMOVE", "3", old=image("Cust1", 7, "Acme AS"))
    )
    assert created is not None
    assert changed is not None
    assert deleted is not None
    assert (created.ctx, created.change.change, created.change.entity) == (
        "Cust1",
        "created",
        "contact",
    )
    assert changed.change.change == "changed"
    assert changed.change.record.fields == {"name": "Acme AS"}
    # A deletion carries the last mirrored values.
    assert deleted.change.change == "deleted"
    assert deleted.change.record.fields == {"name": "Acme AS"}
    assert deleted.change.record.key == 7


def test_a_rewrite_with_the_same_digest_is_no_change() -> None:
    same = image("Cust1", 7, "Acme")
    rewritten = dict(same, mirrored_at={"S": "2026-11-02T00:00:00Z"})
    assert change_from_stream_record(stream_record("MODIFY", "1", old=same, new=rewritten)) is None


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"eventName": "TRUNCATE", "dynamodb": {}}, "not INSERT"),
        ({"eventName": "INSERT"}, "no dynamodb section"),
        ({"eventName": "INSERT", "dynamodb": {"Keys": {}}}, "NEW_AND_OLD_IMAGES"),
        (
            stream_record("INSERT", "1", new={**image("Cust1", 1, "x"), "PK": {"S": "nohash"}}),
            "is not '{ctx}#{entity}'",
        ),
        (
            stream_record("INSERT", "1", new={**image("Cust1", 1, "x"), "SK": {"S": "a"}}),
            "SK is not",
        ),
        (
            stream_record("INSERT", "1", new={**image("Cust1", 1, "x"), "fields": {"S": "[1]"}}),
            "not a JSON object",
        ),
        (
            stream_record("INSERT", "1", new={**image("Cust1", 1, "x"), "fields": {"S": "{"}}),
            "Cust1#contact/1",
        ),
    ],
)
def test_records_that_are_not_mirrored_records_are_named(
    record: dict[str, Any], message: str
) -> None:
    with pytest.raises(UnreadableRecord, match=message.replace("{", r"\{").replace("}", r"\}")):
        change_from_stream_record(record)


class FakePublisher:
    def __init__(self, refuse: set[int] | None = None) -> None:
        self.batches: list[list[TenantChange]] = []
        self._refuse = refuse or set()

    def publish(self, changes: list[TenantChange]) -> list[int]:
        self.batches.append(list(changes))
        return sorted(self._refuse)


def profile(ctx: str, status: TenantStatus, *, pending: bool = False) -> TenantProfile:
    moment = datetime(2026, 11, 1, tzinfo=UTC)
    return TenantProfile(
        ctx=ctx,
        status=status,
        revision=1,
        created_at=moment,
        updated_at=moment,
        transitioned_at=moment,
        purge_pending=pending,
    )


def test_only_the_changes_of_tenants_the_app_holds_are_published() -> None:
    profiles = {
        "Cust1": profile("Cust1", TenantStatus.ACTIVE),
        "Cust2": profile("Cust2", TenantStatus.UNINSTALLED),
        "Cust3": profile("Cust3", TenantStatus.DELETED, pending=True),
        "Cust4": profile("Cust4", TenantStatus.ACTIVE, pending=True),
    }
    reads: list[str] = []

    def read(ctx: str) -> TenantProfile | None:
        reads.append(ctx)
        return profiles.get(ctx)

    publisher = FakePublisher()
    relay = StreamRelay(publisher, read)  # type: ignore[arg-type]
    records = [
        stream_record("REMOVE", "1", old=image("Cust1", 1, "a")),
        stream_record("REMOVE", "2", old=image("Cust1", 2, "b")),
        stream_record("REMOVE", "3", old=image("Cust2", 1, "c")),  # uninstalled
        stream_record("REMOVE", "4", old=image("Cust3", 1, "d")),  # being deleted
        stream_record("REMOVE", "5", old=image("Cust4", 1, "e")),  # a purge under way
        stream_record("INSERT", "6", new=image("Cust5", 1, "f")),  # unknown tenant
    ]
    report = relay.relay(records)
    assert [(c.ctx, c.change.record.key) for c in publisher.batches[0]] == [
        ("Cust1", 1),
        ("Cust1", 2),
    ]
    assert (report.records, report.published, report.not_held) == (6, 2, 4)
    assert report.failed_from is None
    assert reads == ["Cust1", "Cust2", "Cust3", "Cust4", "Cust5"]  # once per tenant


def test_unreadable_records_are_skipped_and_counted_not_blocking() -> None:
    publisher = FakePublisher()
    relay = StreamRelay(publisher, lambda ctx: profile(ctx, TenantStatus.ACTIVE))  # type: ignore[arg-type]
    report = relay.relay(
        [
            {"eventName": "INSERT", "dynamodb": {"SequenceNumber": "10"}},
            stream_record("INSERT", "11", new=image("Cust1", 1, "a")),
        ]
    )
    assert report.published == 1
    assert len(report.unreadable) == 1
    assert report.unreadable[0].startswith("10: ")


def test_a_refused_event_makes_the_retry_start_at_its_record() -> None:
    publisher = FakePublisher(refuse={1, 2})
    relay = StreamRelay(publisher, lambda ctx: profile(ctx, TenantStatus.ACTIVE))  # type: ignore[arg-type]
    report = relay.relay(
        [
            stream_record("MODIFY", "20", old=image("Cust1", 1, "a"), new=image("Cust1", 1, "a")),
            stream_record("INSERT", "21", new=image("Cust1", 1, "a")),
            stream_record("INSERT", "22", new=image("Cust1", 2, "b")),
            stream_record("INSERT", "23", new=image("Cust1", 3, "c")),
        ]
    )
    # Positions 1 and 2 of what was published are records 22 and 23.
    assert report.failed_from == "22"
    assert (report.published, report.unchanged) == (1, 1)


def test_the_event_detail_is_built_from_the_image() -> None:
    publisher = FakePublisher()
    relay = StreamRelay(publisher, lambda ctx: profile(ctx, TenantStatus.ACTIVE))  # type: ignore[arg-type]
    relay.relay([stream_record("INSERT", "1", new=image("Cust1", 9, "Ünïcode"))])
    change = publisher.batches[0][0].change
    assert change.record.digest == image("Cust1", 9, "Ünïcode")["digest"]["S"]
    assert json.loads(image("Cust1", 9, "Ünïcode")["fields"]["S"]) == dict(change.record.fields)
