"""NotificationConfirmFunction: applies queued notifications that SuperOffice confirms.

Consumes NotificationQueue, which the notification route fills with verified
notifications. Thin: parse each message strictly, let the layer's confirmer ask the state
API afresh and apply what it bears out (follow-ups go to SyncQueue), log the outcome.
Partial batch failures: a message it cannot understand, or an unexpected failure (an
outage of DynamoDB, say), goes back to the queue and after five receives to the
dead-letter queue, which has an alarm; a state API that does not answer is waited for
by the confirmer itself (the message is re-sent with a delay and acknowledged).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from superoffice_app.counters import count
from superoffice_app.lifecycle.confirmations import ConfirmationStatus
from superoffice_app.lifecycle.messages import parse_notification_message
from superoffice_app.lifecycle.notifications import change_dimension
from superoffice_app.sqs_batch import (
    LambdaContext,
    PartialItemFailureResponse,
    SqsRecord,
    process_partial_response,
)
from superoffice_app.wiring.confirm import confirm_cold_start

logger = Logger()
# Settings are read and checked here; the confirmer and its clients (boto3, httpx) are
# built by the first message (``GRAPH.confirmer`` is cached), not at cold start.
GRAPH = confirm_cold_start()


def _handle_record(record: SqsRecord) -> None:
    message = parse_notification_message(record.body)
    confirmation = GRAPH.confirmer.handle(message)
    applied = confirmation.status is ConfirmationStatus.APPLIED
    logger.info(
        "notification confirmed" if applied else "notification",
        extra={
            "ctx": confirmation.ctx,
            "change": confirmation.change,
            "status": confirmation.status,
            "reason": confirmation.reason,
            "follow_up": confirmation.follow_up,
        },
    )
    if applied:
        # By ChangeType, as the notification route counts them received.
        count(logger, "NotificationsApplied", ChangeType=change_dimension(message.change_type))


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    # A message that fails is named in the answer and comes back (see sqs_batch).
    return process_partial_response(event, _handle_record, logger)
