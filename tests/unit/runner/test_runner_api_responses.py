"""Function results turned into HTTP responses as API Gateway (payload 2.0) does."""

from __future__ import annotations

import base64

import pytest

from local.runner.api_responses import BadIntegrationResponse, http_response_from_result


def test_full_response_with_cookies_and_headers() -> None:
    response = http_response_from_result(
        {
            "statusCode": 303,
            "headers": {"Location": "/tenants/Cust10001", "X-Flag": True},
            "multiValueHeaders": {"X-Multi": ["a", "b"]},
            "cookies": ["a=1; Path=/", "b=2; Secure"],
            "body": "",
        }
    )
    assert response.status == 303
    assert ("Location", "/tenants/Cust10001") in response.headers
    assert ("X-Flag", "true") in response.headers
    assert ("X-Multi", "a,b") in response.headers
    assert [v for k, v in response.headers if k == "Set-Cookie"] == ["a=1; Path=/", "b=2; Secure"]
    assert response.body == b""


def test_base64_body_is_decoded() -> None:
    response = http_response_from_result(
        {
            "statusCode": 200,
            "headers": {"Content-Type": "image/png"},
            "body": base64.b64encode(b"\x89PNG").decode(),
            "isBase64Encoded": True,
        }
    )
    assert response.body == b"\x89PNG"


@pytest.mark.parametrize("result", [{"hello": "world"}, "text", 42, None, [1, 2]])
def test_anything_without_status_code_is_a_json_body(result: object) -> None:
    import json

    response = http_response_from_result(result)
    assert response.status == 200
    assert ("Content-Type", "application/json") in response.headers
    assert json.loads(response.body) == result


@pytest.mark.parametrize(
    "result",
    [
        {"statusCode": "200"},
        {"statusCode": 99},
        {"statusCode": True},
        {"statusCode": 200, "body": "***", "isBase64Encoded": True},
    ],
)
def test_unusable_responses(result: object) -> None:
    with pytest.raises(BadIntegrationResponse):
        http_response_from_result(result)
