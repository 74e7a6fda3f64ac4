"""idempotency: each delivery handled once, in the item layout Powertools' idempotency wrote.

The DynamoDB client here is a scripted stand-in that records every request: these tests
check what the store asks and how it reads DynamoDB's answers (refusals, outages, odd
items). What DynamoDB's condition does with those requests is checked against DynamoDB
Local in tests/integration/lifecycle/test_lifecycle_idempotency.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer
from botocore.exceptions import ClientError, EndpointConnectionError

from superoffice_app.idempotency import (
    AlreadyInProgress,
    CorruptRecord,
    IdempotencyStore,
    PayloadMismatch,
    record_key,
)
from superoffice_app.outages import DependencyUnavailable, is_outage
from tests.fresh_imports import loaded_after

NOW = 1_700_000_000.25
WEEK = 7 * 24 * 3600
TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
PREFIX = "superoffice-app.tenant-state"


def refusal(item: dict[str, Any] | None) -> ClientError:
    """DynamoDB's answer to a put whose condition failed (ALL_OLD: with the old item)."""
    response: dict[str, Any] = {
        "Error": {"Code": "ConditionalCheckFailedException", "Message": "failed"},
        "ResponseMetadata": {"HTTPStatusCode": 400},
    }
    if item is not None:
        response["Item"] = item
    return ClientError(response, "PutItem")


def throttled() -> ClientError:
    response = {
        "Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"},
        "ResponseMetadata": {"HTTPStatusCode": 400},
    }
    return ClientError(response, "PutItem")


class ScriptedClient:
    """Answers each operation from its script (an exception is raised), records requests."""

    def __init__(self, **script: list[Any]) -> None:
        self.script = script
        self.requests: list[tuple[str, dict[str, Any]]] = []

    def _answer(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        self.requests.append((operation, request))
        answers = self.script.get(operation) or [{}]
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if isinstance(answer, BaseException):
            raise answer
        return dict(answer)

    def operations(self) -> list[str]:
        return [operation for operation, _ in self.requests]

    def get_item(self, **request: Any) -> dict[str, Any]:
        return self._answer("get_item", request)

    def put_item(self, **request: Any) -> dict[str, Any]:
        return self._answer("put_item", request)

    def update_item(self, **request: Any) -> dict[str, Any]:
        return self._answer("update_item", request)

    def delete_item(self, **request: Any) -> dict[str, Any]:
        return self._answer("delete_item", request)


def store(client: ScriptedClient, *, validate: bool = True) -> IdempotencyStore:
    return IdempotencyStore(
        client,
        "idempotency-table",
        key_prefix=PREFIX,
        expires_after_seconds=WEEK,
        validate_payload=validate,
        clock=lambda: NOW,
    )


class Work:
    """A delivery's work: counts its calls, answers or raises as told."""

    def __init__(self, answer: dict[str, Any] | None = None, error: Exception | None = None):
        self.answer = answer if answer is not None else {"accepted": True, "reason": "queued"}
        self.error = error
        self.calls = 0

    def __call__(self) -> dict[str, Any]:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return self.answer


class _PowertoolsHashes(BasePersistenceLayer):
    """Powertools' base layer, for its key and payload hashes only (never stores)."""

    def _get_record(self, idempotency_key: Any) -> Any:
        raise NotImplementedError

    def _put_record(self, data_record: Any) -> None:
        raise NotImplementedError

    def _update_record(self, data_record: Any) -> None:
        raise NotImplementedError

    def _delete_record(self, data_record: Any) -> None:
        raise NotImplementedError


def powertools_hashes(key_path: str, payload_path: str, prefix: str) -> _PowertoolsHashes:
    layer = _PowertoolsHashes()
    config = IdempotencyConfig(
        event_key_jmespath=key_path,
        payload_validation_jmespath=payload_path,
        raise_on_no_idempotency_key=True,
    )
    layer.configure(config, key_prefix=prefix)
    return layer


def stored(status: str, *, validation: str | None = None, **more: dict[str, str]) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": {"S": record_key(PREFIX, TOKEN)},
        "status": {"S": status},
        "expiration": {"N": str(int(NOW) + 60)},
        **more,
    }
    if validation is not None:
        item["validation"] = {"S": validation}
    return item


def validation_of(payload: object) -> str:
    return record_key("", payload)[1:]


