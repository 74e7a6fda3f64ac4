"""ScheduledSync: the schedule's dispatcher and the SyncQueue worker (two handlers).

Thin: read settings at cold start (a bad one fails naming it), hand the event to the
layer's ``sync`` package, log the outcome and emit metrics. The worker reports partial
batch failures: a message it cannot understand, or an unexpected error, goes back to the
queue and after five receives to the dead-letter queue (which has an alarm); work that is
merely deferred (time budget, throttling, a busy tenant) is re-queued by the worker
itself and acknowledged.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from superoffice_app.config import load_config
from superoffice_app.onboarding.wiring import load_onboarding_settings
from superoffice_app.sync.budget import Budget
from superoffice_app.sync.messages import parse_message
from superoffice_app.sync.settings import load_sync_settings
from superoffice_app.sync.wiring import SyncWiring

logger = Logger()
metrics = Metrics()
CONFIG = load_config()
SETTINGS = load_sync_settings()
WIRING = SyncWiring(CONFIG, load_onboarding_settings(), SETTINGS)
# A batch whose every message failed is still answered with the list of failures (not
# an exception): the effect is the same, and the function's Errors alarm keeps meaning
# "something unexpected broke" rather than "one poison message arrived alone".
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

# Time kept back from the Lambda's remaining time for the checkpoint and the answer.
_SAFETY_SECONDS = 10.0


class _Invocation:
    context: LambdaContext | None = None


def _remaining_seconds() -> float:
    context = _Invocation.context
    if context is None:
        return SETTINGS.run_seconds
    return context.get_remaining_time_in_millis() / 1000 - _SAFETY_SECONDS


@logger.inject_lambda_context
@metrics.log_metrics
def dispatch_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report = WIRING.dispatcher.run()
    summary = {
        "queued": report.queued,
        "tenants": report.tenants_seen,
        "skipped_paused": report.skipped_paused,
        "skipped_not_running": report.skipped_not_running,
        "upgrade_checks": report.upgrade_checks,
        "maintenance_window": report.skipped_for_window,
        "index_pages": report.index_pages,
        "send_calls": report.send_calls,
        "failed": report.failed,
    }
    metrics.add_metric("TenantsQueued", MetricUnit.Count, report.queued)
    metrics.add_metric("DispatchFailures", MetricUnit.Count, report.failed)
    if report.failed:
        logger.error("dispatch incomplete", extra={**summary, "errors": report.errors[:5]})
        # Failing the invocation makes the scheduler retry; tenants queued twice only
        # skip the second time (the lease), so a retry costs little.
        raise RuntimeError(f"{report.failed} sync messages could not be queued")
    logger.info("dispatched", extra=summary)
    return summary


def _handle_record(record: SQSRecord) -> None:
    message = parse_message(record.body)
    budget = Budget(max(1.0, min(SETTINGS.run_seconds, _remaining_seconds())))
    outcome = WIRING.worker.handle(message, budget)
    logger.append_keys(ctx=outcome.ctx)
    logger.info(
        "sync message handled",
        extra={
            "kind": outcome.kind,
            "status": outcome.status,
            "reason": outcome.reason,
            "records": outcome.records,
            "requests": outcome.requests,
            "throttles": outcome.throttles,
            "entities": outcome.entities,
        },
    )
    logger.remove_keys(["ctx"])
    metrics.add_metric("SyncRecords", MetricUnit.Count, outcome.records)
    metrics.add_metric("SuperOfficeRequests", MetricUnit.Count, outcome.requests)
    metrics.add_metric("SuperOfficeThrottles", MetricUnit.Count, outcome.throttles)
    metrics.add_metric("SyncErrors", MetricUnit.Count, outcome.errors)
    if outcome.lag_seconds is not None:
        metrics.add_metric("SyncLagSeconds", MetricUnit.Seconds, outcome.lag_seconds)


@logger.inject_lambda_context
@metrics.log_metrics
def worker_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    _Invocation.context = context
    try:
        return process_partial_response(
            event=event, record_handler=_handle_record, processor=processor, context=context
        )
    finally:
        _Invocation.context = None
