"""DynamoDB stream event sources: mappings from the template, Lambda's record shape, and
the rules after an invocation (commit, retry, bisect, give up), without threads."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest

from local import defaults
from local.naming import LocalNames
from local.runner.dynamodb_stream_source import (
    BatchResult,
    NextStep,
    batch_result,
    consume_plan,
    expired_count,
    lambda_record,
    load_checkpoints,
    next_step,
    on_failure_message,
    retry_delay,
    save_checkpoints,
    stream_mappings,
)
from local.runner.stack import resolved_functions
from local.template import TemplateError, load_template

NAMES = LocalNames(sqs_endpoint="http://127.0.0.1:5000")
TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Globals:
  Function: {{Runtime: python3.13, Handler: app.handler, CodeUri: code/}}
Resources:
  Items:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions: [{{AttributeName: pk, AttributeType: S}}]
      KeySchema: [{{AttributeName: pk, KeyType: HASH}}]
      StreamSpecification: {{StreamViewType: NEW_AND_OLD_IMAGES}}
  Failed:
    Type: AWS::SQS::Queue
  Reader:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Stream:
          Type: DynamoDB
          Properties:
{properties}
"""


def mappings_of(tmp_path: Path, properties: str) -> Any:
    indented = "\n".join(" " * 12 + line for line in properties.strip().splitlines())
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE.format(properties=indented))
    return stream_mappings(resolved_functions(load_template(path, names=NAMES)), NAMES)


def test_a_mapping_as_the_template_says(tmp_path: Path) -> None:
    (mapping,) = mappings_of(
        tmp_path,
        """
Stream: !GetAtt Items.StreamArn
StartingPosition: LATEST
BatchSize: 7
MaximumBatchingWindowInSeconds: 2
FunctionResponseTypes: [ReportBatchItemFailures]
BisectBatchOnFunctionError: true
MaximumRecordAgeInSeconds: 600
MaximumRetryAttempts: 3
DestinationConfig: {OnFailure: {Type: SQS, Destination: !GetAtt Failed.Arn}}
""",
    )
    assert mapping.function_id == "Reader"
    assert mapping.event_name == "Stream"
    assert mapping.table_name == "superoffice-app-local-Items"
    assert mapping.function_arn.endswith(":function:superoffice-app-local-Reader")
    assert (mapping.batch_size, mapping.batching_window_seconds) == (7, 2.0)
    assert mapping.report_batch_item_failures is True
    assert mapping.starting_position == "LATEST"
    assert (mapping.maximum_retry_attempts, mapping.maximum_record_age_seconds) == (3, 600)
    assert mapping.bisect_batch_on_function_error is True
    assert mapping.on_failure_queue_url == (
        "http://127.0.0.1:5000/123456789012/superoffice-app-local-Failed"
    )
    assert mapping.checkpoint_name == "Reader-Stream.json"


def test_lambdas_defaults(tmp_path: Path) -> None:
    (mapping,) = mappings_of(
        tmp_path, "Stream: !GetAtt Items.StreamArn\nStartingPosition: TRIM_HORIZON"
    )
    assert mapping.batch_size == 100
    assert mapping.batching_window_seconds == 0
    assert mapping.report_batch_item_failures is False
    assert mapping.bisect_batch_on_function_error is False
    assert (mapping.maximum_retry_attempts, mapping.maximum_record_age_seconds) == (-1, -1)
    assert mapping.on_failure_queue_url is None


def test_a_disabled_mapping_is_left_out(tmp_path: Path) -> None:
    properties = "Stream: !GetAtt Items.StreamArn\nStartingPosition: LATEST\nEnabled: false"
    assert mappings_of(tmp_path, properties) == []


@pytest.mark.parametrize(
    ("properties", "message"),
    [
        ("Stream: !GetAtt Items.Arn\nStartingPosition: LATEST", "Reader event Stream: Stream"),
        ("Stream: not-an-arn\nStartingPosition: LATEST", "table's stream ARN"),
        (
            "Stream: !GetAtt Items.StreamArn\nStartingPosition: AT_TIMESTAMP",
            "AT_TIMESTAMP is not supported locally",
        ),
        ("Stream: !GetAtt Items.StreamArn", "StartingPosition must be"),
        (
            "Stream: !GetAtt Items.StreamArn\nStartingPosition: LATEST\n"
            "FilterCriteria: {Filters: [{Pattern: '{}'}]}",
            "FilterCriteria not supported by the local runner",
        ),
        (
            "Stream: !GetAtt Items.StreamArn\nStartingPosition: LATEST\n"
            "DestinationConfig: {OnFailure: {Type: SNS, Destination: arn:aws:sns:r:1:t}}",
            "only an SQS queue",
        ),
    ],
)
def test_what_cannot_run_locally_is_a_template_error(
    tmp_path: Path, properties: str, message: str
) -> None:
    with pytest.raises(TemplateError, match=message):
        mappings_of(tmp_path, properties)


