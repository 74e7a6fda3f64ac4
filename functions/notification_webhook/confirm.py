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

import os
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from superoffice_app.config import load_config, required_setting
from superoffice_app.lifecycle.confirmer import NotificationConfirmer
from superoffice_app.lifecycle.messages import parse_notification_message
from superoffice_app.lifecycle.tenant_state import TenantStateStore
from superoffice_app.store import DynamoTable, SecretBox, TenantStore
from superoffice_app.superoffice.http import new_http_client, utc_now
from superoffice_app.superoffice.state_api import StateApiClient
from superoffice_app.sync.queue import SyncQueue

logger = Logger()
CONFIG = load_config()


def _setting(name: str) -> str:
    return required_setting(os.environ, name)


TENANTS_TABLE = _setting("TENANTS_TABLE")
APP_KEY_ID = _setting("APP_KEY_ID")
SYNC_QUEUE_URL = _setting("SYNC_QUEUE_URL")
NOTIFICATION_QUEUE_URL = _setting("NOTIFICATION_QUEUE_URL")

from superoffice_app.aws_clients import client  # noqa: E402 - after the settings

_tenants = TenantStore(
    DynamoTable(client=client("dynamodb"), name=TENANTS_TABLE),
    SecretBox(client("kms"), APP_KEY_ID),  # never called: no secret is read here
)
_sqs = client("sqs")
CONFIRMER = NotificationConfirmer(
    _tenants,
    StateApiClient(
        new_http_client(), CONFIG.environment, utc_now, store=TenantStateStore(_tenants)
    ),
    follow_ups=SyncQueue(_sqs, SYNC_QUEUE_URL),
    waiting=SyncQueue(_sqs, NOTIFICATION_QUEUE_URL),
)
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def _handle_record(record: SQSRecord) -> None:
    confirmation = CONFIRMER.handle(parse_notification_message(record.body))
    logger.info(
        "notification confirmed" if confirmation.status == "applied" else "notification",
        extra={
            "ctx": confirmation.ctx,
            "change": confirmation.change,
            "status": confirmation.status,
            "reason": confirmation.reason,
            "follow_up": confirmation.follow_up,
        },
    )


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(
        event=event, record_handler=_handle_record, processor=processor, context=context
    )
