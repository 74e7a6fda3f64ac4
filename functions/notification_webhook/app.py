"""NotificationWebhookFunction: SuperOffice's customer-state-change notifications and CRM
record webhooks.

Thin: read the body once, deduplicate (the layer's idempotency store on IdempotencyTable,
keyed by explicit fields under a stable prefix), hand it to the layer's lifecycle
services, which verify the notification's token and the webhook's signature, and answer
at once in HTTP. A notification is only queued here: NotificationConfirmFunction
(confirm.py) applies what SuperOffice's state API bears out. A bad or missing token or
signature is 401 and changes nothing; a malformed body or path is 400 with a message; an
outage of what the function needs (DynamoDB, KMS, SQS) is 503 with Retry-After, so
SuperOffice delivers again.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths

from superoffice_app.context_ids import BadContextIdentifier, parse_ctx
from superoffice_app.counters import count
from superoffice_app.http_api import HttpApiResolver, Response
from superoffice_app.idempotency import AlreadyInProgress, PayloadMismatch
from superoffice_app.lifecycle.notifications import (
    BadNotification,
    Notification,
    change_dimension,
    parse_notification,
)
from superoffice_app.lifecycle.webhooks import (
    SIGNATURE_HEADER,
    BadSignature,
    BadWebhook,
    WebhookEvent,
    header,
    raw_body,
)
from superoffice_app.outages import RETRY_AFTER_SECONDS, is_outage
from superoffice_app.tokens import TokenError
from superoffice_app.wiring.notifications import routes_cold_start

logger = Logger()
app = HttpApiResolver()
# Settings are read and checked here; the services and the idempotency stores, with
# their AWS clients, are built by the first delivery (``ROUTES`` caches them).
ROUTES = routes_cold_start()

JsonObject = dict[str, Any]


def _json(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> Response[dict[str, Any]]:
    return Response(status_code=status, content_type="application/json", body=body, headers=headers)


def _raw() -> bytes:
    event = app.current_event
    return raw_body(event.body, is_base64=event.is_base64_encoded)


def _remaining_millis() -> int:
    """The invocation's time left: a claim on a delivery may be taken over after it."""
    return app.lambda_context.get_remaining_time_in_millis()


def _receive_notification(notification: Notification) -> JsonObject:
    """Once per token (``ROUTES.notification_deliveries``): the token is the key, and
    [ContextIdentifier, ChangeType] the payload it may not be reused with. These shapes
    are what the stored keys and validation hashes are made of."""

    def receive() -> JsonObject:
        outcome = ROUTES.notifications.receive(notification)
        # Counted here, behind the deduplication and after the token verified: once per
        # notification, not per delivery, and never for a forged one.
        count(
            logger, "NotificationsReceived", ChangeType=change_dimension(notification.change_type)
        )
        return {"accepted": outcome.accepted, "reason": outcome.reason}

    return ROUTES.notification_deliveries.once(
        notification.token,
        receive,
        payload=[notification.ctx, notification.change_type],
        remaining_millis=_remaining_millis(),
    )


@app.post("/notifications/tenant-state")
def tenant_state() -> Response[dict[str, Any]]:
    try:
        raw = _raw()
        notification = parse_notification(raw)
    except (BadNotification, BadWebhook) as error:
        return _json(400, {"message": str(error)})
    try:
        result = _receive_notification(notification)
    except TokenError as error:
        logger.warning(
            "notification refused", extra={"ctx": notification.ctx, "reason": str(error)}
        )
        return _json(401, {"message": "the notification's token is not valid"})
    except PayloadMismatch:
        logger.warning("notification token reused", extra={"ctx": notification.ctx})
        return _json(409, {"message": "this token was already used for another notification"})
    except AlreadyInProgress:
        return _json(202, {"message": "this notification is being received"})
    logger.info(
        "notification",
        extra={"ctx": notification.ctx, "change_type": notification.change_type, **result},
    )
    # 202: accepted for the confirmation that follows; 200: received, nothing to do.
    return _json(202 if result["accepted"] else 200, result)


def _apply_webhook(event: WebhookEvent) -> JsonObject:
    """Once per (tenant, EventId) (``ROUTES.webhook_deliveries``; the stored key's shape)."""

    def apply() -> JsonObject:
        outcome = ROUTES.webhooks.handle(event)
        return {"queued": outcome.accepted, "reason": outcome.reason}

    return ROUTES.webhook_deliveries.once(
        [event.ctx, event.event_id], apply, remaining_millis=_remaining_millis()
    )


@app.post("/webhooks/crm/<ctx>")
def crm_webhook(ctx: str) -> Response[dict[str, Any]]:
    try:
        tenant = parse_ctx(ctx, "the URL's tenant")
        raw = _raw()
    except (BadContextIdentifier, BadWebhook) as error:
        return _json(400, {"message": str(error)})
    signature = header(app.current_event.headers, SIGNATURE_HEADER)
    try:
        event = ROUTES.webhooks.verify(tenant, raw, signature)
    except BadSignature:
        logger.warning("webhook refused: bad signature", extra={"ctx": tenant})
        return _json(401, {"message": "the signature does not match"})
    except BadWebhook as error:
        return _json(400, {"message": str(error)})
    if event.is_test:
        return _json(200, {"message": "registration test received"})
    try:
        result = _apply_webhook(event)
    except AlreadyInProgress:
        return _json(202, {"message": "this event is being handled"})
    return _json(200, result)


@app.not_found
def not_found(_: Exception) -> Response[dict[str, Any]]:
    return _json(404, {"message": "not found"})


def unexpected(error: Exception) -> Response[dict[str, Any]]:
    if is_outage(error):
        logger.warning("dependency unavailable", extra={"error_type": type(error).__name__})
        return _json(
            503,
            {"message": "temporarily unavailable; SuperOffice may deliver again"},
            {"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    logger.error("unexpected error", extra={"error_type": type(error).__name__})
    return _json(500, {"message": "internal error; SuperOffice may deliver again"})


app.exception_handler(Exception)(unexpected)


# The correlation id of every log line is API Gateway's request id (the access log's too).
@logger.inject_lambda_context(
    clear_state=True, correlation_id_path=correlation_paths.API_GATEWAY_HTTP
)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
