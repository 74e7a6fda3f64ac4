"""Reading request bodies strictly: anything malformed is a BadRequest, never a traceback."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from local.simulator.routing import BadRequest, Request

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def json_body(request: Request) -> Any:
    """The body as JSON (an empty body is an error: every JSON call here needs one)."""
    if not request.body.strip():
        raise BadRequest("the request needs a JSON body")
    try:
        return json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadRequest(f"the body is not valid JSON: {error}") from None


def json_object(request: Request, *, required: bool = True) -> dict[str, Any]:
    """The body as a JSON object; `{}` for an empty body unless `required`."""
    if not required and not request.body.strip():
        return {}
    value = json_body(request)
    if not isinstance(value, dict):
        raise BadRequest("the body must be a JSON object")
    return value


def form_body(request: Request) -> dict[str, str]:
    """A form-encoded body as single values; repeated fields are refused as ambiguous."""
    content_type = (request.header("Content-Type") or "").split(";")[0].strip().lower()
    if content_type != FORM_CONTENT_TYPE:
        raise BadRequest(f"the body must be {FORM_CONTENT_TYPE}")
    try:
        pairs = parse_qsl(
            request.body.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=True,
            errors="strict",
        )
    except ValueError as error:
        raise BadRequest(f"the form is malformed: {error}") from None
    return single_values(pairs)


def query_values(request: Request) -> dict[str, str]:
    """The query string as single values (OAuth parameters must not repeat)."""
    return single_values(
        (name, value) for name, values in request.query.items() for value in values
    )


def single_values(pairs: Any) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, value in pairs:
        if name in values:
            raise BadRequest(f"the parameter {name!r} appears more than once")
        values[name] = value
    return values
