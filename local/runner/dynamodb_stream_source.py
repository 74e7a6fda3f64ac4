"""DynamoDB Streams event-source mappings (function events of type `DynamoDB`), as Lambda's
poller runs them.

Reading: `TableStreamReader` (`local.runner.table_stream`, exported here too): the
table's latest stream, shards in lineage order, `StartingPosition` only without a
checkpoint, a checkpoint the stream no longer has logged and read from `TRIM_HORIZON`.

Delivering (`StreamPoller`): a batch is records of one shard, up to `BatchSize`, or as
many as arrive within `MaximumBatchingWindowInSeconds` of the first one; the function gets
`{"Records": [...]}` with Lambda's DynamoDB record shape. Then:

- it succeeded, without `ReportBatchItemFailures` or with an empty/null
  `batchItemFailures`: the batch is committed (the shard's checkpoint moves past it);
- it returned `batchItemFailures`: the records before the lowest failed sequence number
  are committed and the shard restarts at it; a response that is not an object, or an
  `itemIdentifier` that is missing, empty or not in the batch, fails the whole batch;
- it failed (error, timeout), or its response is unusable: the whole batch failed; with
  `BisectBatchOnFunctionError` it is split in halves, delivered one after the other,
  until the failing record is alone;
- a failed batch is retried (same records, a growing pause in between) until it
  succeeds or `MaximumRetryAttempts` retries have failed, and records older than
  `MaximumRecordAgeInSeconds` (-1: the stream's 24 hours) are not delivered at all;
  either way the records given up on are described (shard, sequence numbers, not the
  records: they stay on the stream) in a message to the `OnFailure` SQS destination, as
  Lambda's on-failure record, and the shard moves on. A failed invocation counts as a
  retry unless it bisects the batch (Lambda starts the count again for each half); the
  count also starts again when the shard's checkpoint moves.

Checkpoints are kept in `<state dir>/streams/<function>-<event>.json`, so a restart of
the local stack resumes where it stopped instead of delivering the stream's last 24
hours again. One poller serves all the shards of its mapping, one batch at a time
(Lambda would run one batch per shard at once; DynamoDB Local has one open shard).
"""

from __future__ import annotations

import datetime
import json
import math
import os
import re
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from local.naming import LocalNames
from local.runner.background import BackgroundLoop
from local.runner.event_sources import (
    Invoke,
    Log,
    enabled_events,
    reported_failures,
    reports_batch_item_failures,
)
from local.runner.table_stream import (
    DESCRIBE_INTERVAL_SECONDS,
    LATEST,
    TRIM_HORIZON,
    StartingPosition,
    StreamUnavailableError,
    TableStreamReader,
    lambda_record,
    sequence_number,
    sequence_order,
)
from local.template import FunctionSpec, TemplateError

__all__ = [
    "StreamMapping",
    "StreamPoller",
    "StreamUnavailableError",
    "TableStreamReader",
    "lambda_record",
    "stream_mappings",
]

DYNAMODB_EVENT_TYPE: Final = "DynamoDB"
DEFAULT_BATCH_SIZE: Final = 100
# DynamoDB Streams keeps records 24 hours: "until the record expires" means that long.
STREAM_RETENTION_SECONDS: Final = 24 * 60 * 60
POLL_INTERVAL_SECONDS: Final = 0.25  # Lambda polls each shard four times a second
RETRY_DELAY_SECONDS: Final = 0.5  # doubled after every failure of the same records ...
MAX_RETRY_DELAY_SECONDS: Final = 10.0  # ... up to this
RETRY_ATTEMPTS_EXHAUSTED: Final = "RetryAttemptsExhausted"
RECORD_AGE_EXCEEDED: Final = "RecordAgeExceeded"
_STREAM_ARN = re.compile(r"^arn:[^:]+:dynamodb:[^:]*:[^:]*:table/(?P<table>[^/]+)/stream/.+$")
# Event properties the runner applies, and those it accepts without local meaning.
_KNOWN_PROPERTIES: Final = frozenset(
    {
        "Stream",
        "StartingPosition",
        "BatchSize",
        "MaximumBatchingWindowInSeconds",
        "FunctionResponseTypes",
        "BisectBatchOnFunctionError",
        "MaximumRecordAgeInSeconds",
        "MaximumRetryAttempts",
        "DestinationConfig",
        "Enabled",
        # More concurrent batches per shard on AWS; one at a time locally (same records).
        "ParallelizationFactor",
        "MetricsConfig",
    }
)


