"""The HTTP API resolver: routes, the request as the routes read it, the answer's shape.

It replaced Powertools' `APIGatewayHttpResolver`, so what the functions relied on is
pinned here: path parameters take one raw segment, anything no route takes is the
not-found handler's (no 405), the most specific exception handler wins, bytes go out as
base64 and dicts as compact JSON, and no event, however malformed, raises.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from superoffice_app.http_api import (
    HttpApiResolver,
    HttpEvent,
    NextMiddleware,
    Response,
    RouteNotFound,
)
from tests.conftest import REPO, LambdaContext

LAYER = REPO / "layers" / "shared"


def event(
    method: str = "GET",
    path: str = "/",
    *,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    cookies: list[str] | None = None,
    body: str | None = None,
    is_base64: bool = False,
    stage: str = "$default",
    authorizer: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An HTTP API payload 2.0 event with the parts the resolver reads."""
    built: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": headers or {},
        "requestContext": {
            "http": {"method": method, "path": path},
            "requestId": "req-1",
            "stage": stage,
        },
        "isBase64Encoded": is_base64,
    }
    if query is not None:
        built["queryStringParameters"] = query
    if cookies is not None:
        built["cookies"] = cookies
    if body is not None:
        built["body"] = body
    if authorizer is not None:
        built["requestContext"]["authorizer"] = {"lambda": authorizer}
    return built


def text(status: int, body: str) -> Response[str]:
    return Response(status, "text/plain", body)


@pytest.fixture
def app() -> HttpApiResolver:
    """Routes shaped as the functions' are, each answering with what it was given."""
    resolver = HttpApiResolver()

    @resolver.get("/install")
    def install() -> Response[str]:
        return text(200, "install")

    @resolver.get("/tenants/<ctx>")
    def management(ctx: str) -> Response[str]:
        return text(200, f"management {ctx}")

    @resolver.get("/tenants/new")
    def new_tenant() -> Response[str]:
        return text(200, "static")

    @resolver.post("/tenants/<ctx>/sync")
    def sync_switch(ctx: str) -> Response[str]:
        return text(200, f"sync {ctx}")

    @resolver.post("/webhooks/crm/<ctx>")
    def crm_webhook(ctx: str) -> Response[str]:
        return text(200, f"webhook {ctx}")

    @resolver.not_found
    def not_found(_: Exception) -> Response[str]:
        return text(404, "not found")

    return resolver


def resolve(app: HttpApiResolver, built: object) -> dict[str, Any]:
    return app.resolve(built, LambdaContext())


# -- routing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "answer"),
    [
        ("GET", "/install", "install"),
        ("GET", "/tenants/Cust10001", "management Cust10001"),
        ("POST", "/tenants/Cust10001/sync", "sync Cust10001"),
        ("POST", "/webhooks/crm/Cust1", "webhook Cust1"),
        # A parameter is the raw segment, still percent-encoded, whatever its characters.
        ("GET", "/tenants/Cust1000%31", "management Cust1000%31"),
        ("GET", "/tenants/..", "management .."),
        ("GET", "/tenants/Cust１", "management Cust１"),
        # A route without parameters goes first, whatever the registration order.
        ("GET", "/tenants/new", "static"),
        ("get", "/install", "install"),  # the method as API Gateway would spell it
    ],
)
def test_a_route_takes_its_method_and_path(
    app: HttpApiResolver, method: str, path: str, answer: str
) -> None:
    result = resolve(app, event(method, path))
    assert (result["statusCode"], result["body"]) == (200, answer)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/install/"),  # segments match exactly
        ("GET", "/Install"),
        ("GET", "/tenants/"),  # a parameter is never empty
        ("GET", "/tenants//"),
        ("GET", "/tenants/Cust1/extra"),  # nor more than one segment
        ("POST", "/webhooks/crm/Cust1/x"),
        ("GET", "//install"),
        ("GET", "install"),  # not an absolute path
        ("GET", ""),
        ("GET", "/"),
        # Another method on a known path: not found, as Powertools answered (no 405).
        ("POST", "/install"),
        ("DELETE", "/tenants/Cust10001"),
        ("HEAD", "/install"),
        ("PROPFIND", "/install"),
        ("", "/install"),
    ],
)
def test_what_no_route_takes_is_the_not_found_handlers(
    app: HttpApiResolver, method: str, path: str
) -> None:
    result = resolve(app, event(method, path))
    assert (result["statusCode"], result["body"]) == (404, "not found")


