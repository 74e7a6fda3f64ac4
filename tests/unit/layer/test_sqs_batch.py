"""SQS batches handled message by message (``superoffice_app.sqs_batch``): a message whose
handler raises is named in the answer, the others succeed, a failure is logged without
the body, and an event that is not an SQS batch is refused whole before any record runs.
"""

from __future__ import annotations

from typing import Any

import pytest

from superoffice_app.sqs_batch import BadSqsEvent, SqsRecord, process_partial_response
from tests.fresh_imports import loaded_after

SECRET_BODY = '{"ctx": "Cust12345", "token": "tenant-data-never-logged"}'


class RecordingLogger:
    """Records the warnings, as a Powertools ``Logger`` would write them."""

    def __init__(self) -> None:
        self.warnings: list[tuple[object, dict[str, Any]]] = []

    def warning(self, msg: object, *args: object, **kwargs: Any) -> None:
        self.warnings.append((msg, kwargs))


class Handler:
    """A record handler that fails the bodies it is told to, with the body in the error."""

    def __init__(self, failing: tuple[str, ...] = ()) -> None:
        self.failing = failing
        self.seen: list[SqsRecord] = []

    def __call__(self, record: SqsRecord) -> None:
        self.seen.append(record)
        if record.body in self.failing:
            raise ValueError(f"cannot read {record.body}")


def sqs_event(*records: tuple[object, object]) -> dict[str, Any]:
    """An SQS event source's event: (messageId, body) per record, as Lambda sends them."""
    return {
        "Records": [
            {
                "messageId": message_id,
                "receiptHandle": "handle",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:queue",
                "awsRegion": "eu-west-1",
            }
            for message_id, body in records
        ]
    }


def test_every_record_is_handled_in_order_and_none_failed() -> None:
    handler = Handler()
    answer = process_partial_response(
        sqs_event(("m1", "one"), ("m2", "two")), handler, RecordingLogger()
    )
    assert answer == {"batchItemFailures": []}
    assert handler.seen == [SqsRecord("m1", "one"), SqsRecord("m2", "two")]


def test_a_failing_record_is_reported_and_the_others_still_run() -> None:
    handler = Handler(failing=("two",))
    logger = RecordingLogger()
    event = sqs_event(("m1", "one"), ("m2", "two"), ("m3", "three"))
    answer = process_partial_response(event, handler, logger)
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m2"}]}
    assert [record.message_id for record in handler.seen] == ["m1", "m2", "m3"]
    assert len(logger.warnings) == 1


def test_a_batch_whose_every_record_failed_is_answered_not_raised() -> None:
    handler = Handler(failing=("one", "two"))
    answer = process_partial_response(
        sqs_event(("m1", "one"), ("m2", "two")), handler, RecordingLogger()
    )
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m2"}]}


def test_a_failure_is_logged_by_message_id_and_error_type_never_the_body() -> None:
    logger = RecordingLogger()
    process_partial_response(
        sqs_event(("m1", SECRET_BODY)), Handler(failing=(SECRET_BODY,)), logger
    )
    ((message, kwargs),) = logger.warnings
    assert kwargs == {"extra": {"message_id": "m1", "error_type": "ValueError"}}
    # The error's text quotes the body; neither reaches the log.
    assert "tenant-data-never-logged" not in repr((message, kwargs))


def test_an_empty_batch_has_nothing_to_report() -> None:
    handler = Handler()
    assert process_partial_response({"Records": []}, handler, RecordingLogger()) == {
        "batchItemFailures": []
    }
    assert handler.seen == []


@pytest.mark.parametrize("body", [None, 42, {"ctx": "Cust1"}, b"bytes"], ids=repr)
def test_a_record_without_a_text_body_fails_alone(body: object) -> None:
    handler = Handler()
    logger = RecordingLogger()
    answer = process_partial_response(sqs_event(("m1", body), ("m2", "two")), handler, logger)
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    assert handler.seen == [SqsRecord("m2", "two")]
    ((_, kwargs),) = logger.warnings
    assert kwargs["extra"] == {"message_id": "m1", "error_type": "BadSqsEvent"}


@pytest.mark.parametrize(
    "event",
    [None, "Records", [], {}, {"Records": None}, {"Records": "nope"}, {"Records": {"a": 1}}],
    ids=repr,
)
def test_an_event_without_a_records_list_is_refused_by_name(event: object) -> None:
    handler = Handler()
    with pytest.raises(BadSqsEvent, match="expected an SQS event: an object with a Records list"):
        process_partial_response(event, handler, RecordingLogger())
    assert handler.seen == []


@pytest.mark.parametrize(
    "bad_record",
    [
        {"body": "no id"},
        {"messageId": None, "body": "x"},
        {"messageId": 7, "body": "x"},
        {"messageId": "", "body": "x"},
        "not a record",
        None,
    ],
    ids=repr,
)
def test_a_record_that_cannot_be_named_refuses_the_batch_before_any_record_runs(
    bad_record: object,
) -> None:
    # The good record comes first: nothing of the batch is handled, so nothing is half-done.
    event = sqs_event(("m1", "one"))
    event["Records"].append(bad_record)
    handler = Handler()
    with pytest.raises(BadSqsEvent, match="every record has a messageId"):
        process_partial_response(event, handler, RecordingLogger())
    assert handler.seen == []


def test_what_is_not_an_exception_ends_the_invocation() -> None:
    def interrupted(record: SqsRecord) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        process_partial_response(sqs_event(("m1", "one")), interrupted, RecordingLogger())


def test_the_module_loads_neither_powertools_nor_asyncio() -> None:
    # What it replaces cost a fifth of a cold start: Powertools' batch package and asyncio.
    watched = ("aws_lambda_powertools", "asyncio", "ssl", "socket", "dataclasses")
    assert loaded_after("import superoffice_app.sqs_batch", watched) == []