@pytest.mark.parametrize(
    ("body", "key", "payload"),
    [
        (
            {"ContextIdentifier": "Cust12345", "ChangeType": 3, "Token": TOKEN},
            TOKEN,
            ["Cust12345", 3],
        ),
        (
            {"ContextIdentifier": "Cust1", "ChangeType": 0, "Token": 'tøken\u2028"\\'},
            'tøken\u2028"\\',
            ["Cust1", 0],
        ),
    ],
)
def test_keys_and_payload_hashes_are_the_ones_powertools_stored(
    body: dict[str, Any], key: str, payload: list[Any]
) -> None:
    """A deploy over live records must find them: same id and validation for a delivery."""
    old = powertools_hashes("Token", "[ContextIdentifier, ChangeType]", PREFIX)
    assert record_key(PREFIX, key) == old._get_hashed_idempotency_key(body)
    assert validation_of(payload) == old._get_hashed_payload(body)


def test_webhook_keys_are_the_ones_powertools_stored() -> None:
    old = powertools_hashes("[ctx, EventId]", "", "superoffice-app.crm-webhook")
    key = {"ctx": "Cust12345", "EventId": "e-1"}
    expected = old._get_hashed_idempotency_key(key)
    assert record_key("superoffice-app.crm-webhook", ["Cust12345", "e-1"]) == expected


def test_a_first_delivery_is_claimed_run_and_its_answer_stored() -> None:
    client = ScriptedClient()
    work = Work()
    answer = store(client).once(TOKEN, work, payload=["Cust12345", 3], remaining_millis=5_000)
    assert answer == work.answer
    assert work.calls == 1
    assert client.operations() == ["put_item", "update_item"]
    (_, put), (_, update) = client.requests
    record_id = record_key(PREFIX, TOKEN)
    assert put["Item"] == {
        "id": {"S": record_id},
        "status": {"S": "INPROGRESS"},
        "expiration": {"N": str(int(NOW) + WEEK)},
        "in_progress_expiration": {"N": str(int(NOW * 1000) + 5_000)},
        "validation": {"S": validation_of(["Cust12345", 3])},
    }
    assert put["ReturnValuesOnConditionCheckFailure"] == "ALL_OLD"
    assert put["ExpressionAttributeValues"][":now"] == {"N": str(int(NOW))}
    assert update["Key"] == {"id": {"S": record_id}}
    values = update["ExpressionAttributeValues"]
    assert values[":status"] == {"S": "COMPLETED"}
    assert values[":data"] == {"S": '{"accepted": true, "reason": "queued"}'}
    assert values[":validation"] == {"S": validation_of(["Cust12345", 3])}


def test_no_request_holds_the_token() -> None:
    client = ScriptedClient()
    store(client).once(TOKEN, Work(), payload=["Cust12345", 3], remaining_millis=5_000)
    assert TOKEN not in json.dumps(client.requests)
    assert TOKEN.split(".")[2] not in json.dumps(client.requests)


def test_without_payload_validation_nothing_is_validated_or_stored_for_it() -> None:
    client = ScriptedClient()
    store(client, validate=False).once(["Cust12345", "e-1"], Work(), remaining_millis=1)
    (_, put), (_, update) = client.requests
    assert "validation" not in put["Item"]
    assert ":validation" not in update["ExpressionAttributeValues"]


def test_a_duplicate_gets_the_stored_answer_and_runs_nothing() -> None:
    validation = validation_of(["Cust12345", 3])
    item = stored("COMPLETED", validation=validation, data={"S": '{"accepted": false, "r": 1}'})
    client = ScriptedClient(put_item=[refusal(item)])
    work = Work()
    answer = store(client).once(TOKEN, work, payload=["Cust12345", 3], remaining_millis=5_000)
    assert answer == {"accepted": False, "r": 1}
    assert work.calls == 0
    assert client.operations() == ["put_item"]


def test_a_delivery_being_handled_is_in_progress() -> None:
    validation = validation_of(["Cust12345", 3])
    claim = {"N": str(int(NOW * 1000) + 3_000)}
    item = stored("INPROGRESS", validation=validation, in_progress_expiration=claim)
    client = ScriptedClient(put_item=[refusal(item)])
    work = Work()
    with pytest.raises(AlreadyInProgress):
        store(client).once(TOKEN, work, payload=["Cust12345", 3], remaining_millis=5_000)
    assert work.calls == 0


@pytest.mark.parametrize("status", ["COMPLETED", "INPROGRESS"])
def test_a_key_reused_with_another_payload_is_a_mismatch(status: str) -> None:
    item = stored(status, validation=validation_of(["Cust12345", 3]), data={"S": "{}"})
    client = ScriptedClient(put_item=[refusal(item)])
    work = Work()
    with pytest.raises(PayloadMismatch):
        store(client).once(TOKEN, work, payload=["Cust12345", 2], remaining_millis=5_000)
    assert work.calls == 0
    assert client.operations() == ["put_item"]


