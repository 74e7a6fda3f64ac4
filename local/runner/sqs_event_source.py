"""SQS event-source mappings (function events of type `SQS`), as Lambda's poller runs them.

The poller receives from the queue (the queue's own visibility timeout applies), collects
up to `BatchSize` messages or until `MaximumBatchingWindowInSeconds` has passed since the
first one, invokes the function with the Lambda SQS event, then deletes what succeeded:

- the function failed (error, timeout): nothing is deleted, the whole batch comes back
  once its visibility timeout passes;
- it returned and `FunctionResponseTypes` lacks `ReportBatchItemFailures`: all deleted;
- with `ReportBatchItemFailures`: all but the `batchItemFailures` are deleted; an empty
  or null list or response means all succeeded; an identifier that is missing, empty or
  not in the batch, or a response that is not an object, fails the whole batch.

Messages received more than the queue's `maxReceiveCount` times move to its dead-letter
queue; moto's SQS does that on receive, exactly as SQS itself does.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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
from local.template import FunctionSpec, TemplateError

SQS_EVENT_TYPE: Final = "SQS"
DEFAULT_BATCH_SIZE: Final = 10
_RECEIVE_LIMIT: Final = 10  # ReceiveMessage returns at most 10 messages per call
_WAIT_SECONDS: Final = 1  # long poll, short enough to stop promptly


@dataclass(frozen=True)
class SqsMapping:
    function_id: str
    event_name: str
    queue_arn: str
    queue_url: str
    batch_size: int
    batching_window_seconds: float
    report_batch_item_failures: bool
    # Pollers working the queue at once: the function's reserved concurrency, at most
    # MAX_POLLERS (each invocation is a process locally).
    pollers: int = 1


MAX_POLLERS: Final = 4


def sqs_mappings(functions: Mapping[str, FunctionSpec], names: LocalNames) -> list[SqsMapping]:
    found: list[SqsMapping] = []
    for function, event_name, _, properties in enabled_events(functions, {SQS_EVENT_TYPE}):
        arn = str(properties.get("Queue", ""))
        if not arn.startswith("arn:"):
            raise TemplateError(f"{function.logical_id} event {event_name}: Queue must be an ARN")
        found.append(
            SqsMapping(
                function_id=function.logical_id,
                event_name=event_name,
                queue_arn=arn,
                queue_url=names.queue_url(arn.rsplit(":", 1)[1]),
                batch_size=int(properties.get("BatchSize", DEFAULT_BATCH_SIZE)),
                batching_window_seconds=float(properties.get("MaximumBatchingWindowInSeconds", 0)),
                report_batch_item_failures=reports_batch_item_failures(properties),
                pollers=max(1, min(MAX_POLLERS, function.reserved_concurrency or 1)),
            )
        )
    return found


def sqs_record(message: Mapping[str, Any], *, queue_arn: str, region: str) -> dict[str, Any]:
    """One record of Lambda's SQS event, from a ReceiveMessage message."""
    attributes = dict(message.get("Attributes") or {})
    message_attributes = {
        name: {
            "stringValue": value.get("StringValue"),
            "binaryValue": value.get("BinaryValue"),
            "stringListValues": value.get("StringListValues", []),
            "binaryListValues": value.get("BinaryListValues", []),
            "dataType": value.get("DataType"),
        }
        for name, value in (message.get("MessageAttributes") or {}).items()
    }
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": attributes,
        "messageAttributes": message_attributes,
        "md5OfBody": message.get("MD5OfBody"),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def succeeded_records(
    records: Sequence[Mapping[str, Any]], *, ok: bool, payload: Any, report_failures: bool
) -> list[Mapping[str, Any]]:
    """The records to delete after the invocation (see the module docstring)."""
    if not ok:
        return []
    if not report_failures:
        return list(records)
    failed = reported_failures(payload, {record["messageId"] for record in records})
    if failed is None:
        return []  # Lambda then treats the whole batch as failed
    return [record for record in records if record["messageId"] not in failed]


class SqsPoller(BackgroundLoop):
    """One mapping's poller thread: receive, batch, invoke, delete what succeeded."""

    def __init__(
        self,
        mapping: SqsMapping,
        *,
        sqs: Any,
        region: str,
        invoke: Invoke,
        log: Log,
    ) -> None:
        self.mapping = mapping
        self._sqs = sqs
        self._region = region
        self._invoke = invoke
        self._log = log
        super().__init__(f"sqs-{mapping.function_id}")

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                batch = self._collect_batch()
                if batch:
                    self._deliver(batch)
            except Exception as error:  # the emulator restarting, say: keep polling
                if self._stopped.is_set():
                    return
                self._log(f"sqs {self.mapping.function_id}: polling failed: {error}")
                self._stopped.wait(1.0)

    def _collect_batch(self) -> list[dict[str, Any]]:
        mapping = self.mapping
        batch: list[dict[str, Any]] = []
        window_ends: float | None = None
        while len(batch) < mapping.batch_size and not self._stopped.is_set():
            remaining_window = None if window_ends is None else window_ends - time.monotonic()
            if remaining_window is not None and remaining_window <= 0:
                break
            wait = (
                _WAIT_SECONDS if remaining_window is None else min(_WAIT_SECONDS, remaining_window)
            )
            answer = self._sqs.receive_message(
                QueueUrl=mapping.queue_url,
                MaxNumberOfMessages=min(_RECEIVE_LIMIT, mapping.batch_size - len(batch)),
                WaitTimeSeconds=max(0, int(wait)),
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            messages = answer.get("Messages") or []
            batch.extend(messages)
            if batch and window_ends is None:
                window_ends = time.monotonic() + mapping.batching_window_seconds
            if not messages and window_ends is None:
                continue  # nothing yet: keep long-polling
            if mapping.batching_window_seconds == 0:
                break
        return batch

    def _deliver(self, batch: list[dict[str, Any]]) -> None:
        mapping = self.mapping
        records = [
            sqs_record(message, queue_arn=mapping.queue_arn, region=self._region)
            for message in batch
        ]
        ok, payload = self._invoke(mapping.function_id, {"Records": records})
        done = succeeded_records(
            records, ok=ok, payload=payload, report_failures=mapping.report_batch_item_failures
        )
        # DeleteMessageBatch takes at most 10 entries, as ReceiveMessage returns.
        for start in range(0, len(done), _RECEIVE_LIMIT):
            chunk = done[start : start + _RECEIVE_LIMIT]
            self._sqs.delete_message_batch(
                QueueUrl=mapping.queue_url,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": record["receiptHandle"]}
                    for index, record in enumerate(chunk)
                ],
            )
        self._log(
            f"sqs {mapping.function_id}: batch of {len(records)}, {len(done)} done, "
            f"{len(records) - len(done)} back to the queue"
        )