def test_without_a_not_found_handler_the_answer_is_a_json_404() -> None:
    result = resolve(HttpApiResolver(), event("GET", "/nowhere"))
    assert result["statusCode"] == 404
    assert result["headers"] == {"Content-Type": "application/json"}
    assert json.loads(result["body"]) == {"message": "Not found"}


def test_a_named_stage_is_not_part_of_the_routes_path(app: HttpApiResolver) -> None:
    assert resolve(app, event("GET", "/prod/install", stage="prod"))["body"] == "install"
    # Behind a custom domain the stage is not in the path: nothing to take off.
    assert resolve(app, event("GET", "/install", stage="prod"))["body"] == "install"
    assert resolve(app, event("GET", "/production/install", stage="prod"))["statusCode"] == 404


@pytest.mark.parametrize(
    "path",
    ["install", "/a//b", "/a/", "/a/<b", "/a/b>", "/a/<1x>", "/a/<x>/<x>", "/a/x<y>"],
)
def test_a_malformed_route_path_is_refused_when_registered(path: str) -> None:
    with pytest.raises(ValueError, match="route path"):
        HttpApiResolver().get(path)


def test_a_route_registered_twice_is_refused() -> None:
    app = HttpApiResolver()
    app.get("/tenants/<ctx>")(lambda ctx: text(200, ctx))
    app.post("/tenants/<ctx>")(lambda ctx: text(200, ctx))  # another method: fine
    with pytest.raises(ValueError, match="already a route"):
        app.get("/tenants/<other>")(lambda other: text(200, other))


def test_routes_describe_themselves_as_the_openapi_document_names_them(
    app: HttpApiResolver,
) -> None:
    described = {
        (route.method, route.openapi_path): (route.operation_id, route.path_parameters)
        for route in app.routes
    }
    assert described[("POST", "/tenants/{ctx}/sync")] == (
        "sync_switch_tenants__ctx__sync_post",
        ("ctx",),
    )
    assert described[("GET", "/install")] == ("install_install_get", ())
    assert described[("POST", "/webhooks/crm/{ctx}")][0] == "crm_webhook_webhooks_crm__ctx__post"


# -- the request as the routes read it -------------------------------------------------------


def test_the_current_event_is_the_request_being_answered() -> None:
    app = HttpApiResolver()
    seen: list[HttpEvent] = []

    @app.post("/tenants/<ctx>/sync")
    def sync_switch(ctx: str) -> Response[str]:
        seen.append(app.current_event)
        return text(200, app.lambda_context.aws_request_id)

    context = LambdaContext(aws_request_id="lambda-1")
    built = event(
        "POST",
        "/tenants/Cust1/sync",
        headers={"Accept": "text/html", "X-SuperOffice-Signature": "s1gned", "accept": "json"},
        query={"format": "json"},
        cookies=["a=1", "__Host-so_session=tok"],
        body="YT0x",
        is_base64=True,
        authorizer={"ctx": "Cust1", "administrator": True},
    )
    assert app.resolve(built, context)["body"] == "lambda-1"
    (request,) = seen
    assert request.http_method == "POST"
    assert request.path == request.raw_path == "/tenants/Cust1/sync"
    # Case-insensitive; names that differ only in case are joined as API Gateway joins repeats.
    assert request.headers["x-superoffice-signature"] == "s1gned"
    assert request.headers.get("X-SUPEROFFICE-SIGNATURE") == "s1gned"
    assert request.headers["accept"] == "text/html,json"
    assert sorted(request.headers) == ["accept", "x-superoffice-signature"]
    # What may end up in a log line names no header value, cookie, query or body.
    assert repr(request) == "HttpEvent(POST /tenants/Cust1/sync)"
    assert "s1gned" not in repr(request.headers)
    assert request.query_string_parameters == {"format": "json"}
    assert request.get_query_string_value("format") == "json"
    assert request.get_query_string_value("ctx") is None
    assert request.cookies == ("a=1", "__Host-so_session=tok")
    assert (request.body, request.is_base64_encoded) == ("YT0x", True)
    assert request.request_id == "req-1"
    assert request.authorizer_context == {"ctx": "Cust1", "administrator": True}
    assert request.get("body") == "YT0x"
    assert request.get("nothing", "default") == "default"


def test_before_any_request_there_is_no_current_event() -> None:
    app = HttpApiResolver()
    with pytest.raises(RuntimeError):
        _ = app.current_event
    with pytest.raises(RuntimeError):
        _ = app.lambda_context


