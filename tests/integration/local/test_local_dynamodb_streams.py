"""RecordsTable's stream on DynamoDB Local: TableStreamReader, and StreamPoller with a fake
function (partial failures, retries given up into the OnFailure queue on moto's SQS,
records too old, checkpoints that survive a restart); existing tables gain the stream."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import boto3
import pytest

from local.runner.dynamodb_stream_source import (
    StreamMapping,
    StreamPoller,
    TableStreamReader,
    load_checkpoints,
)
from local.tables import create_tables, table_specs
from local.template import Template
from tests.integration.conftest import AwsServices, drain_queue, unique_table_name, wait_for

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def streams_client(aws_services: AwsServices) -> Any:
    return boto3.client("dynamodbstreams", endpoint_url=aws_services.dynamodb.endpoint)


@pytest.fixture(scope="module")
def sqs_client(aws_services: AwsServices) -> Any:
    return boto3.client("sqs", endpoint_url=aws_services.moto.endpoint)


def put(dynamodb: Any, table: str, key: int, **fields: str) -> None:
    item = {"PK": {"S": "Cust1#contact"}, "SK": {"N": str(key)}}
    item.update({name: {"S": value} for name, value in fields.items()})
    dynamodb.put_item(TableName=table, Item=item)


def keys(records: list[dict[str, Any]]) -> list[int]:
    return [int(record["dynamodb"]["Keys"]["SK"]["N"]) for record in records]


# -- TableStreamReader ----------------------------------------------------------------------


def test_writes_arrive_in_order_with_old_and_new_images(
    dynamodb_client: Any, streams_client: Any, records_table: str
) -> None:
    stream = TableStreamReader(dynamodb_client, streams_client, records_table)
    put(dynamodb_client, records_table, 1, name="Ada")
    put(dynamodb_client, records_table, 1, name="Ada L")
    dynamodb_client.delete_item(
        TableName=records_table, Key={"PK": {"S": "Cust1#contact"}, "SK": {"N": "1"}}
    )
    records = stream.drain()
    assert [record["eventName"] for record in records] == ["INSERT", "MODIFY", "REMOVE"]
    insert, modify, remove = (record["dynamodb"] for record in records)
    assert insert["NewImage"]["name"] == {"S": "Ada"}
    assert "OldImage" not in insert
    assert (modify["OldImage"]["name"], modify["NewImage"]["name"]) == (
        {"S": "Ada"},
        {"S": "Ada L"},
    )
    assert remove["OldImage"]["name"] == {"S": "Ada L"}
    assert "NewImage" not in remove
    assert insert["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert isinstance(insert["ApproximateCreationDateTime"], float)
    assert records[0]["eventSourceARN"] == stream.stream_arn
    assert f"table/{records_table}/stream/" in stream.stream_arn
    sequence = [int(record["dynamodb"]["SequenceNumber"]) for record in records]
    assert sequence == sorted(sequence)
    assert stream.drain() == []  # nothing new
    json.dumps(records)


def test_checkpoints_resume_and_latest_skips_the_past(
    dynamodb_client: Any, streams_client: Any, records_table: str
) -> None:
    first = TableStreamReader(dynamodb_client, streams_client, records_table)
    for key in (1, 2, 3):
        put(dynamodb_client, records_table, key)
    assert keys(first.drain()) == [1, 2, 3]
    latest = TableStreamReader(dynamodb_client, streams_client, records_table, start="LATEST")
    put(dynamodb_client, records_table, 4)
    resumed = TableStreamReader(
        dynamodb_client,
        streams_client,
        records_table,
        start="TRIM_HORIZON",
        checkpoints=first.checkpoints,
    )
    assert keys(resumed.drain()) == [4]
    assert keys(latest.drain()) == [4]
    assert keys(TableStreamReader(dynamodb_client, streams_client, records_table).drain()) == [
        1,
        2,
        3,
        4,
    ]


# -- StreamPoller with a fake function -------------------------------------------------------


@dataclass
class FakeFunction:
    """Records every batch; `answer(records, call)` says (ok, payload)."""

    answer: Callable[[list[dict[str, Any]], int], tuple[bool, Any]]
    batches: list[list[int]]

    def __call__(self, function_id: str, event: Any) -> tuple[bool, Any]:
        records = event["Records"]
        self.batches.append(keys(records))
        return self.answer(records, len(self.batches))


def mapping(table: str, **changes: Any) -> StreamMapping:
    base = StreamMapping(
        function_id="RecordEventsFunction",
        event_name="Stream",
        function_arn="arn:aws:lambda:eu-west-1:123456789012:function:record-events",
        stream_arn=f"arn:aws:dynamodb:eu-west-1:123456789012:table/{table}/stream/x",
        table_name=table,
        batch_size=100,
        batching_window_seconds=0.3,
        report_batch_item_failures=True,
        starting_position="TRIM_HORIZON",
        maximum_retry_attempts=-1,
        maximum_record_age_seconds=-1,
        bisect_batch_on_function_error=False,
    )
    return replace(base, **changes)


@pytest.fixture
def start_poller(
    dynamodb_client: Any, streams_client: Any, sqs_client: Any
) -> Iterator[Callable[..., StreamPoller]]:
    started: list[StreamPoller] = []

    def start(spec: StreamMapping, function: FakeFunction, **options: Any) -> StreamPoller:
        poller = StreamPoller(
            spec,
            dynamodb=dynamodb_client,
            streams=streams_client,
            sqs=sqs_client,
            region="eu-west-1",
            invoke=function,
            log=lambda _line: None,
            poll_interval=0.05,
            retry_delay_seconds=0.01,
            max_retry_delay_seconds=0.05,
            **options,
        )
        started.append(poller.start())
        return poller

    yield start
    for poller in started:
        poller.stop()


def test_a_partial_failure_delivers_again_from_the_failed_record(
    dynamodb_client: Any, records_table: str, start_poller: Any, tmp_path: Path
) -> None:
    for key in range(1, 6):
        put(dynamodb_client, records_table, key)

    def fail_3_once(records: list[dict[str, Any]], call: int) -> tuple[bool, Any]:
        if call > 1:
            return True, {"batchItemFailures": []}
        third = records[2]["dynamodb"]["SequenceNumber"]
        fourth = records[3]["dynamodb"]["SequenceNumber"]
        return True, {"batchItemFailures": [{"itemIdentifier": fourth}, {"itemIdentifier": third}]}

    function = FakeFunction(fail_3_once, [])
    checkpoint = tmp_path / "streams" / "RecordEventsFunction-Stream.json"
    start_poller(mapping(records_table), function, checkpoint_file=checkpoint)
    wait_for(lambda: len(function.batches) >= 2)
    assert function.batches[:2] == [[1, 2, 3, 4, 5], [3, 4, 5]]
    saved = wait_for(lambda: load_checkpoints(checkpoint))
    (position,) = saved.values()
    assert int(position) > 0
    time.sleep(0.3)
    assert len(function.batches) == 2  # done: nothing comes again


def test_exhausted_retries_go_to_the_on_failure_queue(
    dynamodb_client: Any, sqs_client: Any, records_table: str, start_poller: Any
) -> None:
    queue_url = sqs_client.create_queue(QueueName=unique_table_name("failures"))["QueueUrl"]
    for key in range(1, 5):
        put(dynamodb_client, records_table, key)

    def poison_2(records: list[dict[str, Any]], call: int) -> tuple[bool, Any]:
        if 2 in keys(records):
            return False, {"errorType": "RuntimeError", "errorMessage": "poison"}
        return True, None

    function = FakeFunction(poison_2, [])
    spec = mapping(
        records_table,
        maximum_retry_attempts=1,
        bisect_batch_on_function_error=True,
        on_failure_queue_url=queue_url,
    )
    start_poller(spec, function)
    (message,) = wait_for(lambda: drain_queue(sqs_client, queue_url))
    # Bisected down to the poison record, which was tried, retried once, then given up.
    assert function.batches[:5] == [[1, 2, 3, 4], [1, 2], [1], [2], [2]]
    wait_for(lambda: [3, 4] in function.batches)
    assert message["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert message["requestContext"]["approximateInvokeCount"] == 2
    assert message["responseContext"]["functionError"] == "Unhandled"
    info = message["DDBStreamBatchInfo"]
    assert info["batchSize"] == 1
    assert info["startSequenceNumber"] == info["endSequenceNumber"]
    assert f"table/{records_table}/stream/" in info["streamArn"]
    assert info["shardId"].startswith("shardId-")


def test_records_older_than_the_maximum_age_are_not_delivered(
    dynamodb_client: Any, sqs_client: Any, records_table: str, start_poller: Any
) -> None:
    queue_url = sqs_client.create_queue(QueueName=unique_table_name("old"))["QueueUrl"]
    put(dynamodb_client, records_table, 1)
    function = FakeFunction(lambda records, call: (True, None), [])
    spec = mapping(records_table, maximum_record_age_seconds=60, on_failure_queue_url=queue_url)
    start_poller(spec, function, clock=lambda: time.time() + 3600)  # an hour later
    (message,) = wait_for(lambda: drain_queue(sqs_client, queue_url))
    assert message["requestContext"]["condition"] == "RecordAgeExceeded"
    assert message["requestContext"]["approximateInvokeCount"] == 0
    assert "responseContext" not in message
    assert function.batches == []


def test_a_restarted_poller_resumes_at_its_checkpoint(
    dynamodb_client: Any, records_table: str, start_poller: Any, tmp_path: Path
) -> None:
    checkpoint = tmp_path / "streams" / "RecordEventsFunction-Stream.json"
    put(dynamodb_client, records_table, 1)
    first = FakeFunction(lambda records, call: (True, None), [])
    poller = start_poller(mapping(records_table), first, checkpoint_file=checkpoint)
    wait_for(lambda: first.batches == [[1]] and load_checkpoints(checkpoint))
    poller.stop()
    put(dynamodb_client, records_table, 2)
    again = FakeFunction(lambda records, call: (True, None), [])
    start_poller(mapping(records_table), again, checkpoint_file=checkpoint)
    wait_for(lambda: again.batches)
    time.sleep(0.2)
    assert again.batches == [[2]]  # not 1 again: TRIM_HORIZON only without a checkpoint


def test_polling_goes_on_when_the_table_is_not_there_yet(dynamodb_client: Any) -> None:
    name = unique_table_name("RecordsTable")
    function = FakeFunction(lambda records, call: (True, None), [])
    lines: list[str] = []
    poller = StreamPoller(
        mapping(name),
        dynamodb=dynamodb_client,
        streams=None,
        sqs=None,
        region="eu-west-1",
        invoke=function,
        log=lines.append,
    ).start()
    try:
        wait_for(lambda: lines)
        assert f"table {name} does not exist (yet)" in lines[0]
    finally:
        poller.stop()


# -- tables from before the stream -----------------------------------------------------------


def test_an_existing_table_without_the_stream_gets_it_in_place(
    dynamodb_client: Any, streams_client: Any, local_template: Template
) -> None:
    spec = table_specs(local_template)["RecordsTable"]
    name = unique_table_name("RecordsTable")
    arguments = {k: v for k, v in spec.create_arguments.items() if k != "StreamSpecification"}
    dynamodb_client.create_table(TableName=name, **arguments)  # as an older template made it
    put(dynamodb_client, name, 1)
    lines: list[str] = []

    def provision() -> None:
        create_tables(
            dynamodb_client,
            local_template,
            only=["RecordsTable"],
            physical_name=lambda _logical_id: name,
            log=lines.append,
        )

    try:
        provision()
        table = dynamodb_client.describe_table(TableName=name)["Table"]
        assert table["StreamSpecification"] == {
            "StreamEnabled": True,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        }
        assert any("stream off -> NEW_AND_OLD_IMAGES" in line for line in lines)
        assert dynamodb_client.get_item(
            TableName=name, Key={"PK": {"S": "Cust1#contact"}, "SK": {"N": "1"}}
        ).get("Item")  # kept
        stream = TableStreamReader(dynamodb_client, streams_client, name)
        put(dynamodb_client, name, 2)
        assert keys(stream.drain()) == [2]
        lines.clear()
        provision()
        assert not any("stream" in line for line in lines)  # as wanted: left alone
    finally:
        dynamodb_client.delete_table(TableName=name)
