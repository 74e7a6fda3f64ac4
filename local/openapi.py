"""`docs/openapi.json`: the HTTP API described from the routes its functions register.

Every function with `HttpApi` events in `template.yaml` is imported as Lambda would import
it (its folder and layers on the path, the template's environment) and the routes of its
`superoffice_app.http_api.HttpApiResolver` described: method, path, operation id (the
scheme Powertools used: handler function, path, method) and path parameters; the
descriptions are merged into one document and checked against the template's routes, read
exactly as the local gateway reads them (`local.runner.routes`): every route present with
its method, and no other. Routes behind a Lambda authorizer get the security scheme of
its identity source (the session cookie or a bearer token). What the handlers read by hand
(queries, forms, JSON bodies) and what they answer comes from `local.openapi_routes`.

Importing a function runs its cold start, so the import gets the template's settings for
the SOD environment (its certificate ships in the layer; the local one would need the
simulator's key), fake AWS credentials, and a socket that refuses to connect: building
the description never uses the network. The output is deterministic (sorted, no times),
so the committed file can be compared with a fresh one (`python -m local openapi --check`).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import socket
import sys
import tomllib
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Final

from local import defaults
from local.openapi_routes import CTX_PATTERN, ROUTE_DOCS, RouteDoc
from local.runner.authorizers import AuthorizerSpec, authorizers_from_template
from local.runner.routes import ApiRoute, routes_from_functions
from local.template import FunctionSpec, load_template

OPENAPI_PATH: Final = defaults.REPO_ROOT / "docs" / "openapi.json"
TITLE: Final = "SuperOffice partner-app backend: HTTP API"
SESSION_COOKIE: Final = "__Host-so_session"
# Security scheme names in the document, by the authorizer's identity source header.
SCHEMES_BY_IDENTITY: Final[Mapping[str, str]] = {
    "cookie": "sessionCookie",
    "authorization": "bearerToken",
}
SECURITY_SCHEMES: Final[Mapping[str, Mapping[str, Any]]] = {
    "sessionCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": SESSION_COOKIE,
        "description": "The app's session token, set by the sign-in (HttpOnly, Secure).",
    },
    "bearerToken": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "A SuperOffice id_token of this environment or an app session token.",
    },
}
# The settings the cold starts read; SOD's certificate ships in the layer.
IMPORT_PARAMETERS: Final[Mapping[str, str]] = {"EnvironmentName": "sod"}
FAKE_AWS: Final[Mapping[str, str]] = {
    "AWS_ACCESS_KEY_ID": "openapi-generator",
    "AWS_SECRET_ACCESS_KEY": "openapi-generator",
    "AWS_DEFAULT_REGION": defaults.LOCAL_REGION,
    "AWS_REGION": defaults.LOCAL_REGION,
    # Port 9 (discard): were anything to call AWS, it could not reach a real endpoint.
    "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
}
HTTP_METHODS: Final = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# The order of an operation's keys in the file, so that it reads top-down.
OPERATION_KEYS: Final = (
    "summary",
    "description",
    "operationId",
    "security",
    "parameters",
    "requestBody",
    "responses",
)


class OpenApiError(RuntimeError):
    """The description cannot be built, or does not match the template; the message says why."""


def build_openapi(template_path: Path = defaults.TEMPLATE_PATH) -> dict[str, Any]:
    """The HTTP API's OpenAPI 3.1 document, as `docs/openapi.json` holds it."""
    parameters = defaults.template_parameters(signing_certificate="")
    template = load_template(template_path, parameters={**parameters, **IMPORT_PARAMETERS})
    functions = template.functions()
    authorizers, default_authorizer = authorizers_from_template(template, functions)
    routes = routes_from_functions(functions, default_authorizer=default_authorizer).routes
    paths: dict[str, dict[str, Any]] = {}
    for function_id in sorted({route.function_id for route in routes}):
        described = resolver_paths(functions[function_id])
        for path, operations in described.items():
            for method, operation in operations.items():
                if method in paths.get(path, {}):
                    raise OpenApiError(f"{method.upper()} {path} is served by two functions")
                paths.setdefault(path, {})[method] = operation
    check_routes(routes, paths)
    for route in routes:
        operation = paths[route.path][route.method.lower()]
        document_operation(operation, ROUTE_DOCS[route.route_key])
        scheme = security_scheme(route, authorizers)
        if scheme is not None:
            operation["security"] = [{scheme: []}]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": _project_version(),
            "description": (
                "Generated by `python -m local openapi` from the functions' routes and "
                "template.yaml; do not edit by hand."
            ),
        },
        "servers": [
            {
                "url": "{appBaseUrl}",
                "variables": {
                    "appBaseUrl": {
                        "default": defaults.APP_BASE_URL,
                        "description": "The stack's AppBaseUrl (the local stack's by default)",
                    }
                },
            }
        ],
        "paths": {path: _sorted_methods(paths[path]) for path in sorted(paths)},
        "components": {"securitySchemes": {k: dict(v) for k, v in SECURITY_SCHEMES.items()}},
    }


