"""template.yaml's abuse limits: API throttling, tighter on the anonymous sign-in routes,
and reserved concurrency on every function the public reaches.

CloudFormation refuses a stage whose RouteSettings name a route the API does not have,
and an unthrottled route or unreserved public function is a finding waiting to happen,
so both are checked against the routes the template really defines.
"""

from __future__ import annotations

from typing import Any

import pytest

from local import defaults
from local.naming import LocalNames
from local.runner.routes import routes_from_functions
from local.template import Template, load_template

SIGN_IN_ROUTES = {
    "GET /install",
    "GET /signin",
    "GET /uninstall",
    "GET /callback",
    "POST /callback",
}


@pytest.fixture(scope="module")
def template() -> Template:
    return load_template(
        defaults.TEMPLATE_PATH,
        parameters=defaults.template_parameters(signing_certificate=""),
        names=LocalNames(),
    )


def http_api(template: Template) -> dict[str, Any]:
    (resource,) = template.resources_of_type("AWS::Serverless::HttpApi").values()
    properties: dict[str, Any] = resource["Properties"]
    return properties


def parameter(template: Template, name: str) -> dict[str, Any]:
    declared: dict[str, Any] = template.document["Parameters"][name]
    return declared


def test_every_route_is_throttled_by_parameters_with_defaults(template: Template) -> None:
    settings = http_api(template)["DefaultRouteSettings"]
    assert settings == {
        "ThrottlingRateLimit": {"Ref": "ApiThrottlingRateLimit"},
        "ThrottlingBurstLimit": {"Ref": "ApiThrottlingBurstLimit"},
    }
    rate = parameter(template, "ApiThrottlingRateLimit")
    burst = parameter(template, "ApiThrottlingBurstLimit")
    assert 0 < rate["Default"] <= burst["Default"]


def test_the_anonymous_sign_in_routes_have_a_lower_limit_of_their_own(
    template: Template,
) -> None:
    route_settings = http_api(template)["RouteSettings"]
    routes = {route.route_key for route in routes_from_functions(template.functions()).routes}
    assert set(route_settings) <= routes  # CloudFormation fails on any other key
    assert set(route_settings) == SIGN_IN_ROUTES
    for settings in route_settings.values():
        assert settings == {
            "ThrottlingRateLimit": {"Ref": "SignInThrottlingRateLimit"},
            "ThrottlingBurstLimit": {"Ref": "SignInThrottlingBurstLimit"},
        }
    sign_in = parameter(template, "SignInThrottlingRateLimit")["Default"]
    assert sign_in < parameter(template, "ApiThrottlingRateLimit")["Default"]


def test_every_function_the_public_reaches_has_reserved_concurrency(template: Template) -> None:
    functions = template.functions()
    public = {route.function_id for route in routes_from_functions(functions).routes}
    public.add("TokenValidationFunction")  # the HTTP API's authorizer
    assert public >= {"RedirectCallbackFunction", "NotificationWebhookFunction"}
    for function_id in sorted(public):
        reserved = functions[function_id].reserved_concurrency
        assert reserved is not None, function_id
        assert 1 <= reserved <= 100, (function_id, reserved)
    # The sync worker keeps its own reservation: a flood cannot take it.
    assert functions["SyncWorkerFunction"].reserved_concurrency == 5


@pytest.mark.parametrize(
    "name",
    [
        "ApiThrottlingRateLimit",
        "ApiThrottlingBurstLimit",
        "SignInThrottlingRateLimit",
        "SignInThrottlingBurstLimit",
        "RedirectCallbackConcurrency",
        "NotificationWebhookConcurrency",
        "TokenValidationConcurrency",
    ],
)
def test_limit_parameters_are_bounded_numbers_with_a_description(
    template: Template, name: str
) -> None:
    declared = parameter(template, name)
    assert declared["Type"] == "Number"
    assert declared["MinValue"] >= 1  # 0 would turn a function or route off
    assert declared["MinValue"] <= declared["Default"] <= declared["MaxValue"]
    assert declared["Description"]
