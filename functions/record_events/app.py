"""RecordEvents: RecordsTable's stream, published as record events on the sync bus.

Thin: read settings at cold start (a bad one fails naming it), hand the stream batch to
the layer's ``sync.stream_events`` relay, log and count what it did, and answer with the
first record it could not publish, from which Lambda delivers the batch again
(``ReportBatchItemFailures``). What a record means is decided in the layer.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from superoffice_app.wiring.relay import relay_cold_start

logger = Logger()
metrics = Metrics()
GRAPH = relay_cold_start()


class BadStreamEvent(ValueError):
    """The event is not a DynamoDB stream batch."""


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = event.get("Records") if isinstance(event, dict) else None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise BadStreamEvent("expected a DynamoDB stream event: an object with a Records list")
    report = GRAPH.relay.relay(records)
    summary = {
        "records": report.records,
        "published": report.published,
        "unchanged": report.unchanged,
        "tenant_not_held": report.not_held,
        "unreadable": len(report.unreadable),
        "retry_from": report.failed_from,
    }
    metrics.add_metric("RecordEventsPublished", MetricUnit.Count, report.published)
    metrics.add_metric("RecordEventsUnreadable", MetricUnit.Count, len(report.unreadable))
    if report.unreadable:
        # Sequence numbers and what was wrong; never the fields of a record.
        logger.error("stream records skipped", extra={"skipped": report.unreadable[:10]})
    if report.failed_from is not None:
        metrics.add_metric("RecordEventsRefused", MetricUnit.Count, 1)
        logger.warning("EventBridge refused events; the rest comes again", extra=summary)
        return {"batchItemFailures": [{"itemIdentifier": report.failed_from}]}
    logger.info("stream batch relayed", extra=summary)
    return {"batchItemFailures": []}
