"""ScheduledSyncDispatcherFunction: the schedule's dispatcher.

Thin: its graph is built at cold start (a bad setting fails naming it); each scheduled
event runs the layer's ``Dispatcher`` once, logs what it queued and emits metrics.
Failing the invocation when messages could not be queued makes the scheduler retry;
tenants queued twice only skip the second time (the lease), so a retry costs little.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from superoffice_app.wiring.sync import sync_cold_start

logger = Logger()
metrics = Metrics()
GRAPH = sync_cold_start()


class DispatchIncomplete(RuntimeError):
    """Some tenants' sync messages could not be queued; the scheduler retries."""


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report = GRAPH.dispatcher.run()
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
        raise DispatchIncomplete(f"{report.failed} sync messages could not be queued")
    logger.info("dispatched", extra=summary)
    return summary
