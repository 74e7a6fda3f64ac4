"""Each delivery handled once: a small idempotency store on IdempotencyTable.

SuperOffice delivers a notification or a webhook again when it hears no 2xx, and may
deliver one twice at the same time. ``IdempotencyStore.once(key, work)`` runs ``work``
for the first delivery of ``key`` and, within the expiry, answers every later one with
what the first one answered (or ``AlreadyInProgress`` while it is still running).

It replaces Powertools' idempotency utility, whose import costs boto3 at cold start, and
keeps its DynamoDB item layout, so a deploy over live records goes on deduplicating:

* ``id``: ``<key_prefix>#<md5 hex of the key as sorted JSON>``. Only hashes are stored:
  a notification's key is its token, which must never be kept in the table. md5 because
  that is the layout's; it names a key, it protects nothing a token's entropy doesn't.
* ``status``: ``INPROGRESS`` while ``work`` runs, then ``COMPLETED`` with ``data``, the
  answer as sorted JSON.
* ``expiration``: epoch seconds; the record is gone (for us, and for the table's TTL)
  after it. ``in_progress_expiration``: epoch milliseconds, when the invocation that
  claimed the key runs out of time: past it, a crashed or timed-out claim may be taken
  over instead of answering "in progress" until ``expiration``.
* ``validation``: md5 of the payload, when the store validates one: the same key with
  another payload raises ``PayloadMismatch`` instead of answering the first one's result.

A claim is one conditional put (the key is new, expired, or an in-progress claim that
timed out); the old item comes back with the refusal, so a duplicate costs one request.
If ``work`` raises, the claim is deleted, so the retry SuperOffice sends may proceed.
DynamoDB's own errors are not wrapped: ``superoffice_app.outages.is_outage`` recognises
them (503, SuperOffice delivers again). Neither boto3 nor botocore is imported here: the
client is handed in, and its errors are read by their ``response``.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping
from typing import Any, Final, Protocol

from superoffice_app.outages import DependencyUnavailable
from superoffice_app.strict_json import BadJson, parse_object

__all__ = [
    "AlreadyInProgress",
    "CorruptRecord",
    "DynamoDBClient",
    "IdempotencyStore",
    "PayloadMismatch",
    "record_key",
]

JsonObject = dict[str, Any]

IN_PROGRESS: Final = "INPROGRESS"
COMPLETED: Final = "COMPLETED"
# An item gone or changed between our refused put and reading it means another delivery
# changed it in between: claim again, as Powertools did, this many times more.
_RETRIES: Final = 2

# The item's attribute names: Powertools' DynamoDBPersistenceLayer defaults.
_KEY: Final = "id"
_EXPIRY: Final = "expiration"
_IN_PROGRESS_EXPIRY: Final = "in_progress_expiration"
_STATUS: Final = "status"
_DATA: Final = "data"
_VALIDATION: Final = "validation"

# Claim a key that nobody holds: new, expired (TTL deletes late), or an in-progress claim
# whose invocation ran out of time.
_CLAIMABLE: Final = (
    "attribute_not_exists(#id) OR #expiry < :now OR "
    "(#status = :inprogress AND attribute_exists(#in_progress_expiry) "
    "AND #in_progress_expiry < :now_in_millis)"
)


class DynamoDBClient(Protocol):
    """The operations of boto3's DynamoDB client the store calls (IAM: CRUD on the table)."""

    def get_item(self, **kwargs: Any) -> dict[str, Any]: ...
    def put_item(self, **kwargs: Any) -> dict[str, Any]: ...
    def update_item(self, **kwargs: Any) -> dict[str, Any]: ...
    def delete_item(self, **kwargs: Any) -> dict[str, Any]: ...


class AlreadyInProgress(Exception):
    """Another delivery of this key is being handled right now."""


class PayloadMismatch(Exception):
    """This key was already used with another payload (a token replayed elsewhere)."""


class CorruptRecord(Exception):
    """The stored item is not one this store (or Powertools) writes."""


class _Contended(Exception):
    """The item changed between our refused put and what it tells us: try again."""


def _digest(value: object) -> str:
    # Powertools' hash, byte for byte: json.dumps with sorted keys and default separators.
    text = json.dumps(value, sort_keys=True)
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def record_key(key_prefix: str, key: object) -> str:
    """The ``id`` of ``key``'s record: the prefix and a hash, never the key itself."""
    return f"{key_prefix}#{_digest(key)}"


def _error_code(error: BaseException) -> str | None:
    """The AWS error code of a botocore ClientError (duck-typed: no botocore import)."""
    response = getattr(error, "response", None)
    details = response.get("Error") if isinstance(response, Mapping) else None
    code = details.get("Code") if isinstance(details, Mapping) else None
    return code if isinstance(code, str) else None


def _string(item: Mapping[str, Any], name: str) -> str | None:
    value = item.get(name)
    text = value.get("S") if isinstance(value, Mapping) else None
    return text if isinstance(text, str) else None


def _number(item: Mapping[str, Any], name: str) -> int | None:
    value = item.get(name)
    text = value.get("N") if isinstance(value, Mapping) else None
    if not isinstance(text, str):
        return None
    try:
        return int(text)  # both stores write whole numbers
    except ValueError:
        raise CorruptRecord(f"the record's {name} is not a whole number") from None