def test_a_failed_delivery_releases_its_claim_and_raises_the_failure() -> None:
    client = ScriptedClient()
    with pytest.raises(LookupError, match="token refused"):
        store(client).once(TOKEN, Work(error=LookupError("token refused")), remaining_millis=9)
    assert client.operations() == ["put_item", "delete_item"]
    assert client.requests[1][1]["Key"] == {"id": {"S": record_key(PREFIX, TOKEN)}}


@pytest.mark.parametrize(
    "failure",
    [EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), throttled()],
    ids=["unreachable", "throttled"],
)
def test_an_outage_of_the_table_goes_up_as_an_outage_and_runs_nothing(
    failure: Exception,
) -> None:
    client = ScriptedClient(put_item=[failure])
    work = Work()
    with pytest.raises(type(failure)) as raised:
        store(client).once(TOKEN, work, payload=["Cust12345", 3], remaining_millis=5_000)
    assert raised.value is failure
    assert is_outage(raised.value)
    assert work.calls == 0


def test_an_outage_while_releasing_a_claim_goes_up_as_an_outage() -> None:
    client = ScriptedClient(delete_item=[EndpointConnectionError(endpoint_url="http://x")])
    with pytest.raises(EndpointConnectionError) as raised:
        store(client).once(TOKEN, Work(error=LookupError("sqs down")), remaining_millis=9)
    assert is_outage(raised.value)
    assert isinstance(raised.value.__context__, LookupError)


def test_an_outage_while_storing_the_answer_goes_up_as_an_outage() -> None:
    client = ScriptedClient(update_item=[throttled()])
    with pytest.raises(ClientError) as raised:
        store(client).once(TOKEN, Work(), payload=["Cust12345", 3], remaining_millis=9)
    assert is_outage(raised.value)


def test_a_refusal_without_the_item_reads_it() -> None:
    validation = validation_of(["Cust12345", 3])
    item = stored("COMPLETED", validation=validation, data={"S": '{"accepted": true}'})
    client = ScriptedClient(put_item=[refusal(None)], get_item=[{"Item": item}])
    answer = store(client).once(TOKEN, Work(), payload=["Cust12345", 3], remaining_millis=9)
    assert answer == {"accepted": True}
    assert client.operations() == ["put_item", "get_item"]
    assert client.requests[1][1]["ConsistentRead"] is True


def test_a_record_gone_between_refusal_and_read_is_claimed_again() -> None:
    client = ScriptedClient(put_item=[refusal(None), {}], get_item=[{}])
    work = Work()
    answer = store(client).once(TOKEN, work, payload=["Cust12345", 3], remaining_millis=9)
    assert answer == work.answer
    assert client.operations() == ["put_item", "get_item", "put_item", "update_item"]


def test_a_key_that_keeps_changing_is_a_temporary_failure() -> None:
    """Three claims lost to records that vanish: 503, SuperOffice delivers again."""
    client = ScriptedClient(put_item=[refusal(None)], get_item=[{}])
    work = Work()
    with pytest.raises(DependencyUnavailable) as raised:
        store(client).once(TOKEN, work, payload=["Cust12345", 3], remaining_millis=9)
    assert is_outage(raised.value)
    assert client.operations().count("put_item") == 3
    assert work.calls == 0


@pytest.mark.parametrize(
    "item",
    [
        stored("EXPIRED", data={"S": "{}"}),
        stored("COMPLETED", data={"S": "[1, 2]"}),
        stored("COMPLETED", data={"S": "not json"}),
        stored("COMPLETED"),
        {"id": {"S": "x"}, "status": {"S": "COMPLETED"}, "expiration": {"N": "soon"}},
    ],
    ids=["status", "not-an-object", "not-json", "no-data", "bad-expiration"],
)
def test_an_item_neither_store_writes_is_a_corrupt_record(item: dict[str, Any]) -> None:
    client = ScriptedClient(put_item=[refusal(item)])
    with pytest.raises(CorruptRecord):
        store(client, validate=False).once(TOKEN, Work(), remaining_millis=9)


def test_importing_the_store_imports_neither_boto3_nor_botocore() -> None:
    watched = ("boto3", "botocore")
    assert loaded_after("import superoffice_app.idempotency", watched) == []
