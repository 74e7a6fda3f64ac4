"""SyncWorkerFunction: SyncQueue's consumer.

Thin: its graph is built at cold start (a bad setting fails naming it); each message is
parsed strictly and handed to the layer's ``SyncWorker`` with the time this invocation
has left, and the outcome is logged and counted. Partial batch failures: a message it
cannot understand, or an unexpected error, goes back to the queue and after five
receives to the dead-letter queue (which has an alarm); work that is merely deferred
(time budget, throttling, a busy tenant) is re-queued by the worker itself and
acknowledged.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from superoffice_app.queues.messages import parse_message
from superoffice_app.sqs_batch import (
    LambdaContext,
    PartialItemFailureResponse,
    SqsRecord,
    process_partial_response,
)
from superoffice_app.sync.budget import Budget
from superoffice_app.wiring.sync import sync_cold_start

logger = Logger()
metrics = Metrics()
GRAPH = sync_cold_start()

# Time kept back from the Lambda's remaining time for the checkpoint and the answer.
_SAFETY_SECONDS = 10.0


def _budget(lambda_context: LambdaContext) -> Budget:
    run_seconds = GRAPH.settings.run_seconds
    remaining = lambda_context.get_remaining_time_in_millis() / 1000 - _SAFETY_SECONDS
    return Budget(max(1.0, min(run_seconds, remaining)))


def _handle_record(record: SqsRecord, lambda_context: LambdaContext) -> None:
    # The time left is read per message: the messages before it have spent some.
    message = parse_message(record.body)
    outcome = GRAPH.worker.handle(message, _budget(lambda_context))
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
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    # A message that fails is named in the answer and comes back (see sqs_batch); a batch
    # whose every message failed is answered the same way, not with an exception.
    return process_partial_response(event, lambda record: _handle_record(record, context), logger)