class IdempotencyStore:
    """One kind of delivery's records in the idempotency table.

    ``key_prefix`` names the kind and is part of every stored key: changing it forgets
    every delivery seen. With ``validate_payload`` each record also keeps a hash of the
    payload its key was first used with.
    """

    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        *,
        key_prefix: str,
        expires_after_seconds: int,
        validate_payload: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._table = table_name
        self.key_prefix = key_prefix
        self.expires_after_seconds = expires_after_seconds
        self.validate_payload = validate_payload
        self._clock = clock

    def once(
        self,
        key: object,
        work: Callable[[], JsonObject],
        *,
        remaining_millis: int,
        payload: object = None,
    ) -> JsonObject:
        """``work()``'s answer, computed for the first delivery of ``key`` only.

        ``key`` and ``payload`` are JSON values (only their hashes are stored).
        ``remaining_millis`` is the invocation's remaining time (Lambda context's
        ``get_remaining_time_in_millis()``): the claim may be taken over after it.

        Raises ``AlreadyInProgress`` while another delivery's ``work`` runs,
        ``PayloadMismatch`` when ``key`` was used with another payload, whatever ``work``
        raises (its claim deleted), DynamoDB's errors as they are, ``DependencyUnavailable``
        when the key's item kept changing under three claims, and ``CorruptRecord`` for an
        item neither this store nor Powertools writes.
        """
        record_id = record_key(self.key_prefix, key)
        validation = _digest(payload) if self.validate_payload else None
        for _ in range(_RETRIES + 1):
            try:
                stored = self._claim(record_id, validation, remaining_millis)
            except _Contended:
                continue
            return self._run(record_id, validation, work) if stored is None else stored
        # Deliveries racing for one key kept changing its item: let SuperOffice deliver
        # again (503 with Retry-After) rather than guess.
        raise DependencyUnavailable("the idempotency table")

    def _claim(
        self, record_id: str, validation: str | None, remaining_millis: int
    ) -> JsonObject | None:
        """None when the key is ours to run; the stored answer when it was handled."""
        now = self._clock()
        item: dict[str, Any] = {
            _KEY: {"S": record_id},
            _EXPIRY: {"N": str(int(now) + self.expires_after_seconds)},
            _STATUS: {"S": IN_PROGRESS},
            _IN_PROGRESS_EXPIRY: {"N": str(int(now * 1000) + remaining_millis)},
        }
        if validation is not None:
            item[_VALIDATION] = {"S": validation}
        try:
            self._client.put_item(
                TableName=self._table,
                Item=item,
                ConditionExpression=_CLAIMABLE,
                ExpressionAttributeNames={
                    "#id": _KEY,
                    "#expiry": _EXPIRY,
                    "#in_progress_expiry": _IN_PROGRESS_EXPIRY,
                    "#status": _STATUS,
                },
                ExpressionAttributeValues={
                    ":now": {"N": str(int(now))},
                    ":now_in_millis": {"N": str(int(now * 1000))},
                    ":inprogress": {"S": IN_PROGRESS},
                },
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except Exception as error:
            if _error_code(error) != "ConditionalCheckFailedException":
                raise
            held = getattr(error, "response", {}).get("Item") or self._read(record_id)
            return self._answer(held, validation, now)
        return None

    def _read(self, record_id: str) -> Mapping[str, Any]:
        """The item, read when the refusal did not carry it; _Contended if it is gone."""
        answer = self._client.get_item(
            TableName=self._table, Key={_KEY: {"S": record_id}}, ConsistentRead=True
        )
        item = answer.get("Item")
        if not isinstance(item, Mapping):
            raise _Contended
        return item

    def _answer(self, item: Mapping[str, Any], validation: str | None, now: float) -> JsonObject:
        """What a duplicate gets from the item that refused its claim."""
        if validation is not None and _string(item, _VALIDATION) != validation:
            raise PayloadMismatch("this key was first used with another payload")
        status = _string(item, _STATUS)
        expiry = _number(item, _EXPIRY)
        if expiry is not None and int(now) > expiry:
            raise _Contended  # expired after all: claim again
        if status == IN_PROGRESS:
            claim_expiry = _number(item, _IN_PROGRESS_EXPIRY)
            if claim_expiry is not None and claim_expiry < int(now * 1000):
                raise _Contended  # timed out after all: claim again
            raise AlreadyInProgress("another delivery of this key is being handled")
        if status != COMPLETED:
            raise CorruptRecord(f"the record's status is {str(status)[:20]!r}")
        try:
            return parse_object(_string(item, _DATA) or "", "the stored answer")
        except BadJson as error:
            raise CorruptRecord(str(error)) from None

    def _run(
        self, record_id: str, validation: str | None, work: Callable[[], JsonObject]
    ) -> JsonObject:
        try:
            answer = work()
        except Exception:
            # Released so that a retry may proceed; if DynamoDB fails here too, that
            # error (an outage: 503) goes up, with the work's error as its context.
            self._client.delete_item(TableName=self._table, Key={_KEY: {"S": record_id}})
            raise
        self._complete(record_id, validation, answer)
        return answer

    def _complete(self, record_id: str, validation: str | None, answer: JsonObject) -> None:
        names = {"#data": _DATA, "#expiry": _EXPIRY, "#status": _STATUS}
        values: dict[str, Any] = {
            ":data": {"S": json.dumps(answer, sort_keys=True)},
            ":expiry": {"N": str(int(self._clock()) + self.expires_after_seconds)},
            ":status": {"S": COMPLETED},
        }
        update = "SET #data = :data, #expiry = :expiry, #status = :status"
        if validation is not None:
            update += ", #validation = :validation"
            names["#validation"] = _VALIDATION
            values[":validation"] = {"S": validation}
        self._client.update_item(
            TableName=self._table,
            Key={_KEY: {"S": record_id}},
            UpdateExpression=update,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )
