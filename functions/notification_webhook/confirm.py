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
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from superoffice_app.counters import count
from superoffice_app.lifecycle.confirmer import ConfirmationStatus
from superoffice_app.lifecycle.messages import parse_notification_message
from superoffice_app.lifecycle.notifications import change_dimension
from superoffice_app.wiring.notifications import confirm_cold_start

logger = Logger()
# Settings are read and checked here; the confirmer and its clients (boto3, httpx) are
# built by the first message (``GRAPH.confirmer`` is cached), not at cold start.
GRAPH = confirm_cold_start()
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def _handle_record(record: SQSRecord) -> None:
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
    return process_partial_response(
        event=event, record_handler=_handle_record, processor=processor, context=context
    )
