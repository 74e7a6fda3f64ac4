"""Telling an outage of an AWS service from a refusal, without importing botocore.

DynamoDB, KMS, Secrets Manager and SQS can be unreachable, slow or throttling for a
while. That is temporary, and the caller should hear so: a page answers 503 with
``Retry-After`` and says it is temporary, SuperOffice's deliveries answer 503 so that
SuperOffice delivers again, a queue message is left for SQS to retry. A refusal
(``AccessDenied``, a failed condition, a bad request) is not an outage.

``is_outage`` follows an error's causes (``raise ... from``), because Powertools and
this layer wrap boto3's errors; it reads class names and the error response only, so
the authorizer can use it without importing botocore.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

__all__ = ["RETRY_AFTER_SECONDS", "DependencyUnavailable", "is_outage", "outage_cause"]

# What a 503 asks callers to wait before trying again.
RETRY_AFTER_SECONDS: Final = 30

# botocore's connection and timeout errors all derive from one of these two classes.
_BOTOCORE_TRANSPORT_BASES: Final = frozenset({"HTTPClientError", "ConnectionError"})
# Error codes AWS services answer while overloaded, throttling or failing inside.
_OUTAGE_CODES: Final = frozenset(
    {
        "DependencyTimeoutException",  # KMS
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "InternalServiceError",  # Secrets Manager
        "KMSInternalException",
        "LimitExceededException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "SlowDown",
        "ThrottledException",
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
        "TransactionInProgressException",
    }
)


class DependencyUnavailable(Exception):
    """A service the app needs (named) cannot be reached just now; try again later."""

    def __init__(self, service: str, retry_after_seconds: int = RETRY_AFTER_SECONDS) -> None:
        self.service = service
        self.retry_after_seconds = retry_after_seconds
        super().__init__(f"{service} is temporarily unavailable")


def _is_botocore_transport(error: BaseException) -> bool:
    for cls in type(error).__mro__:
        if cls.__name__ in _BOTOCORE_TRANSPORT_BASES and cls.__module__.startswith("botocore"):
            return True
    return False


def _is_outage_response(error: BaseException) -> bool:
    response = getattr(error, "response", None)
    if not isinstance(response, Mapping):
        return False
    details = response.get("Error")
    code = details.get("Code") if isinstance(details, Mapping) else None
    if isinstance(code, str) and code in _OUTAGE_CODES:
        return True
    metadata = response.get("ResponseMetadata")
    status = metadata.get("HTTPStatusCode") if isinstance(metadata, Mapping) else None
    return isinstance(status, int) and status >= 500


def _is_outage_itself(error: BaseException) -> bool:
    return (
        isinstance(error, DependencyUnavailable | TimeoutError | ConnectionError)
        or _is_botocore_transport(error)
        or _is_outage_response(error)
    )


def outage_cause(error: BaseException) -> BaseException | None:
    """The outage behind ``error`` (itself or one of its causes), or None."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _is_outage_itself(current):
            return current
        current = current.__cause__ or current.__context__
    return None


def is_outage(error: BaseException) -> bool:
    """Whether ``error`` is, or was caused by, a temporary failure of a service."""
    return outage_cause(error) is not None
