"""TableStreamReader against a fake DynamoDB Streams: shard lineage, starting positions,
checkpoints, rewinds and the errors an emulator gives (DynamoDB Local rolls shards over
only every 4 hours, so lineage is tested here)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.exceptions import ClientError

from local.runner.table_stream import StreamUnavailableError, TableStreamReader

STREAM_ARN = "arn:aws:dynamodb:ddblocal:000000000000:table/items/stream/2025-01-01T00:00:00.000"


def client_error(code: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, operation)


@dataclass
class FakeShard:
    parent: str | None
    records: list[dict[str, Any]] = field(default_factory=list)
    closed: bool = False
    trimmed_before: int = 0  # sequence numbers below this are gone


class FakeStreams:
    """DynamoDB (DescribeTable) and DynamoDB Streams for one table, in memory."""

    def __init__(self) -> None:
        self.shards: dict[str, FakeShard] = {}
        self.sequence = 0
        self.describes = 0
        self.expire_next = False
        self.stream_enabled = True
        self.table_exists = True

    # -- test controls --

    def shard(
        self, shard_id: str, parent: str | None = None, *, records: int = 0, closed: bool = False
    ) -> list[str]:
        """A new shard with `records` records; their sequence numbers."""
        self.shards[shard_id] = FakeShard(parent)
        written = self.write(shard_id, records)
        self.shards[shard_id].closed = closed
        return written

    def write(self, shard_id: str, count: int = 1) -> list[str]:
        written = []
        for _ in range(count):
            self.sequence += 1
            sequence = f"{self.sequence:021d}"
            self.shards[shard_id].records.append(
                {
                    "eventID": f"e{self.sequence}",
                    "eventName": "INSERT",
                    "eventVersion": "1.1",
                    "eventSource": "aws:dynamodb",
                    "awsRegion": "ddblocal",
                    "dynamodb": {
                        "ApproximateCreationDateTime": datetime.datetime.now(datetime.UTC),
                        "Keys": {"pk": {"S": f"k{self.sequence}"}},
                        "NewImage": {"pk": {"S": f"k{self.sequence}"}},
                        "SequenceNumber": sequence,
                        "SizeBytes": 10,
                        "StreamViewType": "NEW_AND_OLD_IMAGES",
                    },
                }
            )
            written.append(sequence)
        return written

    # -- the API --

    def describe_table(self, TableName: str) -> dict[str, Any]:
        if not self.table_exists:
            raise client_error("ResourceNotFoundException", "DescribeTable")
        table: dict[str, Any] = {"TableName": TableName}
        if self.stream_enabled:
            table["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
            table["LatestStreamArn"] = STREAM_ARN
        return {"Table": table}

    def describe_stream(self, StreamArn: str, ExclusiveStartShardId: str = "") -> dict[str, Any]:
        self.describes += 1
        ids = list(self.shards)
        start = ids.index(ExclusiveStartShardId) + 1 if ExclusiveStartShardId else 0
        page = ids[start : start + 2]  # small pages: the reader must follow them
        shards = []
        for shard_id in page:
            shard = self.shards[shard_id]
            numbers: dict[str, str] = {"StartingSequenceNumber": "1"}
            if shard.closed:
                numbers["EndingSequenceNumber"] = "999"
            entry: dict[str, Any] = {"ShardId": shard_id, "SequenceNumberRange": numbers}
            if shard.parent:
                entry["ParentShardId"] = shard.parent
            shards.append(entry)
        description: dict[str, Any] = {"StreamArn": StreamArn, "Shards": shards}
        if start + 2 < len(ids):
            description["LastEvaluatedShardId"] = page[-1]
        return {"StreamDescription": description}

    def get_shard_iterator(
        self, StreamArn: str, ShardId: str, ShardIteratorType: str, SequenceNumber: str = ""
    ) -> dict[str, Any]:
        if ShardId not in self.shards:
            raise client_error("ResourceNotFoundException", "GetShardIterator")
        shard = self.shards[ShardId]
        sequences = [int(r["dynamodb"]["SequenceNumber"]) for r in shard.records]
        if ShardIteratorType == "TRIM_HORIZON":
            index = 0
        elif ShardIteratorType == "LATEST":
            index = len(sequences)
        else:
            if int(SequenceNumber) < shard.trimmed_before:
                raise client_error("TrimmedDataAccessException", "GetShardIterator")
            index = sum(1 for number in sequences if number <= int(SequenceNumber))
        return {"ShardIterator": f"{ShardId}|{index}"}

    def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:
        if self.expire_next:
            self.expire_next = False
            raise client_error("ExpiredIteratorException", "GetRecords")
        shard_id, index_text = ShardIterator.split("|")
        shard, index = self.shards[shard_id], int(index_text)
        taken = shard.records[index : index + Limit]
        answer: dict[str, Any] = {"Records": taken}
        end = index + len(taken)
        if not (shard.closed and end >= len(shard.records)):
            answer["NextShardIterator"] = f"{shard_id}|{end}"
        return answer


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def reader(fake: FakeStreams, clock: Clock | None = None, **options: Any) -> TableStreamReader:
    return TableStreamReader(fake, fake, "items", clock=clock or Clock(), **options)


def sequences(records: list[dict[str, Any]]) -> list[str]:
    return [record["dynamodb"]["SequenceNumber"] for record in records]


def test_records_come_in_order_with_the_real_stream_arn() -> None:
    fake = FakeStreams()
    written = fake.shard("s1", records=5)
    stream = reader(fake, region="eu-west-1")
    assert sequences(stream.read(3)) == written[:3]
    records = stream.read(10)
    assert sequences(records) == written[3:]
    assert records[0]["eventSourceARN"] == STREAM_ARN
    assert records[0]["awsRegion"] == "eu-west-1"
    assert stream.read(10) == []


def test_a_parent_is_finished_and_committed_before_its_children() -> None:
    fake = FakeStreams()
    parent = fake.shard("parent", records=3, closed=True)
    child = fake.shard("child", parent="parent", records=2)
    stream = reader(fake)
    first = stream.read(10)
    assert sequences(first) == parent  # the child waits: the parent is not committed
    assert stream.read(10) == []
    stream.commit(first[-1])
    assert sequences(stream.read(10)) == child


def test_new_shards_are_found_by_describing_again_at_most_every_interval() -> None:
    fake, clock = FakeStreams(), Clock()
    fake.shard("s1")
    stream = reader(fake, clock, describe_interval=2.0)
    fake.shard("s2")
    written = fake.write("s2", 1)
    for _ in range(5):
        assert stream.read(10) == []
    assert fake.describes == 1  # at creation only
    clock.now += 2.0
    assert sequences(stream.read(10)) == written
    assert fake.describes == 2


def test_a_shard_that_ends_makes_the_reader_look_for_its_children_at_once() -> None:
    fake, clock = FakeStreams(), Clock()
    fake.shard("parent")
    stream = reader(fake, clock)
    fake.write("parent", 2)
    first = stream.read(10)
    fake.shards["parent"].closed = True  # rolled over: the child follows
    fake.shard("child", parent="parent")
    child = fake.write("child", 1)
    stream.commit(first[-1])
    # The read that sees the parent's end describes the stream at once: no interval.
    assert sequences(stream.read(10)) == child
    assert clock.now == 1000.0


def test_drain_follows_a_parent_into_its_children_in_one_call() -> None:
    fake = FakeStreams()
    written = fake.shard("parent", records=2, closed=True)
    written += fake.shard("child", parent="parent", records=2, closed=True)
    written += fake.shard("grandchild", parent="child", records=1)
    stream = reader(fake)
    assert sequences(stream.drain()) == written
    assert stream.drain() == []
    assert set(stream.checkpoints) == {"parent", "child", "grandchild"}


def test_latest_skips_what_was_written_before_and_reads_new_shards_whole() -> None:
    fake = FakeStreams()
    fake.shard("old", records=2, closed=True)
    fake.shard("open", parent="old", records=2)
    stream = reader(fake, start="LATEST")
    later = fake.write("open", 1)
    assert sequences(stream.drain()) == later
    fake.shards["open"].closed = True
    fake.shard("next", parent="open")
    newer = fake.write("next", 2)
    assert sequences(stream.drain()) == newer  # a shard created since: all of it


def test_checkpoints_resume_after_them_and_skip_what_came_before() -> None:
    fake = FakeStreams()
    fake.shard("old", records=2, closed=True)
    done = fake.shard("current", parent="old", records=2)
    rest = fake.write("current", 2)
    sibling = fake.shard("sibling", records=1)  # not covered by the checkpoint: all of it
    stream = reader(fake, start="LATEST", checkpoints={"current": done[-1]})
    assert sorted(sequences(stream.drain())) == sorted(rest + sibling)
    assert stream.checkpoints == {"current": rest[-1], "sibling": sibling[0]}


def test_a_checkpoint_the_stream_no_longer_has_is_logged_and_read_from_the_start() -> None:
    fake = FakeStreams()
    written = fake.shard("s1", records=3)
    lines: list[str] = []
    stream = reader(fake, start="LATEST", checkpoints={"gone": "5"}, log=lines.append)
    assert sequences(stream.drain()) == written  # TRIM_HORIZON, not LATEST
    assert "gone" not in stream.checkpoints
    assert any("shard gone is no longer in the stream" in line for line in lines)


def test_a_trimmed_checkpoint_reads_the_shard_from_what_it_still_has() -> None:
    fake = FakeStreams()
    written = fake.shard("s1", records=4)
    fake.shards["s1"].trimmed_before = int(written[2])
    lines: list[str] = []
    stream = reader(fake, checkpoints={"s1": written[0]}, log=lines.append)
    assert sequences(stream.drain()) == written  # the fake keeps them; TRIM_HORIZON asked
    assert any("reading it from TRIM_HORIZON" in line for line in lines)


def test_an_expired_iterator_is_opened_again_after_the_last_record_read() -> None:
    fake = FakeStreams()
    written = fake.shard("s1", records=4)
    stream = reader(fake)
    assert sequences(stream.read(2)) == written[:2]
    fake.expire_next = True
    assert sequences(stream.read(10)) == written[2:]  # nothing lost, nothing twice


def test_rewinds_hand_out_again_what_is_not_committed() -> None:
    fake = FakeStreams()
    written = fake.shard("s1", records=5)
    stream = reader(fake)
    batch = stream.read(4)
    stream.commit(batch[0])
    stream.rewind_to(batch[2])
    assert sequences(stream.read(10)) == written[2:]
    stream.rewind()
    assert sequences(stream.read(10)) == written[1:]  # everything after the commit
    assert stream.checkpoints == {"s1": written[0]}
    assert stream.shard_of(batch[1]) == "s1"
    with pytest.raises(ValueError, match="not pending"):
        stream.commit(batch[0])  # committed already


def test_drain_without_commit_still_hands_out_each_record_once() -> None:
    fake = FakeStreams()
    written = fake.shard("s1", records=3)
    stream = reader(fake)
    assert sequences(stream.drain(commit=False)) == written
    assert stream.drain(commit=False) == []
    assert stream.checkpoints == {}
    assert len(stream.drain(max_records=2)) == 0  # nothing new, even so


def test_no_table_or_no_stream_is_a_clear_error() -> None:
    fake = FakeStreams()
    fake.table_exists = False
    with pytest.raises(StreamUnavailableError, match="table items does not exist"):
        reader(fake)
    fake.table_exists, fake.stream_enabled = True, False
    with pytest.raises(StreamUnavailableError, match="table items has no enabled stream"):
        reader(fake)
    with pytest.raises(ValueError, match="start must be"):
        reader(FakeStreams(), start="AT_TIMESTAMP")