@pytest.mark.parametrize(
    ("raw", "field", "expected"),
    [
        ({"isBase64Encoded": "true"}, "is_base64_encoded", False),  # only the JSON true
        ({"isBase64Encoded": 1}, "is_base64_encoded", False),
        ({"body": 12}, "body", None),
        ({"body": {"a": 1}}, "body", None),
        ({"cookies": "a=1"}, "cookies", ()),
        ({"cookies": ["a=1", 2, None]}, "cookies", ("a=1",)),
        ({"headers": ["accept"]}, "headers", {}),
        ({"headers": {"accept": 1, "x": "y"}}, "headers", {"x": "y"}),
        (
            {"queryStringParameters": {"ctx": ["a"], "b": "c"}},
            "query_string_parameters",
            {"b": "c"},
        ),
        ({"rawPath": 7}, "path", ""),
        ({"requestContext": "x"}, "request_id", ""),
        ({"requestContext": {"requestId": 5}}, "request_id", ""),
        ({"requestContext": {"http": {"method": None}}}, "http_method", ""),
        ({"requestContext": {"authorizer": {"lambda": "admin"}}}, "authorizer_context", {}),
        ({"requestContext": {"authorizer": None}}, "authorizer_context", {}),
        ({"requestContext": {"stage": 3}, "rawPath": "/x"}, "path", "/x"),
    ],
)
def test_a_part_of_another_type_reads_as_empty(raw: object, field: str, expected: object) -> None:
    value = getattr(HttpEvent.of(raw), field)
    assert (dict(value) if field == "headers" else value) == expected


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
event_keys = st.sampled_from(
    ["rawPath", "headers", "cookies", "body", "isBase64Encoded", "queryStringParameters"]
)


@settings(max_examples=300, deadline=None)
@given(
    top=st.dictionaries(event_keys, json_values) | json_values,
    context=json_values
    | st.fixed_dictionaries(
        {"http": st.fixed_dictionaries({"method": json_values}) | json_values},
        optional={"stage": json_values, "requestId": json_values, "authorizer": json_values},
    ),
)
def test_no_event_makes_the_resolver_raise(top: Any, context: Any) -> None:
    app = HttpApiResolver()
    app.get("/install")(lambda: text(200, "install"))
    built = {**top, "requestContext": context} if isinstance(top, dict) else top
    result = resolve(app, built)
    assert result["statusCode"] in {200, 404}
    assert isinstance(result["body"], str)


# -- middlewares and exception handlers ------------------------------------------------------


class Refused(Exception):
    pass


class RefusedHarder(Refused):
    pass


def test_middlewares_run_in_order_around_every_request_with_the_route_arguments(
    app: HttpApiResolver,
) -> None:
    calls: list[str] = []

    def outer(resolver: HttpApiResolver, next_middleware: NextMiddleware) -> Response[Any]:
        calls.append(f"outer {dict(resolver.route_arguments)}")
        response = next_middleware(resolver)
        response.headers["X-Outer"] = "1"
        return response

    def inner(resolver: HttpApiResolver, next_middleware: NextMiddleware) -> Response[Any]:
        calls.append("inner")
        return next_middleware(resolver)

    app.use(middlewares=[outer, inner])
    result = resolve(app, event("GET", "/tenants/Cust7"))
    assert (result["body"], result["headers"]["X-Outer"]) == ("management Cust7", "1")
    assert calls == ["outer {'ctx': 'Cust7'}", "inner"]
    calls.clear()
    # The not-found answer goes through them too, with no arguments.
    result = resolve(app, event("GET", "/nowhere"))
    assert (result["statusCode"], result["headers"]["X-Outer"]) == (404, "1")
    assert calls == ["outer {}", "inner"]


def test_a_middleware_may_answer_instead_of_the_route(app: HttpApiResolver) -> None:
    def refuse_bad_tenants(
        resolver: HttpApiResolver, next_middleware: NextMiddleware
    ) -> Response[Any]:
        if resolver.route_arguments.get("ctx", "Cust").startswith("Cust"):
            return next_middleware(resolver)
        raise Refused

    app.use(middlewares=[refuse_bad_tenants])
    app.exception_handler(Refused)(lambda _: text(400, "bad tenant"))
    assert resolve(app, event("GET", "/tenants/evil"))["body"] == "bad tenant"
    assert resolve(app, event("GET", "/tenants/Cust1"))["body"] == "management Cust1"


