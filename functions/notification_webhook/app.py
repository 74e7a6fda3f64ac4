"""NotificationWebhookFunction: SuperOffice's customer-state-change notifications and CRM
record webhooks.

Thin: verify, deduplicate (Powertools idempotency with explicit key fields and a stable
key prefix), hand to the layer's lifecycle services, answer at once. A notification is
only queued here: NotificationConfirmFunction (confirm.py) applies what SuperOffice's
state API bears out. A bad or missing token or signature is 401 and changes nothing; a
malformed body or path is 400 with a message; an outage of what the function needs
(DynamoDB, KMS, SQS) is 503 with Retry-After, so SuperOffice delivers again.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.utilities.idempotency import idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)

from superoffice_app.context_ids import BadContextIdentifier, parse_ctx
from superoffice_app.lifecycle.notifications import BadNotification, parse_notification
from superoffice_app.lifecycle.webhooks import (
    SIGNATURE_HEADER,
    BadWebhook,
    header,
    parse_event,
    raw_body,
    signature_matches,
)
from superoffice_app.outages import RETRY_AFTER_SECONDS, is_outage
from superoffice_app.tokens import TokenError
from superoffice_app.wiring.notifications import routes_cold_start

logger = Logger()
app = APIGatewayHttpResolver()
ROUTES = routes_cold_start()
NOTIFICATIONS = ROUTES.notifications
WEBHOOKS = ROUTES.webhooks

NOTIFICATION_IDEMPOTENCY = ROUTES.notification_idempotency
WEBHOOK_IDEMPOTENCY = ROUTES.webhook_idempotency


def _json(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> Response[dict[str, Any]]:
    return Response(status_code=status, content_type="application/json", body=body, headers=headers)


def _raw() -> bytes:
    event = app.current_event
    return raw_body(event.get("body"), is_base64=bool(event.get("isBase64Encoded")))


@idempotent_function(
    data_keyword_argument="body",
    # One persistence layer per idempotent function (Powertools configures a layer once).
    persistence_store=ROUTES.persistence(),
    config=NOTIFICATION_IDEMPOTENCY,
    key_prefix="superoffice-app.tenant-state",
)
def _receive_notification(body: dict[str, Any], raw: bytes) -> dict[str, Any]:
    outcome = NOTIFICATIONS.receive(parse_notification(raw))
    return {"accepted": outcome.accepted, "reason": outcome.reason}


@app.post("/notifications/tenant-state")
def tenant_state() -> Response[dict[str, Any]]:
    try:
        raw = _raw()
        notification = parse_notification(raw)
    except (BadNotification, BadWebhook) as error:
        return _json(400, {"message": str(error)})
    NOTIFICATION_IDEMPOTENCY.register_lambda_context(app.lambda_context)
    try:
        result = _receive_notification(
            body={
                "ContextIdentifier": notification.ctx,
                "ChangeType": notification.change_type,
                "Token": notification.token,
            },
            raw=raw,
        )
    except TokenError as error:
        logger.warning(
            "notification refused", extra={"ctx": notification.ctx, "reason": str(error)}
        )
        return _json(401, {"message": "the notification's token is not valid"})
    except IdempotencyValidationError:
        logger.warning("notification token reused", extra={"ctx": notification.ctx})
        return _json(409, {"message": "this token was already used for another notification"})
    except IdempotencyAlreadyInProgressError:
        return _json(202, {"message": "this notification is being received"})
    logger.info(
        "notification",
        extra={"ctx": notification.ctx, "change_type": notification.change_type, **result},
    )
    # 202: accepted for the confirmation that follows; 200: received, nothing to do.
    return _json(202 if result["accepted"] else 200, result)


@idempotent_function(
    data_keyword_argument="key",
    persistence_store=ROUTES.persistence(),
    config=WEBHOOK_IDEMPOTENCY,
    key_prefix="superoffice-app.crm-webhook",
)
def _apply_webhook(key: dict[str, Any], raw: bytes) -> dict[str, Any]:
    outcome = WEBHOOKS.handle(parse_event(raw, path_ctx=key["ctx"]))
    return {"queued": outcome.accepted, "reason": outcome.reason}


@app.post("/webhooks/crm/<ctx>")
def crm_webhook(ctx: str) -> Response[dict[str, Any]]:
    try:
        tenant = parse_ctx(ctx, "the URL's tenant")
        raw = _raw()
    except (BadContextIdentifier, BadWebhook) as error:
        return _json(400, {"message": str(error)})
    signature = header(app.current_event.headers, SIGNATURE_HEADER)
    if not signature_matches(raw, signature, WEBHOOKS.secrets(tenant)):
        logger.warning("webhook refused: bad signature", extra={"ctx": tenant})
        return _json(401, {"message": "the signature does not match"})
    try:
        event = parse_event(raw, path_ctx=tenant)
    except BadWebhook as error:
        return _json(400, {"message": str(error)})
    if event.is_test:
        return _json(200, {"message": "registration test received"})
    WEBHOOK_IDEMPOTENCY.register_lambda_context(app.lambda_context)
    try:
        result = _apply_webhook(key={"ctx": tenant, "EventId": event.event_id}, raw=raw)
    except IdempotencyAlreadyInProgressError:
        return _json(202, {"message": "this event is being handled"})
    return _json(200, result)


@app.not_found
def not_found(_: Exception) -> Response[dict[str, Any]]:
    return _json(404, {"message": "not found"})


@app.exception_handler(Exception)
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


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
