"""The SQS event source: records, partial batch failures, batching, deletion, with fakes."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from local.runner.sqs_event_source import SqsMapping, SqsPoller, sqs_record, succeeded_records

RECORDS = [{"messageId": f"m{i}", "receiptHandle": f"r{i}"} for i in range(3)]


def ids(records: list[Any]) -> list[str]:
    return [record["messageId"] for record in records]


@pytest.mark.parametrize(
    ("ok", "payload", "report", "deleted"),
    [
        (False, {"errorType": "ValueError"}, False, []),  # function failed: all come back
        (False, None, True, []),
        (True, "anything", False, ["m0", "m1", "m2"]),  # no partial failures: all done
        (True, None, True, ["m0", "m1", "m2"]),
        (True, {}, True, ["m0", "m1", "m2"]),
        (True, {"batchItemFailures": []}, True, ["m0", "m1", "m2"]),
        (True, {"batchItemFailures": None}, True, ["m0", "m1", "m2"]),
        (True, {"batchItemFailures": [{"itemIdentifier": "m1"}]}, True, ["m0", "m2"]),
        (True, {"batchItemFailures": [{"itemIdentifier": "m9"}]}, True, []),  # unknown id
        (True, {"batchItemFailures": [{"itemIdentifier": ""}]}, True, []),
        (True, {"batchItemFailures": [{"itemIdentifier": None}]}, True, []),
        (True, {"batchItemFailures": [{"id": "m1"}]}, True, []),  # bad key name
        (True, "not an object", True, []),
    ],
)
def test_succeeded_records(ok: bool, payload: Any, report: bool, deleted: list[str]) -> None:
    assert (
        ids(succeeded_records(RECORDS, ok=ok, payload=payload, report_failures=report)) == deleted
    )


def test_record_shape() -> None:
    record = sqs_record(
        {
            "MessageId": "m1",
            "ReceiptHandle": "r1",
            "Body": "hello",
            "MD5OfBody": "5d41402abc4b2a76b9719d911017c592",
            "Attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1"},
            "MessageAttributes": {"kind": {"StringValue": "x", "DataType": "String"}},
        },
        queue_arn="arn:aws:sqs:eu-west-1:123456789012:q",
        region="eu-west-1",
    )
    assert record == {
        "messageId": "m1",
        "receiptHandle": "r1",
        "body": "hello",
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1"},
        "messageAttributes": {
            "kind": {
                "stringValue": "x",
                "binaryValue": None,
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": "String",
            }
        },
        "md5OfBody": "5d41402abc4b2a76b9719d911017c592",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:q",
        "awsRegion": "eu-west-1",
    }


class FakeSqs:
    """Hands out queued messages, records deletions; the poller's only contact."""

    def __init__(self, bodies: list[str]) -> None:
        self.messages = [
            {"MessageId": f"m{i}", "ReceiptHandle": f"r{i}", "Body": body}
            for i, body in enumerate(bodies)
        ]
        self.deleted: list[str] = []
        self.lock = threading.Lock()

    def receive_message(self, **arguments: Any) -> dict[str, Any]:
        with self.lock:
            taken = self.messages[: arguments["MaxNumberOfMessages"]]
            del self.messages[: len(taken)]
        if not taken:
            threading.Event().wait(0.02)
        return {"Messages": taken} if taken else {}

    def delete_message_batch(self, **arguments: Any) -> dict[str, Any]:
        self.deleted.extend(entry["ReceiptHandle"] for entry in arguments["Entries"])
        return {}


def mapping(batch_size: int, window: float = 0, report: bool = True) -> SqsMapping:
    return SqsMapping(
        "F", "Queue", "arn:aws:sqs:eu-west-1:1:q", "http://q", batch_size, window, report
    )


def run_poller(sqs: FakeSqs, spec: SqsMapping, answer: Any, until: int) -> list[list[str]]:
    batches: list[list[str]] = []
    done = threading.Event()

    def invoke(function_id: str, event: Any) -> tuple[bool, Any]:
        batches.append([record["body"] for record in event["Records"]])
        if sum(len(batch) for batch in batches) >= until:
            done.set()
        return True, answer(event)

    poller = SqsPoller(spec, sqs=sqs, region="eu-west-1", invoke=invoke, log=lambda _line: None)
    poller.start()
    assert done.wait(5)
    poller.stop()
    return batches


def test_batches_of_batch_size_and_partial_failures_stay() -> None:
    sqs = FakeSqs([f"b{i}" for i in range(25)])

    def fail_first(event: Any) -> Any:
        return {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}

    batches = run_poller(sqs, mapping(batch_size=12, window=0.5), fail_first, until=25)
    assert [len(batch) for batch in batches] == [12, 12, 1]
    assert len(sqs.deleted) == 25 - 3  # the first of each batch was reported failed
    assert "r0" not in sqs.deleted
    assert "r12" not in sqs.deleted
