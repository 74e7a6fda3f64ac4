"""The runner on a temporary template: timeouts, request events, schedules, SQS, DynamoDB
streams, ports.

The template's handlers write what they receive to files, so the tests see exactly what
the runner delivered.
"""

from __future__ import annotations

import datetime
import json
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from local import defaults
from local.runner import RunningStack, StackPorts, start_local_stack
from local.runner.dynamodb_stream_source import TableStreamReader
from tests.integration.conftest import wait_for as wait_until

pytestmark = pytest.mark.integration

TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.13
    Handler: app.lambda_handler
    Timeout: 5
    Environment:
      Variables:
        OUT_DIR: "{out}"
        JOBS_QUEUE: !Ref JobsQueue
Resources:
  HttpApi:
    Type: AWS::Serverless::HttpApi
  JobsDeadLetters:
    Type: AWS::SQS::Queue
  JobsQueue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 2
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt JobsDeadLetters.Arn
        maxReceiveCount: 2
  EchoFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: echo/
      Events:
        Echo:
          Type: HttpApi
          Properties: {{Method: POST, Path: "/echo/{{name}}"}}
  SleepyFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: sleepy/
      Timeout: 1
      Events:
        Sleepy:
          Type: HttpApi
          Properties: {{Method: GET, Path: /sleepy}}
        Slow:
          Type: HttpApi
          Properties: {{Method: GET, Path: /slow, TimeoutInMillis: 500}}
  TickFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: tick/
      Events:
        EveryMinute:
          Type: Schedule
          Properties:
            Schedule: rate(1 minute)
  WorkerFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: worker/
      Events:
        Jobs:
          Type: SQS
          Properties:
            Queue: !GetAtt JobsQueue.Arn
            BatchSize: 5
            MaximumBatchingWindowInSeconds: 1
            FunctionResponseTypes: [ReportBatchItemFailures]
  ItemsTable:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{{AttributeName: pk, AttributeType: S}}]
      KeySchema: [{{AttributeName: pk, KeyType: HASH}}]
      StreamSpecification: {{StreamViewType: NEW_AND_OLD_IMAGES}}
  ChangesFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: changes/
      Events:
        Stream:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt ItemsTable.StreamArn
            StartingPosition: TRIM_HORIZON
            BatchSize: 10
            MaximumBatchingWindowInSeconds: 1
"""

ECHO = """
def lambda_handler(event, context):
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "cookies": ["seen=1; Path=/"], "body": __import__("json").dumps(event)}
"""
SLEEPY = """
import time

def lambda_handler(event, context):
    time.sleep(0.8 if event["rawPath"] == "/slow" else 3)
    return {"statusCode": 200, "body": "awake"}
"""
TICK = """
import json, os, uuid

def lambda_handler(event, context):
    path = os.path.join(os.environ["OUT_DIR"], f"tick-{uuid.uuid4().hex}.json")
    with open(path, "w") as file:
        json.dump(event, file)
"""
WORKER = """
import json, os

def lambda_handler(event, context):
    failures = []
    for record in event["Records"]:
        with open(os.path.join(os.environ["OUT_DIR"], "worker.log"), "a") as log:
            log.write(json.dumps({"body": record["body"], "size": len(event["Records"])}) + "\\n")
        if record["body"].startswith("bad"):
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
"""

CHANGES = """
import json, os, uuid

def lambda_handler(event, context):
    path = os.path.join(os.environ["OUT_DIR"], f"changes-{uuid.uuid4().hex}.json")
    with open(path, "w") as file:
        streams = os.environ["AWS_ENDPOINT_URL_DYNAMODB_STREAMS"]
        json.dump({"event": event, "streams": streams}, file)
