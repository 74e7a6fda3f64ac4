"""The idempotency store on IdempotencyTable (DynamoDB Local, built from template.yaml).

What DynamoDB's conditional put makes of the store's claims: a first delivery runs, a
duplicate gets the stored answer, a running one is in progress, a claim whose invocation
ran out of time or a record past its expiry is taken over, concurrent deliveries run the
work once. And the records are Powertools' layout in both directions, so a deploy over
records Powertools' idempotency wrote keeps deduplicating (and a rollback too).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyValidationError

from local.tables import create_tables
from superoffice_app.idempotency import (
    AlreadyInProgress,
    IdempotencyStore,
    PayloadMismatch,
    record_key,
)
from superoffice_app.wiring.notifications import (
    IDEMPOTENCY_SECONDS,
    NOTIFICATION_KEY_PREFIX,
    WEBHOOK_KEY_PREFIX,
)
from tests.conftest import LambdaContext
from tests.integration.conftest import unique_table_name

pytestmark = pytest.mark.integration

TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJpZGVtIn0.c2lnbmF0dXJlLW9mLWEtdG9rZW4"
PAYLOAD = ["Cust12345", 3]


@pytest.fixture
def table(dynamodb_client: Any, local_template: Any) -> Iterator[str]:
    name = create_tables(
        dynamodb_client, local_template, only=["IdempotencyTable"], physical_name=unique_table_name
    )["IdempotencyTable"]
    yield name
    dynamodb_client.delete_table(TableName=name)


StoreFactory = Callable[..., IdempotencyStore]


@pytest.fixture
def notifications(dynamodb_client: Any, table: str) -> StoreFactory:
    """The notification route's store, on a clock the test may move."""

    def make(*, at: float | None = None) -> IdempotencyStore:
        return IdempotencyStore(
            dynamodb_client,
            table,
            key_prefix=NOTIFICATION_KEY_PREFIX,
            expires_after_seconds=IDEMPOTENCY_SECONDS,
            validate_payload=True,
            clock=time.time if at is None else (lambda: at),
        )

    return make


class Work:
    def __init__(self, answer: dict[str, Any], during: Callable[[], Any] | None = None) -> None:
        self.answer = answer
        self.during = during
        self.calls = 0

    def __call__(self) -> dict[str, Any]:
        self.calls += 1
        if self.during is not None:
            self.during()
        return self.answer


def test_a_duplicate_gets_the_first_answer_and_the_item_holds_no_token(
    notifications: StoreFactory, dynamodb_client: Any, table: str
) -> None:
    store = notifications()
    first, again = Work({"accepted": True, "reason": "queued"}), Work({"accepted": False})
    assert store.once(TOKEN, first, payload=PAYLOAD, remaining_millis=5_000) == first.answer
    assert store.once(TOKEN, again, payload=PAYLOAD, remaining_millis=5_000) == first.answer
    assert (first.calls, again.calls) == (1, 0)
    key = {"id": {"S": record_key(NOTIFICATION_KEY_PREFIX, TOKEN)}}
    item = dynamodb_client.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    assert set(item) == {
        "id",
        "status",
        "expiration",
        "in_progress_expiration",
        "data",
        "validation",
    }
    assert item["status"] == {"S": "COMPLETED"}
    assert 0 < int(item["expiration"]["N"]) - time.time() <= IDEMPOTENCY_SECONDS
    assert TOKEN not in repr(item)
    assert TOKEN.rsplit(".", 1)[1] not in repr(item)


def test_the_same_token_with_another_payload_is_a_mismatch(notifications: StoreFactory) -> None:
    store = notifications()
    store.once(TOKEN, Work({"accepted": True}), payload=PAYLOAD, remaining_millis=5_000)
    replay = Work({"accepted": True})
    for payload in (["Cust12345", 2], ["Cust99999", 3]):
        with pytest.raises(PayloadMismatch):
            store.once(TOKEN, replay, payload=payload, remaining_millis=5_000)
    assert replay.calls == 0


def test_a_delivery_while_the_first_runs_is_in_progress(notifications: StoreFactory) -> None:
    store = notifications()
    seen: list[type[BaseException]] = []

    def second_delivery() -> None:
        with pytest.raises(AlreadyInProgress) as raised:
            store.once(TOKEN, Work({}), payload=PAYLOAD, remaining_millis=5_000)
        seen.append(raised.type)

    store.once(
        TOKEN, Work({"ok": 1}, during=second_delivery), payload=PAYLOAD, remaining_millis=5_000
    )
    assert seen == [AlreadyInProgress]


def test_a_claim_whose_invocation_ran_out_of_time_is_taken_over(
    notifications: StoreFactory,
) -> None:
    """A timed-out or crashed invocation never released its claim: the next may run."""
    now = time.time()
    later = notifications(at=now + 2)
    retry = Work({"accepted": True, "by": "retry"})

    def timed_out_meanwhile() -> None:
        later.once(TOKEN, retry, payload=PAYLOAD, remaining_millis=5_000)

    notifications(at=now).once(
        TOKEN,
        Work({"by": "first"}, during=timed_out_meanwhile),
        payload=PAYLOAD,
        remaining_millis=1_000,
    )
    assert retry.calls == 1


