"""A DynamoDB table's stream read as Lambda's event source mapping reads it.

`TableStreamReader` finds the table's latest stream (DescribeTable's `LatestStreamArn`),
reads every shard in stream order, and a parent shard to its end (every record of it
committed) before its children; new shards are found by describing the stream again, at
most every `DESCRIBE_INTERVAL_SECONDS`, or at once when a shard has ended (DynamoDB Local
closes a stream's shard and opens its child every 4 hours).

The starting position applies only without checkpoints: `TRIM_HORIZON` reads all the
stream holds (24 hours), `LATEST` what is written after the reader was created.
Checkpoints (shard id -> last committed sequence number) resume after them; a shard they
do not cover is read from its start (it came after them), and a checkpoint whose shard
the stream no longer has is logged and dropped. An iterator unused for 15 minutes, or a
position trimmed away, is opened again (after the last record read, or TRIM_HORIZON).

Records come in Lambda's DynamoDB event record shape (`lambda_record`). The stack's
pollers (`local.runner.dynamodb_stream_source`) and the tests use it alike.
"""

from __future__ import annotations

import base64
import datetime
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from local import defaults
from local.tables import error_code

TRIM_HORIZON: Final = "TRIM_HORIZON"
LATEST: Final = "LATEST"
DESCRIBE_INTERVAL_SECONDS: Final = 2.0
_GET_RECORDS_LIMIT: Final = 1000  # GetRecords returns at most 1,000 records per call
# GetShardIterator's answers to a sequence number the shard no longer has.
_LOST_POSITION: Final = ("TrimmedDataAccessException", "ValidationException")

StartingPosition = Literal["TRIM_HORIZON", "LATEST"]
Log = Callable[[str], None]


# -- Lambda's record shape --------------------------------------------------------------------


def lambda_record(raw: Mapping[str, Any], *, stream_arn: str, region: str) -> dict[str, Any]:
    """One record of Lambda's DynamoDB event, from a GetRecords record as boto3 parses it.

    As Lambda's JSON has it: the creation time in epoch seconds, binary values as base64
    text, the stack's region (DynamoDB Local says `ddblocal`) and the stream's real ARN.
    """
    data = raw["dynamodb"]
    dynamodb: dict[str, Any] = {}
    created = data.get("ApproximateCreationDateTime")
    if isinstance(created, datetime.datetime):
        dynamodb["ApproximateCreationDateTime"] = created.timestamp()
    elif created is not None:
        dynamodb["ApproximateCreationDateTime"] = float(created)
    for name in ("Keys", "NewImage", "OldImage"):
        if name in data:
            dynamodb[name] = {key: _json_value(value) for key, value in data[name].items()}
    for name in ("SequenceNumber", "SizeBytes", "StreamViewType"):
        if name in data:
            dynamodb[name] = data[name]
    record: dict[str, Any] = {
        "eventID": raw["eventID"],
        "eventName": raw["eventName"],
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }
    if "userIdentity" in raw:  # TTL deletions: the DynamoDB service principal
        record["userIdentity"] = raw["userIdentity"]
    return record


def _json_value(value: Mapping[str, Any]) -> dict[str, Any]:
    """An attribute value as DynamoDB's JSON has it (boto3 gives bytes for B and BS)."""
    ((kind, inner),) = value.items()
    if kind == "B":
        return {"B": _base64(inner)}
    if kind == "BS":
        return {"BS": [_base64(item) for item in inner]}
    if kind == "M":
        return {"M": {key: _json_value(item) for key, item in inner.items()}}
    if kind == "L":
        return {"L": [_json_value(item) for item in inner]}
    return {kind: inner}


def _base64(value: Any) -> str:
    return value if isinstance(value, str) else base64.b64encode(bytes(value)).decode("ascii")


def sequence_number(record: Mapping[str, Any]) -> str:
    return str(record["dynamodb"]["SequenceNumber"])


def sequence_order(sequence: str) -> int:
    # Sequence numbers are decimal strings of varying length: compare them as numbers.
    return int(sequence)


# -- reading the stream -----------------------------------------------------------------------


class StreamUnavailableError(RuntimeError):
    """The table does not exist (yet), or has no enabled stream."""


