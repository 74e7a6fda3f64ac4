"""TokenValidationFunction: the HTTP API's Lambda authorizer (payload 2.0, simple responses).

Thin by design: parse the event, ask the layer's `TokenAuthorizer`, shape the response.
It never raises (any failure is a deny), never logs a token and does not import boto3,
so its cold start stays small. Configuration is read once at cold start and a bad setting
fails the init with a message naming it.

It logs with the standard `logging` module, not Powertools' Logger, whose import alone
costs more than the rest of this cold start: the template gives this function Lambda's
JSON log format (`LoggingConfig`), so the runtime writes each record as one JSON line
with its `extra` fields, at the level `ApplicationLogLevel` sets on the root logger.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

from superoffice_app.authorizer import (
    BadAuthorizerEvent,
    Decision,
    TokenAuthorizer,
    deny,
    parse_authorizer_event,
)
from superoffice_app.wiring.authorizer import cold_start

if TYPE_CHECKING:  # for the annotations only: nothing more to import at cold start
    from aws_lambda_powertools.utilities.typing import LambdaContext

# Named after the service, as Powertools' `service` key was: the JSON line's `logger`.
logger = logging.getLogger(os.environ.get("POWERTOOLS_SERVICE_NAME") or "token-validation")
AUTHORIZER: TokenAuthorizer = cold_start()


def _decide(event: object) -> tuple[Decision, str]:
    try:
        request = parse_authorizer_event(event)
    except BadAuthorizerEvent as error:
        return deny(f"bad request: {error}"), ""
    return AUTHORIZER.decide(request), request.route_key


def lambda_handler(event: object, context: LambdaContext) -> dict[str, Any]:
    try:
        decision, route_key = _decide(event)
    except Exception as error:  # an authorizer denies; it never fails open or raises
        # The message of an unexpected error could echo request data, so only its type is logged.
        logger.error(
            "authorizer error, denying",
            extra={**_context_fields(event, context), "error_type": type(error).__name__},
        )
        return {"isAuthorized": False}
    # Denials are the security events and are always logged; allowed requests are logged
    # at DEBUG only, because API Gateway's access log already records them and a log line
    # costs more than the decision itself (bench/results/token_validation.md).
    if not decision.allowed or logger.isEnabledFor(logging.DEBUG):
        identity = decision.identity
        details = {
            **_context_fields(event, context),
            "route": route_key,
            "reason": decision.reason,
            "ctx": identity.ctx if identity else None,
            "token_kind": identity.kind if identity else None,
        }
        if decision.allowed:
            logger.debug("allowed", extra=details)
        else:
            logger.info("denied", extra=details)
    return decision.response()


def _context_fields(event: object, context: LambdaContext) -> dict[str, Any]:
    """The Lambda context's keys on a log line, as Powertools' `inject_lambda_context` added,
    and the request's `correlation_id`, as the Powertools-Logger functions log it.

    Built only when a line is written: the (unlogged) allowed path pays nothing for them.
    """
    return {
        "correlation_id": _request_id(event),
        "function_name": getattr(context, "function_name", None),
        "function_request_id": getattr(context, "aws_request_id", None),
    }


def _request_id(event: object) -> str | None:
    """API Gateway's id of the request being authorized: the id the app's error pages show
    and the access log records, so a denial is found by it. Read defensively: this runs on
    the error path too, where the event may be anything."""
    request_context = event.get("requestContext") if isinstance(event, dict) else None
    request_id = request_context.get("requestId") if isinstance(request_context, dict) else None
    return request_id if isinstance(request_id, str) else None
