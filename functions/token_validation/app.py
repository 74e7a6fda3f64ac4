"""TokenValidationFunction: the HTTP API's Lambda authorizer (payload 2.0, simple responses).

Thin by design: parse the event, ask the layer's `TokenAuthorizer`, shape the response.
It never raises (any failure is a deny), never logs a token and does not import boto3,
so its cold start stays small. Configuration is read once at cold start and a bad setting
fails the init with a message naming it.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from superoffice_app.authorizer import (
    BadAuthorizerEvent,
    Decision,
    TokenAuthorizer,
    deny,
    parse_authorizer_event,
)
from superoffice_app.authorizer_setup import build_authorizer
from superoffice_app.config import load_config

logger = Logger()
AUTHORIZER: TokenAuthorizer = build_authorizer(load_config())


def _decide(event: Any) -> tuple[Decision, str]:
    try:
        request = parse_authorizer_event(event)
    except BadAuthorizerEvent as error:
        return deny(f"bad request: {error}"), ""
    return AUTHORIZER.decide(request), request.route_key


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    try:
        decision, route_key = _decide(event)
    except Exception as error:  # noqa: BLE001 - an authorizer denies, it never fails open or raises
        # The message of an unexpected error could echo request data, so only its type is logged.
        logger.error("authorizer error, denying", extra={"error_type": type(error).__name__})
        return {"isAuthorized": False}
    identity = decision.identity
    logger.info(
        "allowed" if decision.allowed else "denied",
        extra={
            "route": route_key,
            "reason": decision.reason,
            "ctx": identity.ctx if identity else None,
            "token_kind": identity.kind if identity else None,
        },
    )
    return decision.response()