# -- the template's mappings ----------------------------------------------------------------


@dataclass(frozen=True)
class StreamMapping:
    function_id: str
    event_name: str
    function_arn: str
    # As the template resolves it: locally a placeholder; the reader finds the real one.
    stream_arn: str
    table_name: str
    batch_size: int
    batching_window_seconds: float
    report_batch_item_failures: bool
    starting_position: StartingPosition
    maximum_retry_attempts: int  # -1: until the record expires
    maximum_record_age_seconds: int  # -1: until the record expires
    bisect_batch_on_function_error: bool
    on_failure_queue_url: str | None = None

    @property
    def checkpoint_name(self) -> str:
        return f"{self.function_id}-{self.event_name}.json"


def stream_mappings(
    functions: Mapping[str, FunctionSpec], names: LocalNames
) -> list[StreamMapping]:
    """Every enabled `DynamoDB` event of the (resolved) functions; TemplateError if one
    uses what the runner cannot reproduce."""
    return [
        _mapping(function, event_name, properties, names)
        for function, event_name, _, properties in enabled_events(functions, {DYNAMODB_EVENT_TYPE})
    ]


def _mapping(
    function: FunctionSpec, event_name: str, properties: Mapping[str, Any], names: LocalNames
) -> StreamMapping:
    where = f"{function.logical_id} event {event_name}"
    unknown = sorted(set(properties) - _KNOWN_PROPERTIES)
    if unknown:
        raise TemplateError(f"{where}: {', '.join(unknown)} not supported by the local runner")
    arn = str(properties.get("Stream", ""))
    match = _STREAM_ARN.match(arn)
    if match is None:
        raise TemplateError(f"{where}: Stream must be a table's stream ARN, got {arn!r}")
    return StreamMapping(
        function_id=function.logical_id,
        event_name=event_name,
        function_arn=function.arn,
        stream_arn=arn,
        table_name=match["table"],
        batch_size=int(properties.get("BatchSize", DEFAULT_BATCH_SIZE)),
        batching_window_seconds=float(properties.get("MaximumBatchingWindowInSeconds", 0)),
        report_batch_item_failures=reports_batch_item_failures(properties),
        starting_position=_starting_position(properties.get("StartingPosition"), where),
        maximum_retry_attempts=int(properties.get("MaximumRetryAttempts", -1)),
        maximum_record_age_seconds=int(properties.get("MaximumRecordAgeInSeconds", -1)),
        bisect_batch_on_function_error=_flag(properties.get("BisectBatchOnFunctionError")),
        on_failure_queue_url=_on_failure_queue(properties.get("DestinationConfig"), where, names),
    )


def _starting_position(value: Any, where: str) -> StartingPosition:
    if value == TRIM_HORIZON:
        return "TRIM_HORIZON"
    if value == LATEST:
        return "LATEST"
    if value == "AT_TIMESTAMP":
        raise TemplateError(f"{where}: StartingPosition AT_TIMESTAMP is not supported locally")
    raise TemplateError(f"{where}: StartingPosition must be TRIM_HORIZON or LATEST, got {value!r}")