def test_a_failed_delivery_may_be_delivered_again(notifications: StoreFactory) -> None:
    store = notifications()

    def fail() -> dict[str, Any]:
        raise ConnectionError("SQS is down")

    with pytest.raises(ConnectionError):
        store.once(TOKEN, fail, payload=PAYLOAD, remaining_millis=5_000)
    again = Work({"accepted": True})
    assert store.once(TOKEN, again, payload=PAYLOAD, remaining_millis=5_000) == again.answer


def test_a_record_past_its_expiry_is_a_new_delivery(notifications: StoreFactory) -> None:
    """TTL deletes late (up to days): the expiry itself decides."""
    now = time.time()
    notifications(at=now).once(TOKEN, Work({"n": 1}), payload=PAYLOAD, remaining_millis=5_000)
    after = now + IDEMPOTENCY_SECONDS + 2
    later = Work({"n": 2})
    other_payload = ["Cust12345", 2]  # the old record's payload does not count any more
    assert notifications(at=after).once(
        TOKEN, later, payload=other_payload, remaining_millis=5_000
    ) == {"n": 2}


def test_concurrent_deliveries_run_the_work_once(notifications: StoreFactory) -> None:
    store = notifications()
    gate = threading.Barrier(8)
    work = Work({"accepted": True}, during=lambda: time.sleep(0.2))

    def deliver(_: int) -> str:
        gate.wait()
        try:
            store.once(TOKEN, work, payload=PAYLOAD, remaining_millis=5_000)
        except AlreadyInProgress:
            return "in progress"
        return "answered"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(deliver, range(8)))
    assert work.calls == 1
    assert "answered" in outcomes


def powertools_notification(dynamodb_client: Any, table: str) -> Callable[..., Any]:
    """The notification route as it was, on Powertools' idempotency (same config)."""
    config = IdempotencyConfig(
        event_key_jmespath="Token",
        payload_validation_jmespath="[ContextIdentifier, ChangeType]",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=IDEMPOTENCY_SECONDS,
    )
    config.register_lambda_context(LambdaContext())
    calls: list[int] = []

    def receive(body: dict[str, Any]) -> dict[str, Any]:
        calls.append(1)
        return {"accepted": True, "reason": "by powertools", "calls": len(calls)}

    return idempotent_function(
        receive,
        data_keyword_argument="body",
        persistence_store=DynamoDBPersistenceLayer(table_name=table, boto3_client=dynamodb_client),
        config=config,
        key_prefix=NOTIFICATION_KEY_PREFIX,
    )


def body(ctx: str = "Cust12345", change: int = 3) -> dict[str, Any]:
    return {"ContextIdentifier": ctx, "ChangeType": change, "Token": TOKEN}


def test_records_powertools_wrote_are_found(
    notifications: StoreFactory, dynamodb_client: Any, table: str
) -> None:
    old = powertools_notification(dynamodb_client, table)
    first = old(body=body())
    work = Work({"accepted": False})
    assert notifications().once(TOKEN, work, payload=PAYLOAD, remaining_millis=5_000) == first
    assert work.calls == 0
    with pytest.raises(PayloadMismatch):
        notifications().once(TOKEN, work, payload=["Cust12345", 2], remaining_millis=5_000)


def test_records_written_here_are_found_by_powertools(
    notifications: StoreFactory, dynamodb_client: Any, table: str
) -> None:
    """A rollback to the Powertools version keeps deduplicating too."""
    answer = {"accepted": True, "reason": "by us"}
    notifications().once(TOKEN, Work(answer), payload=PAYLOAD, remaining_millis=5_000)
    old = powertools_notification(dynamodb_client, table)
    assert old(body=body()) == answer
    with pytest.raises(IdempotencyValidationError):
        old(body=body(change=2))


def test_webhook_records_powertools_wrote_are_found(dynamodb_client: Any, table: str) -> None:
    config = IdempotencyConfig(
        event_key_jmespath="[ctx, EventId]",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=IDEMPOTENCY_SECONDS,
    )
    config.register_lambda_context(LambdaContext())

    def apply(key: dict[str, Any]) -> dict[str, Any]:
        return {"queued": True, "reason": "by powertools"}

    old = idempotent_function(
        apply,
        data_keyword_argument="key",
        persistence_store=DynamoDBPersistenceLayer(table_name=table, boto3_client=dynamodb_client),
        config=config,
        key_prefix=WEBHOOK_KEY_PREFIX,
    )
    first = old(key={"ctx": "Cust12345", "EventId": "e-1"})
    store = IdempotencyStore(
        dynamodb_client,
        table,
        key_prefix=WEBHOOK_KEY_PREFIX,
        expires_after_seconds=IDEMPOTENCY_SECONDS,
    )
    work = Work({"queued": False})
    assert store.once(["Cust12345", "e-1"], work, remaining_millis=5_000) == first
    assert work.calls == 0
