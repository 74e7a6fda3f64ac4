"""The simulator's router and the documents of its SuperID area."""

from __future__ import annotations

from email.message import Message

import pytest

from local.id_tokens import SUPEROFFICE_CLAIMS, claim
from local.simulator import superid
from local.simulator.routing import (
    Handler,
    MethodNotAllowed,
    Request,
    Response,
    RouteNotFound,
    Router,
)
from superoffice_app import environments


def respond(text: str) -> Handler:
    def handler(request: Request) -> Response:
        return Response.json({"handler": text, "parameters": dict(request.path_parameters)})

    return handler


def test_templates_match_segments_case_insensitively() -> None:
    router = Router()
    router.add("GET", "/{ctx}/api/v1/Contact/{id}", respond("contact"))
    handler, parameters = router.match("GET", "/Cust1/API/v1/contact/42")
    assert handler is not None
    assert parameters == {"ctx": "Cust1", "id": "42"}
    with pytest.raises(RouteNotFound):
        router.match("GET", "/Cust1/api/v1/Contact/42/extra")
    with pytest.raises(RouteNotFound):
        router.match("GET", "/Cust1/api/v1/Contact/")


def test_parameters_are_url_decoded_and_dots_are_literal() -> None:
    router = Router()
    router.add("GET", "/login/.well-known/jwks", respond("jwks"))
    router.add("POST", "/x/{name}", respond("x"))
    router.match("GET", "/login/.well-known/jwks")
    with pytest.raises(RouteNotFound):
        router.match("GET", "/login/x-well-known/jwks")
    assert router.match("POST", "/x/a%20b")[1] == {"name": "a b"}


def test_wrong_method_lists_the_allowed_ones() -> None:
    router = Router()
    router.add("GET", "/health", respond("get"))
    router.add("PUT", "/health", respond("put"))
    with pytest.raises(MethodNotAllowed) as error:
        router.match("DELETE", "/health")
    assert error.value.allowed == ["GET", "PUT"]


def test_json_response_and_request_helpers() -> None:
    response = Response.json({"a": 1}, status=201, headers={"X-Test": "1"})
    assert response.status == 201
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["X-Test"] == "1"
    headers = Message()
    headers["Content-Type"] = "application/json"
    request = Request("POST", "/", {}, headers, b'{"b": 2}', "127.0.0.1")
    assert request.json() == {"b": 2}
    assert request.header("content-type") == "application/json"


def test_superid_paths_are_the_shared_layers() -> None:
    assert superid.DISCOVERY_PATH == environments.DISCOVERY_PATH
    assert superid.AUTHORIZE_PATH == environments.AUTHORIZE_PATH
    assert superid.TOKEN_PATH == environments.TOKEN_PATH
    assert superid.JWKS_PATH == environments.JWKS_PATH


def test_discovery_document_matches_the_local_environment() -> None:
    base = "http://127.0.0.1:3001"
    document = superid.discovery_document(base)
    environment = environments.known_environment("local", local_base_url=base)
    assert document["issuer"] == environment.issuer
    assert document["authorization_endpoint"] == environment.authorize_url
    assert document["token_endpoint"] == environment.token_url
    assert document["jwks_uri"] == environment.jwks_url
    assert document["id_token_signing_alg_values_supported"] == ["RS256"]
    assert document["scopes_supported"] == ["openid"]
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["response_modes_supported"] == ["query", "form_post"]
    assert document["token_endpoint_auth_methods_supported"] == ["client_secret_post"]
    assert "code" in document["response_types_supported"]
    assert {claim(name) for name in SUPEROFFICE_CLAIMS} <= set(document["claims_supported"])
