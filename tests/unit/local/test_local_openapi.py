"""`python -m local openapi`: the committed description is what the resolvers say now."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate

from local.cli import main
from local.openapi import (
    OPENAPI_PATH,
    OpenApiError,
    _no_network,
    build_openapi,
    check_routes,
    render,
)
from local.openapi_routes import ROUTE_DOCS
from local.runner.routes import ApiRoute


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return build_openapi()


def operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f"{method.upper()} {path}": operation
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }


def test_the_committed_file_is_what_the_generator_writes_now(document: dict[str, Any]) -> None:
    committed = OPENAPI_PATH.read_text("utf-8")
    assert committed == render(document), (
        "docs/openapi.json is out of date: run `.venv/bin/python -m local openapi`"
    )


def test_it_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    validate(document)
    assert document["openapi"] == "3.1.0"


def test_every_route_of_the_template_is_described_with_its_method(
    document: dict[str, Any],
) -> None:
    assert sorted(operations(document)) == sorted(
        [
            "GET /.well-known/jwks.json",
            "GET /api/tenants/{ctx}",
            "GET /callback",
            "POST /callback",
            "GET /install",
            "POST /notifications/tenant-state",
            "GET /panels/contact",
            "GET /signin",
            "GET /tenants/{ctx}",
            "POST /tenants/{ctx}/sync",
            "GET /tenants/{ctx}/uninstall",
            "POST /tenants/{ctx}/uninstall",
            "GET /uninstall",
            "POST /webhooks/crm/{ctx}",
        ]
    )


def test_guarded_routes_carry_their_authorizers_scheme_and_open_ones_none(
    document: dict[str, Any],
) -> None:
    described = operations(document)
    security = {key: op.get("security") for key, op in described.items()}
    cookie, bearer = [{"sessionCookie": []}], [{"bearerToken": []}]
    assert security["GET /tenants/{ctx}"] == cookie
    assert security["POST /tenants/{ctx}/sync"] == cookie
    assert security["GET /tenants/{ctx}/uninstall"] == cookie
    assert security["POST /tenants/{ctx}/uninstall"] == cookie
    assert security["GET /api/tenants/{ctx}"] == bearer
    for key in ("GET /install", "POST /callback", "POST /notifications/tenant-state"):
        assert security[key] is None, key
    schemes = document["components"]["securitySchemes"]
    assert schemes["sessionCookie"] == {
        "type": "apiKey",
        "in": "cookie",
        "name": "__Host-so_session",
        "description": schemes["sessionCookie"]["description"],
    }
    assert schemes["bearerToken"]["scheme"] == "bearer"


def test_resolver_ids_and_the_handlers_requests_are_kept(document: dict[str, Any]) -> None:
    described = operations(document)
    # From Powertools: the operation id names the handler function.
    assert described["POST /tenants/{ctx}/sync"]["operationId"].startswith("sync_switch")
    sync = described["POST /tenants/{ctx}/sync"]
    form = sync["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert set(form["properties"]) == {"csrf_token", "action"}
    ctx = next(p for p in sync["parameters"] if p["in"] == "path")
    assert ctx["schema"]["pattern"] == "^Cust[0-9]{1,12}$"
    notification = described["POST /notifications/tenant-state"]["requestBody"]["content"]
    assert notification["application/json"]["schema"]["required"] == [
        "ChangeType",
        "ContextIdentifier",
        "Token",
    ]


def test_a_template_route_no_resolver_serves_is_refused() -> None:
    routes = [
        ApiRoute("GET", "/install", "RedirectCallbackFunction", None),
        ApiRoute("DELETE", "/install", "RedirectCallbackFunction", None),
    ]
    with pytest.raises(OpenApiError) as refused:
        check_routes(routes, {"/install": {"get": {}, "post": {}}})
    message = str(refused.value)
    assert "DELETE /install: in template.yaml, not served by its function" in message
    assert "POST /install: served by a resolver, not in template.yaml" in message
    assert "DELETE /install: no entry in local/openapi_routes.py" in message


def test_every_documented_route_must_be_a_route() -> None:
    keys = [key.split(" ", 1) for key in ROUTE_DOCS if key != "GET /install"]
    routes = [ApiRoute(method, path, "F", None) for method, path in keys]
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = {}
    with pytest.raises(OpenApiError, match="GET /install: documented but not a route"):
        check_routes(routes, paths)


def test_cold_starts_run_without_network() -> None:
    with (
        _no_network("SomeFunction"),
        socket.socket() as attempt,
        pytest.raises(OpenApiError, match="tried to connect"),
    ):
        attempt.connect(("127.0.0.1", 9))
    # And the socket works again afterwards.
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", 9)) != 0


def test_the_command_writes_and_checks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "openapi.json"
    assert main(["openapi", "--check", "-o", str(target)]) == 1
    assert "out of date" in capsys.readouterr().err
    assert main(["openapi", "-o", str(target)]) == 0
    assert json.loads(target.read_text("utf-8"))["paths"]
    assert main(["openapi", "--check", "-o", str(target)]) == 0
    target.write_text(target.read_text("utf-8").replace("Cust", "cust"), "utf-8")
    assert main(["openapi", "--check", "-o", str(target)]) == 1
