"""One more of a business metric, written at once as its own EMF line.

Installs, uninstalls and notifications are counted where they happen, one at a time, each
with its own dimensions (a notification's ChangeType): one ``single_metric`` line each,
rather than a ``Metrics`` flush whose dimensions every metric of the invocation shares.
Namespace: POWERTOOLS_METRICS_NAMESPACE; dimensions: the function's `service` and those
given. Counting never fails what was counted: a metric that cannot be written (no
namespace set) is logged and dropped.
"""

from __future__ import annotations

from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.metrics.exceptions import SchemaValidationError

__all__ = ["count"]


class ServiceLogger(Protocol):
    """What of a Powertools ``Logger`` counting needs: its service and a warning."""

    @property
    def service(self) -> str: ...

    def warning(self, msg: object, *args: object, **kwargs: Any) -> None: ...


def count(logger: ServiceLogger, metric: str, **dimensions: str) -> None:
    """One more ``metric`` for ``logger``'s service, with ``dimensions``."""
    try:
        with single_metric(
            name=metric,
            unit=MetricUnit.Count,
            value=1,
            default_dimensions={"service": logger.service, **dimensions},
        ):
            pass
    except SchemaValidationError as error:
        logger.warning("metric not written", extra={"metric": metric, "reason": str(error)})