@dataclass
class _Shard:
    shard_id: str
    parent_id: str | None
    # Where a new iterator starts: (ShardIteratorType, SequenceNumber or None).
    position: tuple[str, str | None]
    iterator: str | None = None
    closed: bool = False  # GetRecords said the shard ends here (no NextShardIterator)
    done: bool = False  # closed and all of it committed (or skipped): children may start
    # Read but not committed, in stream order; `cursor` is the next one to hand out.
    pending: list[dict[str, Any]] = field(default_factory=list)
    cursor: int = 0


class TableStreamReader:
    """A table's stream, read as Lambda's event source mapping reads it; one thread only.

    `read(limit)` hands out records not handed out before (Lambda's record shape, in
    stream order per shard); `commit(record)` marks the record and everything before it
    on its shard done (that is what `checkpoints` saves); `rewind_to(record)` hands the
    shard out again from that record; `rewind()` does so for everything not committed.
    Records are kept in memory from `read` until committed.
    """

    def __init__(
        self,
        dynamodb: Any,
        streams: Any,
        table_name: str,
        *,
        start: StartingPosition = "TRIM_HORIZON",
        region: str = defaults.LOCAL_REGION,
        checkpoints: Mapping[str, str] | None = None,
        describe_interval: float = DESCRIBE_INTERVAL_SECONDS,
        log: Log | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if start not in (TRIM_HORIZON, LATEST):
            raise ValueError(f"start must be TRIM_HORIZON or LATEST, got {start!r}")
        self.table_name = table_name
        self._dynamodb = dynamodb
        self._streams = streams
        self._start = start
        self._region = region
        self._checkpoints: dict[str, str] = dict(checkpoints or {})
        # With any checkpoint, everything the checkpoints do not cover is new: read it all.
        self._resuming = bool(self._checkpoints)
        self._describe_interval = describe_interval
        self._log = log or (lambda _line: None)
        self._clock = clock
        self._shards: dict[str, _Shard] = {}
        self._shard_of: dict[str, str] = {}  # sequence number -> shard, for pending records
        self._described_at: float | None = None
        self._shard_finished = False
        self.stream_arn = latest_stream_arn(dynamodb, table_name)
        # Now, so that LATEST means "written after the reader was created".
        self._discover()

    @property
    def checkpoints(self) -> dict[str, str]:
        """Shard id -> sequence number of its last committed record."""
        return dict(self._checkpoints)

    def read(
        self, limit: int, *, shard_id: str | None = None, one_shard: bool = False
    ) -> list[dict[str, Any]]:
        """Up to `limit` records not handed out yet; only `shard_id`'s if given, only the
        first shard's that has any if `one_shard` (a Lambda batch is one shard's)."""
        if self._described_at is None or (
            self._clock() - self._described_at >= self._describe_interval
        ):
            self._discover()
        found: list[dict[str, Any]] = []
        while True:
            for shard in self._readable():
                if len(found) >= limit or (one_shard and found):
                    break
                if shard_id is None or shard.shard_id == shard_id:
                    found.extend(self._read_shard(shard, limit - len(found)))
            # A shard that just ended may have children to read at once.
            if not self._shard_finished or len(found) >= limit or (one_shard and found):
                return found
            self._discover()

    def drain(self, max_records: int = 10_000, *, commit: bool = True) -> list[dict[str, Any]]:
        """Read until nothing new comes (at most `max_records`); commit it unless told not
        to. For tests: what the table's writes since the last call put on the stream."""
        found: list[dict[str, Any]] = []
        while len(found) < max_records:
            records = self.read(min(_GET_RECORDS_LIMIT, max_records - len(found)))
            if not records:
                break
            found.extend(records)
            if commit:
                for last in _last_of_each_shard(records, self.shard_of):
                    self.commit(last)
        return found

    def shard_of(self, record: Mapping[str, Any]) -> str:
        """The shard a record handed out and not yet committed came from."""
        sequence = sequence_number(record)
        try:
            return self._shard_of[sequence]
        except KeyError:
            raise ValueError(
                f"sequence number {sequence} is not pending: not read by this reader, "
                "or already committed"
            ) from None

    def commit(self, record: Mapping[str, Any]) -> None:
        """`record` and every record before it on its shard are done."""
        shard = self._shards[self.shard_of(record)]
        sequence = sequence_number(record)
        index = _index_of(shard.pending, sequence)
        for committed in shard.pending[: index + 1]:
            del self._shard_of[sequence_number(committed)]
        del shard.pending[: index + 1]
        shard.cursor = max(0, shard.cursor - (index + 1))
        self._checkpoints[shard.shard_id] = sequence
        self._finish_if_done(shard)

    def rewind_to(self, record: Mapping[str, Any]) -> None:
        """Hand out `record`'s shard again from `record` on (it must not be committed)."""
        shard = self._shards[self.shard_of(record)]
        shard.cursor = _index_of(shard.pending, sequence_number(record))

    def rewind(self) -> None:
        """Hand out again everything not committed (after a delivery went wrong)."""
        for shard in self._shards.values():
            shard.cursor = 0

    # -- shards -------------------------------------------------------------------------

    def _discover(self) -> None:
        described = _describe_shards(self._streams, self.stream_arn)
        first = self._described_at is None
        self._described_at = self._clock()
        self._shard_finished = False
        if first:
            for gone in sorted(set(self._checkpoints) - set(described)):
                self._log(
                    f"stream of {self.table_name}: checkpoint {self._checkpoints[gone]} of "
                    f"shard {gone} is no longer in the stream; reading from TRIM_HORIZON"
                )
                del self._checkpoints[gone]
        finished = self._ancestors_of_checkpoints(described) if first else set()
        for shard_id, (parent_id, closed) in described.items():
            if shard_id in self._shards:
                continue
            shard = _Shard(shard_id, parent_id, self._first_position(shard_id, first))
            if shard_id in finished or (closed and shard.position[0] == LATEST):
                shard.done = True  # read before the checkpoint, or ended before a LATEST start
            elif shard.position[0] == LATEST:
                self._open(shard)
            self._shards[shard_id] = shard

    def _first_position(self, shard_id: str, first: bool) -> tuple[str, str | None]:
        if shard_id in self._checkpoints:
            return ("AFTER_SEQUENCE_NUMBER", self._checkpoints[shard_id])
        if first and not self._resuming and self._start == LATEST:
            return (LATEST, None)
        return (TRIM_HORIZON, None)  # a shard created since: all of it is new

    def _ancestors_of_checkpoints(
        self, described: Mapping[str, tuple[str | None, bool]]
    ) -> set[str]:
        ancestors: set[str] = set()
        for shard_id in self._checkpoints:
            parent = described[shard_id][0]
            while parent is not None and parent in described and parent not in ancestors:
                ancestors.add(parent)
                parent = described[parent][0]
        return ancestors

    def _readable(self) -> list[_Shard]:
        """Shards not done whose parent is done or gone: a parent is read out first."""
        return [
            shard
            for shard in self._shards.values()
            if not shard.done
            and (
                shard.parent_id is None
                or shard.parent_id not in self._shards
                or self._shards[shard.parent_id].done
            )
        ]

    def _finish_if_done(self, shard: _Shard) -> None:
        if shard.closed and not shard.pending and not shard.done:
            shard.done = True
            self._shard_finished = True  # look for its children at the next read

    # -- records ------------------------------------------------------------------------

    def _read_shard(self, shard: _Shard, limit: int) -> list[dict[str, Any]]:
        records = shard.pending[shard.cursor : shard.cursor + limit]
        shard.cursor += len(records)
        if len(records) < limit and not shard.closed:
            fetched = self._fetch(shard, limit - len(records))
            shard.pending.extend(fetched)
            shard.cursor += len(fetched)
            for record in fetched:
                self._shard_of[sequence_number(record)] = shard.shard_id
            records.extend(fetched)
        self._finish_if_done(shard)
        return records

    def _fetch(self, shard: _Shard, limit: int) -> list[dict[str, Any]]:
        if shard.iterator is None:
            self._open(shard)
        if shard.done:  # the shard is gone from the stream
            return []
        try:
            answer = self._get_records(shard, limit)
        except Exception as error:
            code = error_code(error)
            if code == "TrimmedDataAccessException":  # older than 24 hours: gone
                self._log(f"stream of {self.table_name}: shard {shard.shard_id} was trimmed")
                shard.position = (TRIM_HORIZON, None)
            elif code != "ExpiredIteratorException":  # unused for 15 minutes: open again
                raise
            self._open(shard)
            answer = self._get_records(shard, limit)
        records = [
            lambda_record(raw, stream_arn=self.stream_arn, region=self._region)
            for raw in answer.get("Records") or []
        ]
        if records:
            shard.position = ("AFTER_SEQUENCE_NUMBER", sequence_number(records[-1]))
        shard.iterator = answer.get("NextShardIterator")
        shard.closed = shard.iterator is None
        return records

    def _get_records(self, shard: _Shard, limit: int) -> dict[str, Any]:
        answer: dict[str, Any] = self._streams.get_records(
            ShardIterator=shard.iterator, Limit=min(limit, _GET_RECORDS_LIMIT)
        )
        return answer

    def _open(self, shard: _Shard) -> None:
        kind, sequence = shard.position
        arguments: dict[str, Any] = {
            "StreamArn": self.stream_arn,
            "ShardId": shard.shard_id,
            "ShardIteratorType": kind,
        }
        if sequence is not None:
            arguments["SequenceNumber"] = sequence
        try:
            shard.iterator = self._streams.get_shard_iterator(**arguments)["ShardIterator"]
        except Exception as error:
            code = error_code(error)
            if code == "ResourceNotFoundException":  # the shard was trimmed away
                self._log(f"stream of {self.table_name}: shard {shard.shard_id} is gone")
                shard.closed, shard.done, self._shard_finished = True, True, True
                shard.iterator = None
                return
            if sequence is None or code not in _LOST_POSITION:
                raise
            self._log(
                f"stream of {self.table_name}: shard {shard.shard_id} no longer has "
                f"{sequence}; reading it from TRIM_HORIZON"
            )
            shard.position = (TRIM_HORIZON, None)
            self._open(shard)
            return


def latest_stream_arn(dynamodb: Any, table_name: str) -> str:
    """The table's current stream; StreamUnavailableError says why there is none."""
    try:
        table = dynamodb.describe_table(TableName=table_name)["Table"]
    except Exception as error:
        if error_code(error) == "ResourceNotFoundException":
            raise StreamUnavailableError(f"table {table_name} does not exist (yet)") from None
        raise
    specification = table.get("StreamSpecification") or {}
    arn = table.get("LatestStreamArn")
    if not specification.get("StreamEnabled") or not arn:
        raise StreamUnavailableError(
            f"table {table_name} has no enabled stream: its StreamSpecification is missing "
            "(or the table predates it: the local stack enables it when it provisions)"
        )
    return str(arn)


def _describe_shards(streams: Any, stream_arn: str) -> dict[str, tuple[str | None, bool]]:
    """Shard id -> (parent shard id, closed), in the order DescribeStream lists them."""
    shards: dict[str, tuple[str | None, bool]] = {}
    arguments: dict[str, Any] = {"StreamArn": stream_arn}
    while True:
        description = streams.describe_stream(**arguments)["StreamDescription"]
        for shard in description.get("Shards") or []:
            closed = "EndingSequenceNumber" in (shard.get("SequenceNumberRange") or {})
            shards[shard["ShardId"]] = (shard.get("ParentShardId"), closed)
        last = description.get("LastEvaluatedShardId")
        if not last:
            return shards
        arguments["ExclusiveStartShardId"] = last


def _index_of(records: Sequence[Mapping[str, Any]], sequence: str) -> int:
    for index, record in enumerate(records):
        if sequence_number(record) == sequence:
            return index
    raise ValueError(f"sequence number {sequence} is not pending")


def _last_of_each_shard(
    records: Sequence[dict[str, Any]], shard_of: Callable[[Mapping[str, Any]], str]
) -> list[dict[str, Any]]:
    last: dict[str, dict[str, Any]] = {}
    for record in records:
        last[shard_of(record)] = record
    return list(last.values())