def test_the_most_specific_exception_handler_answers_whatever_the_order() -> None:
    app = HttpApiResolver()
    raised: list[Exception] = []

    @app.get("/a")
    def a() -> Response[str]:
        raise raised[0]

    app.exception_handler(Exception)(lambda error: text(500, f"any {type(error).__name__}"))
    app.exception_handler(RefusedHarder)(lambda _: text(409, "harder"))
    app.exception_handler(Refused)(lambda _: text(403, "refused"))
    for error, answer in [
        (RefusedHarder(), (409, "harder")),
        (Refused(), (403, "refused")),
        (KeyError("x"), (500, "any KeyError")),
    ]:
        raised[:] = [error]
        result = resolve(app, event("GET", "/a"))
        assert (result["statusCode"], result["body"]) == answer


def test_an_exception_no_handler_takes_propagates() -> None:
    app = HttpApiResolver()
    app.exception_handler(Refused)(lambda _: text(403, "refused"))

    @app.get("/a")
    def a() -> Response[str]:
        raise KeyError("x")

    with pytest.raises(KeyError):
        resolve(app, event("GET", "/a"))


def test_an_exception_of_the_not_found_handler_goes_to_the_handlers() -> None:
    app = HttpApiResolver()

    @app.not_found
    def not_found(error: RouteNotFound) -> Response[str]:
        raise Refused from error

    app.exception_handler(Refused)(lambda _: text(403, "refused"))
    assert resolve(app, event("GET", "/nowhere"))["statusCode"] == 403


# -- the answer ------------------------------------------------------------------------------


def test_a_text_answer_keeps_its_body_headers_and_cookies() -> None:
    response = Response(
        303,
        "text/html; charset=utf-8",
        "<p>",
        headers={"Location": "/x"},
        cookies=["a=1; Path=/", "b=; Path=/; Max-Age=0"],
    )
    assert response.to_http_api() == {
        "statusCode": 303,
        "headers": {"Location": "/x", "Content-Type": "text/html; charset=utf-8"},
        "cookies": ["a=1; Path=/", "b=; Path=/; Max-Age=0"],
        "body": "<p>",
        "isBase64Encoded": False,
    }


def test_a_content_type_header_wins_over_content_type() -> None:
    response = Response(200, "application/json", "{}", headers={"Content-Type": "text/plain"})
    assert response.headers == {"Content-Type": "text/plain"}


def test_bytes_go_out_as_base64() -> None:
    answer = Response(200, "image/png", b"\x89PNG\xff\x00").to_http_api()
    assert answer["isBase64Encoded"] is True
    assert base64.b64decode(answer["body"]) == b"\x89PNG\xff\x00"


def test_a_dict_goes_out_as_compact_json() -> None:
    answer = Response(202, "application/json", {"accepted": True, "reason": None}).to_http_api()
    assert answer["body"] == '{"accepted":true,"reason":null}'
    assert answer["isBase64Encoded"] is False


def test_no_body_is_an_empty_one() -> None:
    answer = Response(204).to_http_api()
    assert (answer["body"], answer["headers"], answer["cookies"]) == ("", {}, [])


def test_changing_an_answer_does_not_change_what_built_it() -> None:
    headers = {"Cache-Control": "no-store"}
    response = Response(200, body="x", headers=headers)
    response.headers["Cache-Control"] = "public"
    answer = response.to_http_api()
    answer["headers"]["X"] = "y"
    assert headers == {"Cache-Control": "no-store"}
    assert response.headers == {"Cache-Control": "public"}


# -- what it costs at init -------------------------------------------------------------------


def test_importing_it_loads_no_event_loop_no_tls_and_nothing_outside_the_stdlib() -> None:
    # The reason it exists: Powertools' event handler loads asyncio, ssl and socket.
    probe = (
        "import sys; before = set(sys.modules)\n"
        "import superoffice_app.http_api, superoffice_app.set_cookies\n"
        "print(' '.join(sorted(set(sys.modules) - before)))"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(LAYER)!r})\n{probe}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    loaded = set(done.stdout.split())
    assert {"superoffice_app.http_api", "superoffice_app.set_cookies"} <= loaded
    assert not loaded & {"asyncio", "ssl", "socket", "aws_lambda_powertools"}
    outside = {
        name
        for name in loaded
        if name.split(".")[0] not in sys.stdlib_module_names
        and name.split(".")[0] != "superoffice_app"
    }
    assert outside == set()
