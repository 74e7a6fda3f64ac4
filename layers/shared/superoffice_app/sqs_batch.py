"""An SQS batch handled message by message, answered with the messages that failed.

For a standard (not FIFO) queue whose event source mapping reports batch item failures
(``ReportBatchItemFailures``): each record goes to a record handler; one whose handler
raises is named in ``{"batchItemFailures": [{"itemIdentifier": messageId}, ...]}`` and
comes back from the queue (after the redrive policy's receives, the dead-letter queue),
the others are deleted. A batch whose every message failed is answered the same way, not
with an exception: the effect is the same, and a function's Errors alarm keeps meaning
"something unexpected broke" rather than "one poison message arrived alone".

What Powertools' ``BatchProcessor(EventType.SQS)`` and ``process_partial_response`` did
for us, without their import cost: the batch package imports asyncio (and with it ssl
and socket) and every event data class, a fifth of a function's cold start.

Each failure is logged with the message id and the exception's type, never the body or
the exception's text: a body carries a tenant's data, and an error may quote it.

An event that is not an SQS batch (no ``Records`` list, a record without a string
``messageId``) never comes from the event source mapping, only from a misdirected
invocation; no message of it could be named in the answer, so it is refused whole, by
name (``BadSqsEvent``), before any record is handled: nothing is half-done, and an SQS
batch refused whole is received again and ends in the dead-letter queue.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, Protocol, TypedDict

__all__ = [
    "BadSqsEvent",
    "FailureLogger",
    "ItemFailure",
    "LambdaContext",
    "PartialItemFailureResponse",
    "SqsRecord",
    "process_partial_response",
]


class ItemFailure(TypedDict):
    itemIdentifier: str


class PartialItemFailureResponse(TypedDict):
    """What Lambda's SQS event source reads back: the messages to receive again."""

    batchItemFailures: list[ItemFailure]


class LambdaContext(Protocol):
    """What of Lambda's context object our SQS consumers read: the time left."""

    def get_remaining_time_in_millis(self) -> int: ...


class FailureLogger(Protocol):
    """A Powertools ``Logger`` or a ``logging.Logger``: a failed message is a warning."""

    def warning(self, msg: object, *args: object, **kwargs: Any) -> None: ...


class SqsRecord(NamedTuple):
    """One received message: what the handlers read of Lambda's SQS record."""

    message_id: str
    body: str


class BadSqsEvent(ValueError):
    """The event is not an SQS batch; none of its records is handled."""


def _records(event: object) -> list[tuple[str, object]]:
    records = event.get("Records") if isinstance(event, dict) else None
    if not isinstance(records, list):
        raise BadSqsEvent("expected an SQS event: an object with a Records list")
    parsed: list[tuple[str, object]] = []
    for record in records:
        message_id = record.get("messageId") if isinstance(record, dict) else None
        if not isinstance(message_id, str) or not message_id:
            raise BadSqsEvent("expected an SQS event: every record has a messageId")
        parsed.append((message_id, record.get("body")))
    return parsed


def process_partial_response(
    event: object,
    record_handler: Callable[[SqsRecord], object],
    logger: FailureLogger,
) -> PartialItemFailureResponse:
    """Hand each record of ``event`` to ``record_handler``; answer with those that raised.

    An ``Exception`` fails its message only; anything else (``KeyboardInterrupt``,
    ``SystemExit``) ends the invocation, as it would without this loop.
    """
    failures: list[ItemFailure] = []
    for message_id, body in _records(event):
        try:
            if not isinstance(body, str):
                # SQS bodies are text; a record without one fails alone, named by its id.
                raise BadSqsEvent("the record's body is not a string")
            record_handler(SqsRecord(message_id, body))
        except Exception as error:  # each message's failure is reported, not raised
            logger.warning(
                "sqs message failed; it comes back from the queue",
                extra={"message_id": message_id, "error_type": type(error).__name__},
            )
            failures.append({"itemIdentifier": message_id})
    return {"batchItemFailures": failures}