"""


def fast_clock(factor: float) -> Callable[[], datetime.datetime]:
    """A UTC clock running `factor` times faster than real time."""
    started, real = datetime.datetime.now(datetime.UTC), time.monotonic()
    return lambda: started + datetime.timedelta(seconds=(time.monotonic() - real) * factor)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_project(tmp_path_factory.mktemp("runner-project"))


def write_project(root: Path) -> Path:
    """The template and its functions' code under `root`; they write to `root/out`."""
    out = root / "out"
    out.mkdir(parents=True)
    (root / "template.yaml").write_text(TEMPLATE.format(out=out))
    functions = {"echo": ECHO, "sleepy": SLEEPY, "tick": TICK, "worker": WORKER, "changes": CHANGES}
    for folder, code in functions.items():
        (root / folder).mkdir()
        (root / folder / "app.py").write_text(code)
    return root


@pytest.fixture(scope="module")
def stack(project: Path) -> Iterator[RunningStack]:
    with start_local_stack(
        ports=StackPorts.free(),
        state_dir=project / "state",
        template_path=project / "template.yaml",
        persistent=False,
        log=lambda _line: None,
        schedule_clock=fast_clock(120),  # rate(1 minute) every half second
    ) as running:
        yield running


def wait_for(condition: Callable[[], Any], seconds: float = 15) -> Any:
    return wait_until(condition, seconds, interval=0.1)


def test_form_post_event_and_response(stack: RunningStack) -> None:
    response = httpx.post(
        f"{stack.app_url}/echo/ada%20l?x=1&x=2",
        data={"a": "1"},
        headers={"Cookie": "one=1; two=2"},
        timeout=30,
    )
    assert response.status_code == 200
    assert response.headers.get_list("set-cookie") == ["seen=1; Path=/"]
    event = response.json()
    assert event["routeKey"] == "POST /echo/{name}"
    assert event["pathParameters"] == {"name": "ada l"}
    assert event["queryStringParameters"] == {"x": "1,2"}
    assert event["cookies"] == ["one=1", "two=2"]
    assert event["isBase64Encoded"] is True  # form posts arrive base64, as from API Gateway
    assert event["headers"]["content-type"] == "application/x-www-form-urlencoded"
    assert event["requestContext"]["http"]["method"] == "POST"


def test_function_timeout_is_500_and_integration_timeout_503(stack: RunningStack) -> None:
    started = time.monotonic()
    timed_out = httpx.get(f"{stack.app_url}/sleepy", timeout=30)
    assert timed_out.status_code == 500  # Lambda stopped it at its Timeout of 1 s
    assert timed_out.json() == {"message": "Internal Server Error"}
    assert time.monotonic() - started < 2.5
    slow = httpx.get(f"{stack.app_url}/slow", timeout=30)
    assert slow.status_code == 503  # TimeoutInMillis 500 passed first
    assert slow.json() == {"message": "Service Unavailable"}


def test_schedule_fires_with_an_eventbridge_event(stack: RunningStack, project: Path) -> None:
    ticks = wait_for(lambda: sorted((project / "out").glob("tick-*.json")))
    event = json.loads(ticks[0].read_text())
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["version"] == "0"
    assert event["detail"] == {}
    assert event["account"] == "123456789012"
    assert event["resources"] == [
        "arn:aws:events:eu-west-1:123456789012:rule/superoffice-app-local-TickFunction-EveryMinute"
    ]


def test_sqs_batches_partial_failures_and_redrive(stack: RunningStack, project: Path) -> None:
    sqs = boto3.client(
        "sqs",
        endpoint_url=stack.moto_endpoint,
        region_name=defaults.LOCAL_REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    queue_url = sqs.get_queue_url(QueueName="superoffice-app-local-JobsQueue")["QueueUrl"]
    dead_url = sqs.get_queue_url(QueueName="superoffice-app-local-JobsDeadLetters")["QueueUrl"]
    sqs.send_message_batch(
        QueueUrl=queue_url,
        Entries=[
            {"Id": str(i), "MessageBody": body} for i, body in enumerate(["ok1", "bad", "ok2"])
        ],
    )

    def dead_letters() -> list[str]:
        answer = sqs.receive_message(QueueUrl=dead_url, MaxNumberOfMessages=10)
        return [message["Body"] for message in answer.get("Messages", [])]

    assert wait_for(dead_letters, seconds=20) == ["bad"]
    lines = [json.loads(line) for line in (project / "out" / "worker.log").read_text().splitlines()]
    bodies = [line["body"] for line in lines]
    assert bodies.count("ok1") == 1  # succeeded once, deleted
    assert bodies.count("ok2") == 1
    assert bodies.count("bad") == 2  # maxReceiveCount, then the dead-letter queue
    assert lines[0]["size"] == 3  # one batch within the batching window


def changes_seen(out: Path) -> list[dict[str, Any]]:
    """Every event ChangesFunction received, oldest first."""
    files = sorted(out.glob("changes-*.json"), key=lambda path: path.stat().st_mtime_ns)
    return [json.loads(path.read_text()) for path in files]


ITEMS_TABLE = "superoffice-app-local-ItemsTable"


def aws_client(stack: RunningStack, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=stack.dynamodb_endpoint,
        region_name=defaults.LOCAL_REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def put_item(stack: RunningStack, key: str) -> None:
    aws_client(stack, "dynamodb").put_item(TableName=ITEMS_TABLE, Item={"pk": {"S": key}})


def test_table_writes_reach_the_stream_function(stack: RunningStack, project: Path) -> None:
    put_item(stack, "first")
    (seen,) = wait_for(lambda: changes_seen(project / "out"))
    (record,) = seen["event"]["Records"]
    assert record["eventName"] == "INSERT"
    assert record["eventSource"] == "aws:dynamodb"
    assert record["awsRegion"] == defaults.LOCAL_REGION
    assert record["dynamodb"]["NewImage"] == {"pk": {"S": "first"}}
    assert f"table/{ITEMS_TABLE}/stream/" in record["eventSourceARN"]
    assert seen["streams"] == stack.dynamodb_endpoint  # the function's SDK finds streams too
    (listed,) = stack.health()["streams"]
    assert listed["function"] == "ChangesFunction"
    assert listed["table"] == ITEMS_TABLE


def test_a_restarted_stack_resumes_the_stream_where_it_stopped(tmp_path: Path) -> None:
    project = write_project(tmp_path / "project")
    out = project / "out"

    def run(key: str) -> tuple[list[str], list[str]]:
        """Start, write `key`, stop: (keys delivered, keys on the stream)."""
        before = len(changes_seen(out))
        with start_local_stack(
            ports=StackPorts.free(),
            state_dir=tmp_path / "state",
            template_path=project / "template.yaml",
            serve_http=False,
            write_stack_json=False,
            log=lambda _line: None,
        ) as running:
            put_item(running, key)
            wait_for(lambda: len(changes_seen(out)) > before)
            time.sleep(0.5)  # anything delivered twice would come now
            everything = TableStreamReader(
                aws_client(running, "dynamodb"),
                aws_client(running, "dynamodbstreams"),
                ITEMS_TABLE,
            ).drain()
        delivered = [
            record["dynamodb"]["Keys"]["pk"]["S"]
            for seen in changes_seen(out)[before:]
            for record in seen["event"]["Records"]
        ]
        return delivered, [record["dynamodb"]["Keys"]["pk"]["S"] for record in everything]

    assert run("before") == (["before"], ["before"])
    # DynamoDB Local kept the stream on disk: only the checkpoint keeps "before" from
    # being delivered again.
    assert run("after") == (["after"], ["before", "after"])
    saved = (tmp_path / "state" / "streams" / "ChangesFunction-Stream.json").read_text()
    assert len(json.loads(saved)["checkpoints"]) == 1


def test_port_in_use_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "local",
                "up",
                "--port",
                str(port),
                "--state-dir",
                str(tmp_path),
            ],
            cwd=defaults.REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert f"port {port} on 127.0.0.1 is already in use" in lines[0]
