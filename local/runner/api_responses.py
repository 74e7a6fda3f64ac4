"""The HTTP response API Gateway's HTTP API makes of a function's result (payload 2.0).

A dict with `statusCode` is a full response: `headers` (and, though 2.0 documents only
`headers`, `multiValueHeaders`), `cookies` as Set-Cookie headers, `body`, base64 when
`isBase64Encoded`. Anything else valid JSON is the body of a 200 `application/json`
answer, as API Gateway guesses it. A response it cannot use is a 500.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from local.runner.http_exchange import HttpResponse

INTERNAL_SERVER_ERROR = "Internal Server Error"


class BadIntegrationResponse(ValueError):
    """The function answered something API Gateway would refuse (it answers 500)."""


def http_response_from_result(result: Any) -> HttpResponse:
    if not (isinstance(result, dict) and "statusCode" in result):
        json_body = json.dumps(result).encode("utf-8")
        return HttpResponse(200, [("Content-Type", "application/json")], json_body)
    status = result["statusCode"]
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise BadIntegrationResponse(f"statusCode {status!r} is not an HTTP status")
    headers: list[tuple[str, str]] = []
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.append((str(name), ",".join(str(value) for value in values)))
    for name, value in (result.get("headers") or {}).items():
        headers = [(key, old) for key, old in headers if key.lower() != str(name).lower()]
        headers.append((str(name), _header_text(value)))
    headers.extend(("Set-Cookie", str(cookie)) for cookie in result.get("cookies") or [])
    body = result.get("body")
    if body is None:
        payload = b""
    elif result.get("isBase64Encoded"):
        try:
            payload = base64.b64decode(str(body), validate=True)
        except binascii.Error as error:
            raise BadIntegrationResponse("isBase64Encoded but the body is not base64") from error
    else:
        payload = (body if isinstance(body, str) else json.dumps(body)).encode("utf-8")
    if not any(key.lower() == "content-type" for key, _ in headers) and payload:
        headers.append(("Content-Type", "application/json"))
    return HttpResponse(status, headers, payload)


def _header_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