def _flag(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _on_failure_queue(config: Any, where: str, names: LocalNames) -> str | None:
    on_failure = (config or {}).get("OnFailure") if isinstance(config, dict) else None
    if not on_failure:
        return None
    arn = str(on_failure.get("Destination", ""))
    parts = arn.split(":")
    if len(parts) < 6 or parts[2] != "sqs" or on_failure.get("Type", "SQS") != "SQS":
        raise TemplateError(
            f"{where}: only an SQS queue ARN is supported locally as the OnFailure "
            f"destination, got {arn!r}"
        )
    return names.queue_url(parts[5])


# -- what happens after an invocation (pure, so the rules can be tested alone) ------------


@dataclass(frozen=True)
class BatchResult:
    """How an invocation went: `retry_from` is the index of the first record to deliver
    again (None: all succeeded); `whole_batch` says the batch failed as a whole (function
    error or unusable response), which is what bisecting applies to."""

    retry_from: int | None
    whole_batch: bool = False


def batch_result(
    records: Sequence[Mapping[str, Any]], *, ok: bool, payload: Any, report_failures: bool
) -> BatchResult:
    """Lambda's reading of an invocation's outcome (see the module docstring)."""
    if not ok:
        return BatchResult(retry_from=0, whole_batch=True)
    if not report_failures:
        return BatchResult(retry_from=None)
    sequences = [sequence_number(record) for record in records]
    failed = reported_failures(payload, set(sequences))
    if failed is None:
        return BatchResult(retry_from=0, whole_batch=True)
    if not failed:
        return BatchResult(retry_from=None)
    lowest = min(failed, key=sequence_order)  # the checkpoint: Lambda restarts the shard there
    return BatchResult(retry_from=sequences.index(lowest))


@dataclass(frozen=True)
class NextStep:
    """What the poller does after an invocation of `size` records."""

    done: int  # records[:done] succeeded: commit them
    discarded: int  # the next `discarded` were given up on: on-failure destination, commit
    attempts: int  # failed invocations of the records now first in line
    # Sizes of the next batches: the failed records again, or bisected halves of them.
    plan: tuple[int, ...] = ()

    def retry_from(self, size: int) -> int | None:
        """Index of the record the shard restarts at, None if nothing is retried."""
        position = self.done + self.discarded
        return position if position < size else None


def next_step(
    size: int,
    result: BatchResult,
    *,
    attempts: int,
    plan: Sequence[int] = (),
    bisect: bool,
    max_retries: int,
) -> NextStep:
    """Commit, retry (bisected or not) or give up, as Lambda does for streams.

    `attempts`: failed invocations so far of the batch's first record; `plan`: the batch
    sizes planned by earlier failures, the first of which this batch was; `max_retries`:
    MaximumRetryAttempts (-1: no limit, the record's age decides).
    """
    later = tuple(plan[1:])
    if result.retry_from is None:
        return NextStep(done=size, discarded=0, attempts=0, plan=later)
    failed_at = result.retry_from
    remaining = size - failed_at
    if result.whole_batch and bisect and remaining > 1:
        # Splitting is not a retry: Lambda starts the count again for each half.
        half = math.ceil(remaining / 2)
        return NextStep(
            done=failed_at, discarded=0, attempts=0, plan=(half, remaining - half, *later)
        )
    # Progress starts the count again: the record failing now failed once.
    failures = attempts + 1 if failed_at == 0 else 1
    if 0 <= max_retries < failures:
        return NextStep(done=failed_at, discarded=remaining, attempts=0, plan=later)
    return NextStep(done=failed_at, discarded=0, attempts=failures, plan=(remaining, *later))


def expired_count(records: Sequence[Mapping[str, Any]], *, now: float, max_age: int) -> int:
    """How many leading records are older than `max_age` seconds (-1: the stream's 24 h)."""
    limit = STREAM_RETENTION_SECONDS if max_age < 0 else max_age
    count = 0
    for record in records:
        created = record["dynamodb"].get("ApproximateCreationDateTime")
        if created is None or now - float(created) <= limit:
            break
        count += 1
    return count


def consume_plan(plan: Sequence[int], count: int) -> tuple[int, ...]:
    """`plan` (batch sizes) once its first `count` records are out of the way."""
    sizes = list(plan)
    while count > 0 and sizes:
        taken = min(count, sizes[0])
        sizes[0] -= taken
        count -= taken
        if sizes[0] == 0:
            sizes.pop(0)
    return tuple(sizes)


def retry_delay(attempts: int, *, first: float, longest: float) -> float:
    """The pause before delivering records again that failed `attempts` times."""
    return min(longest, first * 2.0 ** max(0, attempts - 1))


def on_failure_message(
    records: Sequence[Mapping[str, Any]],
    *,
    condition: str,
    function_arn: str,
    stream_arn: str,
    shard_id: str,
    invocations: int,
    function_error: bool,
    now: datetime.datetime,
) -> dict[str, Any]:
    """Lambda's on-failure record for stream records it gave up on (they stay on the
    stream; this names them)."""
    first, last = records[0]["dynamodb"], records[-1]["dynamodb"]
    message: dict[str, Any] = {
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": invocations,
        },
    }
    if invocations:
        message["responseContext"] = {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            **({"functionError": "Unhandled"} if function_error else {}),
        }
    message.update(
        {
            "version": "1.0",
            "timestamp": now.astimezone(datetime.UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "DDBStreamBatchInfo": {
                "shardId": shard_id,
                "startSequenceNumber": first["SequenceNumber"],
                "endSequenceNumber": last["SequenceNumber"],
                "approximateArrivalOfFirstRecord": _arrival(first),
                "approximateArrivalOfLastRecord": _arrival(last),
                "batchSize": len(records),
                "streamArn": stream_arn,
            },
        }
    )
    return message


def _arrival(data: Mapping[str, Any]) -> str | None:
    created = data.get("ApproximateCreationDateTime")
    if created is None:
        return None
    moment = datetime.datetime.fromtimestamp(float(created), datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# -- checkpoints on disk ----------------------------------------------------------------------


def load_checkpoints(path: Path) -> dict[str, str]:
    """Shard id -> sequence number saved by `save_checkpoints`; empty if none (or unreadable)."""
    try:
        document = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return {}
    checkpoints = document.get("checkpoints") if isinstance(document, dict) else None
    if not isinstance(checkpoints, dict):
        return {}
    return {str(shard): str(sequence) for shard, sequence in checkpoints.items()}


def save_checkpoints(path: Path, *, stream_arn: str, checkpoints: Mapping[str, str]) -> None:
    """Write atomically: a stop in the middle leaves the previous file, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"streamArn": stream_arn, "checkpoints": dict(sorted(checkpoints.items()))}
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(document, file, indent=2)
            file.write("\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# -- the poller -------------------------------------------------------------------------------


class StreamPoller(BackgroundLoop):
    """One mapping's poller thread: read a batch, invoke, commit, retry or give up."""

    def __init__(
        self,
        mapping: StreamMapping,
        *,
        dynamodb: Any,
        streams: Any,
        sqs: Any,
        region: str,
        invoke: Invoke,
        log: Log,
        checkpoint_file: Path | None = None,
        poll_interval: float = POLL_INTERVAL_SECONDS,
        retry_delay_seconds: float = RETRY_DELAY_SECONDS,
        max_retry_delay_seconds: float = MAX_RETRY_DELAY_SECONDS,
        describe_interval: float = DESCRIBE_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.mapping = mapping
        self._dynamodb = dynamodb
        self._streams = streams
        self._sqs = sqs
        self._region = region
        self._invoke = invoke
        self._log = log
        self._checkpoint_file = checkpoint_file
        self._poll_interval = poll_interval
        self._retry_delays = (retry_delay_seconds, max_retry_delay_seconds)
        self._describe_interval = describe_interval
        self._clock = clock
        self._reader: TableStreamReader | None = None
        self._saved: dict[str, str] = {}
        # Retry state of the shard in trouble: failed invocations of its first pending
        # record, and the sizes of the batches planned for it (the failed records again).
        self._attempts = 0
        self._plan: tuple[int, ...] = ()
        self._plan_shard: str | None = None
        self._last_error: str | None = None
        super().__init__(f"stream-{mapping.function_id}")

    @property
    def label(self) -> str:
        return f"dynamodb stream {self.mapping.function_id}"

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                reader = self._reader or self._open_reader()
                batch = self._collect_batch(reader)
                if batch and not self._stopped.is_set():
                    self._deliver(reader, batch)
                self._last_error = None
            except Exception as error:  # the emulator restarting, say: keep polling
                if self._stopped.is_set():
                    return
                if str(error) != self._last_error:  # once, not every second
                    self._log(f"{self.label}: polling failed: {error}")
                    self._last_error = str(error)
                if self._reader is not None:
                    self._reader.rewind()  # what was read and not committed comes again
                self._stopped.wait(1.0)

    def _open_reader(self) -> TableStreamReader:
        saved = load_checkpoints(self._checkpoint_file) if self._checkpoint_file else {}
        self._reader = TableStreamReader(
            self._dynamodb,
            self._streams,
            self.mapping.table_name,
            start=self.mapping.starting_position,
            region=self._region,
            checkpoints=saved,
            describe_interval=self._describe_interval,
            log=lambda line: self._log(f"{self.label}: {line}"),
        )
        self._saved = self._reader.checkpoints
        return self._reader

    def _collect_batch(self, reader: TableStreamReader) -> list[dict[str, Any]]:
        if self._plan:  # records to deliver again: exactly those, at once
            again = reader.read(self._plan[0], shard_id=self._plan_shard)
            if again:
                return again
            self._attempts, self._plan = 0, ()  # their shard is gone: nothing to retry
        mapping = self.mapping
        batch: list[dict[str, Any]] = []
        shard: str | None = None
        window_ends: float | None = None
        while len(batch) < mapping.batch_size and not self._stopped.is_set():
            records = reader.read(
                mapping.batch_size - len(batch), shard_id=shard, one_shard=shard is None
            )
            if records and shard is None:
                shard = reader.shard_of(records[0])
                window_ends = time.monotonic() + mapping.batching_window_seconds
            batch.extend(records)
            if window_ends is None or mapping.batching_window_seconds == 0:
                if batch:
                    break
                self._stopped.wait(self._poll_interval)  # nothing yet: poll again soon
                continue
            remaining = window_ends - time.monotonic()
            if remaining <= 0:
                break
            if not records:
                self._stopped.wait(min(self._poll_interval, remaining))
        return batch

    def _deliver(self, reader: TableStreamReader, batch: list[dict[str, Any]]) -> None:
        mapping = self.mapping
        shard = reader.shard_of(batch[0])
        expired = expired_count(
            batch, now=self._clock(), max_age=mapping.maximum_record_age_seconds
        )
        if expired:
            self._give_up(batch[:expired], shard, RECORD_AGE_EXCEEDED, invocations=0)
            reader.commit(batch[expired - 1])
            self._attempts, self._plan = 0, consume_plan(self._plan, expired)
            if expired < len(batch):
                reader.rewind_to(batch[expired])
            self._save(reader)
            return
        ok, payload = self._invoke(mapping.function_id, {"Records": batch})
        result = batch_result(
            batch, ok=ok, payload=payload, report_failures=mapping.report_batch_item_failures
        )
        step = next_step(
            len(batch),
            result,
            attempts=self._attempts,
            plan=self._plan,
            bisect=mapping.bisect_batch_on_function_error,
            max_retries=mapping.maximum_retry_attempts,
        )
        if step.done:
            reader.commit(batch[step.done - 1])
        if step.discarded:
            given_up = batch[step.done : step.done + step.discarded]
            self._give_up(
                given_up,
                shard,
                RETRY_ATTEMPTS_EXHAUSTED,
                invocations=self._attempts + 1 if step.done == 0 else 1,
                function_error=result.whole_batch,
            )
            reader.commit(given_up[-1])
        self._attempts, self._plan = step.attempts, step.plan
        self._plan_shard = shard if step.plan else None
        retry_from = step.retry_from(len(batch))
        outcome = f"{self.label}: batch of {len(batch)}, {step.done} done"
        if step.discarded:
            outcome += f", {step.discarded} given up"
        if retry_from is not None:
            outcome += f", retrying from {sequence_number(batch[retry_from])}"
        self._log(outcome)
        self._save(reader)
        if retry_from is not None:
            reader.rewind_to(batch[retry_from])
            first, longest = self._retry_delays
            self._stopped.wait(retry_delay(step.attempts, first=first, longest=longest))

    def _give_up(
        self,
        records: Sequence[Mapping[str, Any]],
        shard: str,
        condition: str,
        *,
        invocations: int,
        function_error: bool = False,
    ) -> None:
        mapping = self.mapping
        message = on_failure_message(
            records,
            condition=condition,
            function_arn=mapping.function_arn,
            stream_arn=self._reader.stream_arn if self._reader else mapping.stream_arn,
            shard_id=shard,
            invocations=invocations,
            function_error=function_error,
            now=datetime.datetime.fromtimestamp(self._clock(), datetime.UTC),
        )
        where = "dropped (no OnFailure destination)"
        if mapping.on_failure_queue_url is not None:
            self._sqs.send_message(
                QueueUrl=mapping.on_failure_queue_url, MessageBody=json.dumps(message)
            )
            where = f"sent to {mapping.on_failure_queue_url}"
        info = message["DDBStreamBatchInfo"]
        self._log(
            f"{self.label}: {condition}: {len(records)} records of shard {shard} "
            f"({info['startSequenceNumber']}..{info['endSequenceNumber']}) {where}"
        )

    def _save(self, reader: TableStreamReader) -> None:
        checkpoints = reader.checkpoints
        if self._checkpoint_file is None or checkpoints == self._saved:
            return
        save_checkpoints(
            self._checkpoint_file, stream_arn=reader.stream_arn, checkpoints=checkpoints
        )
        self._saved = checkpoints