def test_the_real_templates_record_events_mapping() -> None:
    template = load_template(
        defaults.TEMPLATE_PATH,
        parameters=defaults.template_parameters(signing_certificate=""),
        names=NAMES,
    )
    mappings = stream_mappings(resolved_functions(template), NAMES)
    (mapping,) = [m for m in mappings if m.function_id == "RecordEventsFunction"]
    assert mapping.table_name == "superoffice-app-local-RecordsTable"
    assert mapping.starting_position == "TRIM_HORIZON"
    assert mapping.report_batch_item_failures is True
    assert mapping.on_failure_queue_url is not None
    assert mapping.on_failure_queue_url.endswith(
        "/superoffice-app-local-RecordEventsDeadLetterQueue"
    )


# -- Lambda's record shape ------------------------------------------------------------------

CREATED = datetime.datetime(2025, 3, 1, 12, 30, tzinfo=datetime.UTC)


def raw_record(sequence: str, **images: Any) -> dict[str, Any]:
    """A GetRecords record as boto3 parses it (datetime, bytes)."""
    return {
        "eventID": f"e{sequence}",
        "eventName": "MODIFY",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "ddblocal",
        "dynamodb": {
            "ApproximateCreationDateTime": CREATED,
            "Keys": {"pk": {"S": "a"}},
            **images,
            "SequenceNumber": sequence,
            "SizeBytes": 20,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    }


def test_record_shape_is_lambdas_json() -> None:
    raw = raw_record(
        "000000000000000000007",
        NewImage={
            "pk": {"S": "a"},
            "blob": {"B": b"\x00\x01"},
            "blobs": {"BS": [b"x", b"y"]},
            "nested": {"M": {"inner": {"L": [{"B": b"z"}, {"N": "1"}]}}},
        },
        OldImage={"pk": {"S": "a"}, "flag": {"BOOL": True}, "gone": {"NULL": True}},
    )
    record = lambda_record(raw, stream_arn="arn:stream", region="eu-west-1")
    assert list(record) == [
        "eventID",
        "eventName",
        "eventVersion",
        "eventSource",
        "awsRegion",
        "dynamodb",
        "eventSourceARN",
    ]
    assert record["awsRegion"] == "eu-west-1"  # the stack's region, not DynamoDB Local's
    assert record["eventSourceARN"] == "arn:stream"
    data = record["dynamodb"]
    assert data["ApproximateCreationDateTime"] == CREATED.timestamp()
    assert data["NewImage"]["blob"] == {"B": "AAE="}
    assert data["NewImage"]["blobs"] == {"BS": ["eA==", "eQ=="]}
    assert data["NewImage"]["nested"] == {"M": {"inner": {"L": [{"B": "eg=="}, {"N": "1"}]}}}
    assert data["OldImage"] == {"pk": {"S": "a"}, "flag": {"BOOL": True}, "gone": {"NULL": True}}
    assert data["SequenceNumber"] == "000000000000000000007"
    json.dumps(record)  # nothing but JSON


# -- after an invocation ----------------------------------------------------------------------


def records(*sequences: int) -> list[dict[str, Any]]:
    return [
        lambda_record(raw_record(str(sequence)), stream_arn="arn:s", region="eu-west-1")
        for sequence in sequences
    ]


BATCH = records(8, 9, 10, 11)  # 10 > 9: sequence numbers compare as numbers


def failures(*identifiers: Any) -> dict[str, Any]:
    return {"batchItemFailures": [{"itemIdentifier": identifier} for identifier in identifiers]}


@pytest.mark.parametrize(
    ("ok", "payload", "report", "expected"),
    [
        (True, "anything", False, BatchResult(None)),
        (True, None, True, BatchResult(None)),
        (True, {}, True, BatchResult(None)),
        (True, {"batchItemFailures": []}, True, BatchResult(None)),
        (True, {"batchItemFailures": None}, True, BatchResult(None)),
        (True, failures("10"), True, BatchResult(2)),
        (True, failures("11", "9", "10"), True, BatchResult(1)),  # the lowest is the checkpoint
        (True, failures("8"), True, BatchResult(0)),  # a partial failure at the first record
        (True, failures("99"), True, BatchResult(0, whole_batch=True)),  # not in the batch
        (True, failures(""), True, BatchResult(0, whole_batch=True)),
        (True, failures(None), True, BatchResult(0, whole_batch=True)),
        (True, {"batchItemFailures": [{"id": "9"}]}, True, BatchResult(0, whole_batch=True)),
        (True, "not an object", True, BatchResult(0, whole_batch=True)),
        (False, {"errorType": "ValueError"}, True, BatchResult(0, whole_batch=True)),
        (False, {"errorType": "Sandbox.Timedout"}, False, BatchResult(0, whole_batch=True)),
    ],
)
def test_batch_result(ok: bool, payload: Any, report: bool, expected: BatchResult) -> None:
    assert batch_result(BATCH, ok=ok, payload=payload, report_failures=report) == expected


def step(
    result: BatchResult,
    size: int = 4,
    attempts: int = 0,
    plan: tuple[int, ...] = (),
    bisect: bool = False,
    max_retries: int = -1,
) -> NextStep:
    return next_step(
        size, result, attempts=attempts, plan=plan, bisect=bisect, max_retries=max_retries
    )


def test_success_commits_and_leaves_the_plan() -> None:
    assert step(BatchResult(None)) == NextStep(done=4, discarded=0, attempts=0)
    assert step(BatchResult(None), size=2, attempts=3, plan=(2, 2)) == NextStep(4 - 2, 0, 0, (2,))
    assert NextStep(4, 0, 0).retry_from(4) is None


def test_a_partial_failure_commits_before_it_and_retries_the_rest() -> None:
    after = step(BatchResult(2), attempts=5)
    assert after == NextStep(done=2, discarded=0, attempts=1, plan=(2,))  # count starts anew
    assert after.retry_from(4) == 2
    # No progress: the first record failed again, the count goes on.
    assert step(BatchResult(0), attempts=1) == NextStep(0, 0, 2, (4,))


def test_a_function_error_retries_the_same_batch_or_bisects_it() -> None:
    error = BatchResult(0, whole_batch=True)
    assert step(error) == NextStep(0, 0, 1, (4,))
    # Bisecting is not a retry: each half starts with a count of 0.
    assert step(error, attempts=3, bisect=True) == NextStep(0, 0, 0, (2, 2))
    assert step(error, size=5, bisect=True) == NextStep(0, 0, 0, (3, 2))
    assert step(error, size=1, bisect=True) == NextStep(0, 0, 1, (1,))  # alone: retried
    # A planned half failing is split again; what was planned after it stays.
    assert step(error, size=2, plan=(2, 2), bisect=True) == NextStep(0, 0, 0, (1, 1, 2))
    # Reported failures are not bisected: the shard restarts at the failed record.
    assert step(BatchResult(0), bisect=True) == NextStep(0, 0, 1, (4,))


def test_retries_are_limited_by_maximum_retry_attempts() -> None:
    error = BatchResult(0, whole_batch=True)
    assert step(error, attempts=2, max_retries=2) == NextStep(0, 4, 0, ())  # 3rd failure
    assert step(error, attempts=1, max_retries=2).discarded == 0
    assert step(error, max_retries=0) == NextStep(0, 4, 0, ())  # no retry at all
    assert step(error, max_retries=0, bisect=True).plan == (2, 2)  # but bisected
    assert step(error, attempts=10_000, max_retries=-1).discarded == 0  # until it expires
    assert step(BatchResult(3), attempts=9, max_retries=0) == NextStep(3, 1, 0, ())


def simulate(
    size: int, poison: set[int], *, bisect: bool, max_retries: int
) -> tuple[list[list[int]], list[int], list[int]]:
    """Run the rules over `size` records as the poller does; return the batches invoked,
    the records committed as done and those given up on."""
    position, attempts, plan = 0, 0, ()
    invoked: list[list[int]] = []
    done: list[int] = []
    given_up: list[int] = []
    while position < size and len(invoked) < 100:
        count = plan[0] if plan else size - position
        batch = list(range(position, position + count))
        invoked.append(batch)
        ok = not poison & set(batch)
        after = step(
            batch_result(records(*batch), ok=ok, payload=None, report_failures=False),
            size=count,
            attempts=attempts,
            plan=plan,
            bisect=bisect,
            max_retries=max_retries,
        )
        done += batch[: after.done]
        given_up += batch[after.done : after.done + after.discarded]
        position += after.done + after.discarded
        attempts, plan = after.attempts, after.plan
    return invoked, done, given_up


def test_bisecting_isolates_the_failing_record() -> None:
    invoked, done, given_up = simulate(8, {5}, bisect=True, max_retries=3)
    assert given_up == [5]
    assert done == [0, 1, 2, 3, 4, 6, 7]
    assert invoked[:4] == [[0, 1, 2, 3, 4, 5, 6, 7], [0, 1, 2, 3], [4, 5, 6, 7], [4, 5]]
    # Alone, 5 is tried once and retried 3 times (MaximumRetryAttempts), then given up.
    assert invoked[4:] == [[4], [5], [5], [5], [5], [6, 7]]


def test_without_bisecting_the_whole_batch_is_given_up() -> None:
    invoked, done, given_up = simulate(4, {2}, bisect=False, max_retries=2)
    assert invoked == [[0, 1, 2, 3]] * 3
    assert (done, given_up) == ([], [0, 1, 2, 3])


def test_expired_records_and_plans() -> None:
    batch = [{"dynamodb": {"ApproximateCreationDateTime": created}} for created in (0, 10, 50)]
    assert expired_count(batch, now=70, max_age=30) == 2
    assert expired_count(batch, now=70, max_age=100) == 0
    assert expired_count(batch, now=24 * 3600 + 5, max_age=-1) == 1  # the stream's 24 hours
    assert consume_plan((3, 2, 4), 4) == (1, 4)
    assert consume_plan((3, 2), 5) == ()
    assert consume_plan((), 3) == ()


def test_retry_delay_doubles_up_to_a_limit() -> None:
    delays = [retry_delay(attempts, first=0.5, longest=3) for attempts in range(1, 6)]
    assert delays == [0.5, 1.0, 2.0, 3, 3]


def test_on_failure_message_has_lambdas_shape() -> None:
    now = datetime.datetime(2025, 3, 1, 13, 0, 0, 123000, tzinfo=datetime.UTC)

    def message(batch: list[dict[str, Any]], **context: Any) -> dict[str, Any]:
        return on_failure_message(
            batch,
            function_arn="arn:aws:lambda:eu-west-1:1:function:f",
            stream_arn="arn:stream",
            shard_id="shardId-1",
            now=now,
            **context,
        )

    exhausted = message(
        records(8, 9, 10), condition="RetryAttemptsExhausted", invocations=3, function_error=True
    )
    assert exhausted["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert exhausted["requestContext"]["approximateInvokeCount"] == 3
    assert exhausted["requestContext"]["functionArn"] == "arn:aws:lambda:eu-west-1:1:function:f"
    assert exhausted["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    assert exhausted["version"] == "1.0"
    assert exhausted["timestamp"] == "2025-03-01T13:00:00.123Z"
    assert exhausted["DDBStreamBatchInfo"] == {
        "shardId": "shardId-1",
        "startSequenceNumber": "8",
        "endSequenceNumber": "10",
        "approximateArrivalOfFirstRecord": "2025-03-01T12:30:00Z",
        "approximateArrivalOfLastRecord": "2025-03-01T12:30:00Z",
        "batchSize": 3,
        "streamArn": "arn:stream",
    }
    expired = message(
        records(8), condition="RecordAgeExceeded", invocations=0, function_error=False
    )
    assert "responseContext" not in expired  # never invoked


def test_checkpoints_survive_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "streams" / "F-Stream.json"
    assert load_checkpoints(path) == {}
    save_checkpoints(path, stream_arn="arn:s", checkpoints={"shard-b": "12", "shard-a": "3"})
    save_checkpoints(path, stream_arn="arn:s", checkpoints={"shard-a": "4"})
    assert load_checkpoints(path) == {"shard-a": "4"}
    assert json.loads(path.read_text())["streamArn"] == "arn:s"
    assert [p.name for p in path.parent.iterdir()] == ["F-Stream.json"]  # no temporary left
    path.write_text("{not json")
    assert load_checkpoints(path) == {}
