"""TokenValidationFunction: the HTTP API's Lambda authorizer (payload 2.0, simple responses).

Thin by design: parse the event, ask the layer's `TokenAuthorizer`, shape the response.
It never raises (any failure is a deny), never logs a token and does not import boto3,
so its cold start stays small. Configuration is read once at cold start and a bad setting
fails the init with a message naming it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

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

logger = Logger()
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
        _log_context(context)
        # The message of an unexpected error could echo request data, so only its type is logged.
        logger.error("authorizer error, denying", extra={"error_type": type(error).__name__})
        return {"isAuthorized": False}
    # Denials are the security events and are always logged; allowed requests are logged
    # at DEBUG only, because API Gateway's access log already records them and a log line
    # costs more than the decision itself (bench/results/token_validation.md).
    if not decision.allowed or logger.log_level <= logging.DEBUG:
        _log_context(context)
        identity = decision.identity
        details = {
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


def _log_context(context: LambdaContext) -> None:
    """Lambda context keys on the log line, as `inject_lambda_context` would add them.

    Done only when a line is written: the decorator's per-call cost is paid for nothing
    on the (unlogged) allowed path.
    """
    logger.append_keys(
        function_name=getattr(context, "function_name", None),
        function_request_id=getattr(context, "aws_request_id", None),
    )