def render(document: Mapping[str, Any]) -> str:
    """The document as the committed file holds it: indented JSON and a final newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def resolver_paths(function: FunctionSpec) -> dict[str, dict[str, Any]]:
    """The `paths` of the OpenAPI description of the routes `function` registers."""
    module = import_handler_module(function)
    with _on_path(list(map(str, function.layers))):
        from superoffice_app.http_api import HttpApiResolver

    resolvers = [v for v in vars(module).values() if isinstance(v, HttpApiResolver)]
    if len(resolvers) != 1:
        raise OpenApiError(
            f"{function.logical_id}: {function.handler} has {len(resolvers)} "
            "HttpApiResolver objects, not one"
        )
    paths: dict[str, dict[str, Any]] = {}
    for route in resolvers[0].routes:
        operation: dict[str, Any] = {"operationId": route.operation_id}
        if route.path_parameters:
            operation["parameters"] = [
                {"required": True, "schema": {"type": "string"}, "name": name, "in": "path"}
                for name in route.path_parameters
            ]
        paths.setdefault(route.openapi_path, {})[route.method.lower()] = operation
    return paths


def import_handler_module(function: FunctionSpec) -> Any:
    """`function`'s handler module, imported afresh with its settings and no network."""
    module_name = function.handler.rsplit(".", 1)[0]
    source = function.code_uri / f"{module_name.replace('.', '/')}.py"
    spec = importlib.util.spec_from_file_location(
        f"_openapi_{function.logical_id}_{uuid.uuid4().hex}", source
    )
    if spec is None or spec.loader is None:
        raise OpenApiError(f"{function.logical_id}: cannot import {source}")
    module = importlib.util.module_from_spec(spec)
    search_path = [str(function.code_uri), *map(str, function.layers)]
    settings = {**function.environment, **FAKE_AWS}
    with _settings(settings), _on_path(search_path), _no_network(function.logical_id):
        try:
            spec.loader.exec_module(module)
        except OpenApiError:
            raise
        except Exception as error:
            raise OpenApiError(
                f"{function.logical_id}: importing {source.name} failed: "
                f"{type(error).__name__}: {error}"
            ) from error
    return module


def check_routes(routes: list[ApiRoute], paths: Mapping[str, Mapping[str, Any]]) -> None:
    """The resolvers' operations are exactly the template's routes, and each is documented."""
    in_template = {route.route_key for route in routes}
    if any(route.method == "ANY" or not route.path for route in routes):
        raise OpenApiError("ANY and $default routes cannot be described operation by operation")
    described = {
        f"{method.upper()} {path}"
        for path, operations in paths.items()
        for method in operations
        if method in HTTP_METHODS
    }
    problems = [
        *(
            f"{key}: in template.yaml, not served by its function"
            for key in in_template - described
        ),
        *(f"{key}: served by a resolver, not in template.yaml" for key in described - in_template),
        *(f"{key}: no entry in local/openapi_routes.py" for key in in_template - set(ROUTE_DOCS)),
        *(f"{key}: documented but not a route" for key in set(ROUTE_DOCS) - in_template),
    ]
    if problems:
        raise OpenApiError(
            "the HTTP API does not match template.yaml:\n  " + "\n  ".join(sorted(problems))
        )


def security_scheme(route: ApiRoute, authorizers: Mapping[str, AuthorizerSpec]) -> str | None:
    """The scheme of the route's authorizer, from the header it takes the identity from."""
    if route.authorizer is None:
        return None
    headers = [
        source.split(".", 2)[2].lower()
        for source in authorizers[route.authorizer].identity_sources
        if source.startswith("$request.header.")
    ]
    schemes = {SCHEMES_BY_IDENTITY[h] for h in headers if h in SCHEMES_BY_IDENTITY}
    if len(schemes) != 1:
        raise OpenApiError(
            f"{route.route_key}: authorizer {route.authorizer} takes its identity from "
            f"{headers or 'no header'}; expected exactly one of Cookie or Authorization"
        )
    return schemes.pop()


def document_operation(operation: dict[str, Any], doc: RouteDoc) -> None:
    """Add what the handler reads and answers; keep the resolver's id and path parameters."""
    operation["summary"] = doc.summary
    operation["description"] = doc.description
    parameters = [dict(p) for p in operation.get("parameters") or []]
    for parameter in parameters:
        if parameter.get("in") == "path" and parameter.get("name") == "ctx":
            parameter["description"] = "the tenant's context identifier, e.g. Cust12345"
            parameter["schema"] = {"type": "string", "pattern": CTX_PATTERN}
    parameters += [dict(p) for p in (*doc.query, *doc.headers, *doc.cookies)]
    if parameters:
        operation["parameters"] = parameters
    if doc.body:
        operation["requestBody"] = {
            "required": True,
            "content": {kind: {"schema": dict(schema)} for kind, schema in doc.body.items()},
        }
    operation["responses"] = {status: dict(doc.responses[status]) for status in doc.responses}


def _sorted_methods(operations: Mapping[str, Any]) -> dict[str, Any]:
    return {method: _ordered(operations[method]) for method in HTTP_METHODS if method in operations}


def _ordered(operation: Mapping[str, Any]) -> dict[str, Any]:
    known = {key: operation[key] for key in OPERATION_KEYS if key in operation}
    return known | {key: operation[key] for key in sorted(operation) if key not in known}


def _project_version() -> str:
    with (defaults.REPO_ROOT / "pyproject.toml").open("rb") as stream:
        return str(tomllib.load(stream)["project"]["version"])


@contextlib.contextmanager
def _settings(settings: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(settings)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def _on_path(folders: list[str]) -> Iterator[None]:
    added = [folder for folder in folders if folder not in sys.path]
    sys.path[:0] = added
    try:
        yield
    finally:
        for folder in added:
            sys.path.remove(folder)


@contextlib.contextmanager
def _no_network(function_id: str) -> Iterator[None]:
    """Refuse every connection while a cold start runs: the description needs none."""

    def refuse(_socket: socket.socket, address: Any) -> Any:
        raise OpenApiError(f"{function_id}: its cold start tried to connect to {address}")

    original = socket.socket.connect, socket.socket.connect_ex
    socket.socket.connect = refuse  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = refuse  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        socket.socket.connect, socket.socket.connect_ex = original  # type: ignore[method-assign]
