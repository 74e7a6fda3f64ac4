"""What the runner's event sources share: the template's events of a type, and Lambda's
partial batch responses (`ReportBatchItemFailures`).

SQS queues and DynamoDB streams read the same answer: a function whose event source
mapping lists `ReportBatchItemFailures` in `FunctionResponseTypes` may return
`{"batchItemFailures": [{"itemIdentifier": ...}, ...]}`. Lambda reads it alike for both:

- no response (null), no `batchItemFailures` or an empty/null list: every record succeeded;
- an `itemIdentifier` that is missing, empty, not a string or not in the batch, a list
  that is not a list, or a response that is not an object: the whole batch failed.

What the identifiers are (SQS message ids, stream sequence numbers) and what a failure
means (the message comes back, the shard restarts there) is each poller's business.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any, Final

from local.template import FunctionSpec

REPORT_BATCH_ITEM_FAILURES: Final = "ReportBatchItemFailures"
Log = Callable[[str], None]
# (function logical id, event) -> (the function succeeded, its payload or error object)
Invoke = Callable[[str, Any], tuple[bool, Any]]


def enabled_events(
    functions: Mapping[str, FunctionSpec], event_types: Collection[str]
) -> Iterator[tuple[FunctionSpec, str, str, Mapping[str, Any]]]:
    """(function, event name, event type, properties) of every event of `event_types`
    not switched off with `Enabled: false`, in a stable order (function, then event)."""
    for _, function in sorted(functions.items()):
        for event_name, event in sorted(function.events.items()):
            if not isinstance(event, dict) or event.get("Type") not in event_types:
                continue
            properties = event.get("Properties") or {}
            if properties.get("Enabled") is False:
                continue
            yield function, event_name, str(event["Type"]), properties


def reports_batch_item_failures(properties: Mapping[str, Any]) -> bool:
    """Whether an event's `FunctionResponseTypes` asks for partial batch responses."""
    return REPORT_BATCH_ITEM_FAILURES in (properties.get("FunctionResponseTypes") or [])


def reported_failures(payload: Any, batch_ids: Collection[str]) -> set[str] | None:
    """The identifiers the response names as failed (empty: all succeeded), or None when
    the response fails the whole batch (see the module docstring)."""
    if payload is None:
        return set()
    if not isinstance(payload, dict):
        return None
    failures = payload.get("batchItemFailures")
    if not failures:
        return set()
    if not isinstance(failures, list):
        return None
    failed: set[str] = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not isinstance(identifier, str) or identifier not in batch_ids:
            return None
        failed.add(identifier)
    return failed
