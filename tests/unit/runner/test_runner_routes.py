"""Routing of the template's HttpApi events: path parameters, methods, specificity, 404."""

from __future__ import annotations

import pytest

from local.runner.routes import ApiRoute, RouteTable, routes_from_functions
from local.tables import load_local_template


def table(*routes: tuple[str, str]) -> RouteTable:
    return RouteTable(
        ApiRoute(method, path, f"F{i}", None) for i, (method, path) in enumerate(routes)
    )


def test_path_parameters_are_extracted_and_decoded() -> None:
    match = table(("GET", "/tenants/{ctx}")).match("GET", "/tenants/Cust%2010001")
    assert match is not None
    assert match.route.route_key == "GET /tenants/{ctx}"
    assert match.path_parameters == {"ctx": "Cust 10001"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/tenants/Cust10001"),  # wrong method
        ("GET", "/tenants"),  # too short
        ("GET", "/tenants/"),  # empty parameter
        ("GET", "/tenants/Cust10001/extra"),  # too long
        ("GET", "/install/"),  # trailing slash is another path
        ("HEAD", "/install"),  # HTTP APIs do not map HEAD to GET
        ("get", "/install"),  # methods are case-sensitive (issue 11's fuzz run)
    ],
)
def test_no_match_is_none(method: str, path: str) -> None:
    assert table(("GET", "/tenants/{ctx}"), ("GET", "/install")).match(method, path) is None


def test_literal_beats_parameter_and_exact_method_beats_any() -> None:
    routes = table(
        ("ANY", "/tenants/{ctx}"),
        ("GET", "/tenants/{ctx}"),
        ("GET", "/tenants/special"),
        ("GET", "/{proxy+}"),
    )
    assert routes.match("GET", "/tenants/special").route.path == "/tenants/special"  # type: ignore[union-attr]
    assert routes.match("GET", "/tenants/x").route.method == "GET"  # type: ignore[union-attr]
    assert routes.match("DELETE", "/tenants/x").route.method == "ANY"  # type: ignore[union-attr]
    greedy = routes.match("GET", "/a/b/c")
    assert greedy is not None
    assert greedy.path_parameters == {"proxy": "a/b/c"}


def test_default_route_catches_the_rest() -> None:
    routes = RouteTable([ApiRoute("ANY", "", "Fallback", None), ApiRoute("GET", "/x", "X", None)])
    assert routes.match("GET", "/x").route.function_id == "X"  # type: ignore[union-attr]
    fallback = routes.match("PUT", "/anything")
    assert fallback is not None
    assert fallback.route.route_key == "$default"


def test_duplicate_routes_are_refused() -> None:
    with pytest.raises(ValueError, match="GET /x"):
        table(("GET", "/x"), ("GET", "/x"))


def test_routes_of_template_yaml() -> None:
    functions = load_local_template().functions()
    routes = routes_from_functions(functions)
    keys = {route.route_key: route for route in routes.routes}
    assert keys["GET /install"].function_id == "RedirectCallbackFunction"
    assert keys["GET /install"].authorizer is None
    assert keys["POST /callback"].authorizer is None
    assert keys["GET /tenants/{ctx}"].authorizer == "SessionCookieAuthorizer"
    assert keys["GET /api/tenants/{ctx}"].authorizer == "BearerTokenAuthorizer"
    assert keys["GET /install"].integration_timeout_ms == 30_000
    assert not any(route.function_id == "TokenValidationFunction" for route in routes.routes)
