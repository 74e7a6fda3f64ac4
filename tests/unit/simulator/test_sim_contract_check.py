"""The committed contract (local/simulator/contract/) and what the check makes of requests.

The contract must cover every SuperOffice route the simulator serves; requests are then
held to it: operations, query parameters, enums, bodies, archive columns and operators.
"""

from __future__ import annotations

import json
import re
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local.commands.contract import DEFAULT_REFERENCE
from local.simulator import tenant_api
from local.simulator.app import build_router
from local.simulator.context import SimulatorContext
from local.simulator.contract_archive import archive_problems
from local.simulator.contract_check import ContractChecker, default_checker
from local.simulator.contract_derive import (
    CONTRACT_DIR,
    DERIVED_FILES,
    derive,
    dumps,
    load_selection,
)
from local.simulator.contract_gate import serve_checked
from local.simulator.contract_refusals import ContractMonitor, Refusal, parse_mode
from local.simulator.contract_spec import (
    Contract,
    UndocumentedMethod,
    UndocumentedPath,
    load_contract,
)
from local.simulator.records import ENTITIES
from local.simulator.rest import RestHandler
from local.simulator.routing import PathRouter, Request, Response
from local.simulator.state import SimulatorState
from local.simulator.udefs import UDEF_ENTITIES
from local.superid_keys import load_or_create_signing_key

# The simulator's paths that are not SuperOffice's tenant API, and so in no OpenAPI
# document: its own control API and health check, and SuperOffice's login host (SuperID,
# the state API, the system-user service), which SuperOffice documents in prose only.
NOT_IN_OPENAPI = (
    "/_control/",  # the simulator's control API (tests and demos)
    "/health",  # the simulator's health check
    "/login/",  # SuperID: discovery, keys, authorize, tokens
    "/api/state/",  # the state API
    "/Login/api/PartnerSystemUser/",  # the system-user service
)
# The tenant API's catch-alls; what they serve is checked route by route below.
TENANT_API = (tenant_api.NUMBERED_PATH, tenant_api.UNNUMBERED_PATH)
# Routes the simulator serves although SuperOffice documents no such operation: none
# (the DELETE of a preference went with issue 12: the Preference agent removes one). A
# route added here must say why, and the contract check refuses it in `enforce` mode.
KNOWN_UNDOCUMENTED: set[tuple[str, str]] = set()
SAMPLE_VALUES = {
    "id": "17",
    "field": "MyPartnerApp:Score",
    "section": "MyPartnerApp",
    "key": "Installed",
    "level": "Database",
}


@pytest.fixture(scope="module")
def contract() -> Contract:
    return load_contract()


@pytest.fixture(scope="module")
def checker() -> ContractChecker:
    return default_checker()


def _rest_routes() -> list[tuple[str, str]]:
    api: PathRouter[RestHandler] = PathRouter()
    for resource in tenant_api.RESOURCES:
        resource.register(api)
    return api.routes()


def _samples(template: str) -> list[str]:
    """The template with every parameter filled in; one path per UdefLayout entity."""
    if "{entity}" in template:
        return [
            path
            for entity in UDEF_ENTITIES
            for path in _samples(template.replace("{entity}", entity))
        ]
    return [re.sub(r"\{(\w+)\}", lambda match: SAMPLE_VALUES[match.group(1)], template)]


def test_every_rest_route_of_the_simulator_is_a_documented_operation(contract: Contract) -> None:
    routes = _rest_routes()
    assert len(routes) > 20
    for method, template in routes:
        for path in _samples(template):
            if (method, template) in KNOWN_UNDOCUMENTED:
                with pytest.raises((UndocumentedPath, UndocumentedMethod)):
                    contract.find(method, "/api" + path)
                continue
            operation, _ = contract.find(method, "/api" + path)
            assert operation.method == method


def test_the_archive_routes_are_the_documented_archives(contract: Contract) -> None:
    for entity in ENTITIES:
        operation, _ = contract.find("GET", f"/api/v1/{entity.capitalize()}")
        assert operation.operation_id == f"v1{entity.capitalize()}Entity_GetAll"
    operation, parameters = contract.find("GET", "/api/v1/Archive/dynamic")
    assert (operation.operation_id, parameters) == (
        "v1Archive_GetArchive_GET",
        {"archiveProviderName": "dynamic"},
    )


def test_every_other_simulator_path_is_its_own_or_not_in_openapi(tmp_path: Path) -> None:
    context = SimulatorContext("http://127.0.0.1:1", load_or_create_signing_key(tmp_path))
    for _method, template in build_router(context).routes():
        assert template in TENANT_API or template.startswith(NOT_IN_OPENAPI), template


def test_the_contract_holds_what_the_selection_names() -> None:
    selection = load_selection()
    rest = json.loads((CONTRACT_DIR / "rest.json").read_text(encoding="utf-8"))
    agents = json.loads((CONTRACT_DIR / "agents.json").read_text(encoding="utf-8"))
    for api, document in (("rest", rest), ("agents", agents)):
        found = {
            operation["operationId"]
            for methods in document["paths"].values()
            for operation in methods.values()
        }
        assert found == set(selection["operations"][api])
    tables = json.loads((CONTRACT_DIR / "tables.json").read_text(encoding="utf-8"))
    assert set(tables["tables"]) == set(selection["tables"])


@pytest.mark.skipif(
    not DEFAULT_REFERENCE.is_dir(), reason="SuperOffice's reference is not beside the repository"
)
def test_the_committed_contract_is_what_the_reference_gives() -> None:
    contents = derive(DEFAULT_REFERENCE, load_selection())
    assert set(contents) == set(DERIVED_FILES)
    for name, content in contents.items():
        assert (CONTRACT_DIR / name).read_text(encoding="utf-8") == dumps(content), name


# -- finding the operation -----------------------------------------------------------------


def test_paths_match_without_regard_to_case_and_literals_win(contract: Contract) -> None:
    operation, _ = contract.find("get", "/API/V1/user/CURRENTPRINCIPAL")
    assert operation.operation_id == "v1User_GetCurrentPrincipal"
    # "/v1/List/{udListDefinitionId}/Items" also matches; the literal path wins.
    operation, _ = contract.find("GET", "/api/v1/List/WebPanel/Items")
    assert operation.operation_id == "v1WebPanelEntityList_GetAllWebPanelEntity"
    operation, parameters = contract.find("GET", "/api/v1/List/17/Items")
    assert (operation.operation_id, parameters) == (
        "v1ListItemEntity_GetAllFromListDefinition",
        {"udListDefinitionId": "17"},
    )
    _, parameters = contract.find("DELETE", "/api/v1/Contact/UdefLayout/My%20Field")
    assert parameters == {"progidOrLabel": "My Field"}


def test_undocumented_paths_and_methods(contract: Contract) -> None:
    with pytest.raises(UndocumentedPath):
        contract.find("GET", "/api/v1/Nothing/Here")
    with pytest.raises(UndocumentedMethod) as raised:
        contract.find("DELETE", "/api/v1/Preference/S/K/Database")
    assert raised.value.allowed == ["GET", "PUT"]


# -- requests --------------------------------------------------------------------------------


def _rules(checker: ContractChecker, method: str, path: str, **options: Any) -> list[str]:
    body = options.get("json")
    checked = checker.check_request(
        method,
        path,
        options.get("query", {}),
        json.dumps(body).encode() if body is not None else b"",
        "application/json" if body is not None else "",
    )
    return [finding.rule for finding in checked.findings]


def test_a_documented_request_passes(checker: ContractChecker) -> None:
    assert _rules(checker, "GET", "/api/v1/List", query={"includeDeleted": ["true"]}) == []
    query = {"udefFieldType": ["shorttext"]}  # enum parameters bind without regard to case
    assert _rules(checker, "POST", "/api/v1/Contact/UdefLayout", query=query) == []
    panel = {"Name": "Panel", "ProgId": "A:B", "Url": "https://x", "VisibleIn": "ContactCard"}
    assert _rules(checker, "POST", "/api/v1/List/WebPanel/Items", json=panel) == []


@pytest.mark.parametrize(
    ("method", "path", "options", "rule"),
    [
        ("GET", "/api/v1/Nothing", {}, "undocumented-path"),
        ("PATCH", "/api/v1/List", {}, "undocumented-method"),
        ("GET", "/api/v1/List", {"query": {"Bogus": ["1"]}}, "undocumented-query-parameter"),
        ("PUT", "/api/v1/Preference/S/K/Database", {}, "parameter"),
        ("GET", "/api/v1/List/abc", {}, "parameter"),
        ("PUT", "/api/v1/Preference/S/K/Galaxy", {"query": {"value": ["1"]}}, "enum"),
        ("POST", "/api/v1/Contact/UdefLayout", {"query": {"udefFieldType": ["Text"]}}, "enum"),
        ("POST", "/api/v1/List/WebPanel/Items", {"json": {"VisibleIn": "Nowhere"}}, "enum"),
        ("POST", "/api/v1/List/WebPanel/Items", {"json": {"Description": "x"}}, "unknown-property"),
        ("POST", "/api/v1/List", {"json": ["not", "an", "object"]}, "body"),
        ("GET", "/api/v1/List", {"json": {"Name": "x"}}, "body"),
        ("POST", "/api/v1/Webhook", {"json": {"Events": ["contact.renamed"]}}, "webhook-event"),
    ],
)
def test_what_the_check_refuses(
    checker: ContractChecker, method: str, path: str, options: dict[str, Any], rule: str
) -> None:
    assert _rules(checker, method, path, **options) == [rule]


def test_every_finding_of_a_request_is_listed(checker: ContractChecker) -> None:
    query = {"$select": ["contact.contact_id,contact.business"], "$top": ["all"], "x": ["1"]}
    assert _rules(checker, "GET", "/api/v1/Archive/dynamic", query=query) == [
        "undocumented-query-parameter",
        "parameter",
        "archive-column",
    ]


def test_a_refusal_names_what_is_wrong(checker: ContractChecker) -> None:
    checked = checker.check_request(
        "POST",
        "/api/v1/List/WebPanel/Items",
        {},
        json.dumps({"Name": "x", "Description": "y"}).encode(),
        "application/json; charset=utf-8",
    )
    (finding,) = checked.findings
    assert (finding.status, "'Description' was unexpected" in finding.message) == (400, True)
    checked = checker.check_request("DELETE", "/api/v1/Preference/S/K/Database", {}, b"", "")
    (finding,) = checked.findings
    assert (finding.status, finding.allowed) == (405, ("GET", "PUT"))


def test_a_refusal_never_quotes_a_secret_of_the_body(checker: ContractChecker) -> None:
    secret = "whsec-0123456789abcdef"
    body = {"Name": "Hook", "Secret": secret, "State": "Paused", "TargetUrl": 5}
    checked = checker.check_request(
        "POST", "/api/v1/Webhook", {}, json.dumps([body]).encode(), "application/json"
    )
    (finding,) = checked.findings
    assert finding.rule == "body"
    assert "<redacted>" in finding.message
    assert secret not in finding.message


# -- archive queries -------------------------------------------------------------------------


def _archive(contract: Contract, table: str, **query: str) -> list[tuple[str, str]]:
    values = {f"${name}": value for name, value in query.items()}
    return [
        (problem.rule, problem.message) for problem in archive_problems(contract, table, values)
    ]


def test_documented_columns_and_operators_pass(contract: Contract) -> None:
    assert (
        _archive(
            contract,
            "",
            select="contact.contact_id,contact.updated,contact.name,contact.orgNr",
            orderby="contact.updated desc,contact.contact_id",
            filter="(contact.updated afterTime '2026-11-01T10:00:05') or "
            "(contact.contact_id gt 17 and contact.name begins 'A''s')",
        )
        == []
    )
    # Unary, list and negated terms; operators without regard to case.
    assert (
        _archive(
            contract,
            "",
            filter="contact.registered thisWeek and not (contact.business_idx ONEOF(1,2,3))",
        )
        == []
    )
    # Entity archives: bare names are the path's table's.
    assert _archive(contract, "person", select="person_id,firstname", filter="person_id ne 3") == []


@pytest.mark.parametrize(
    ("table", "query", "rule", "words"),
    [
        ("", {"select": "contact.contact_id,contact.business"}, "archive-column", "business"),
        ("", {"select": "contact_id"}, "archive-column", "needs its table"),
        ("", {"select": "ticket.ticket_id"}, "archive-column", "not one of the contract's"),
        ("", {"orderby": "person.email"}, "archive-column", "no field 'email'"),
        ("person", {"select": "contact.name"}, "archive-column", "not a column of person"),
        ("", {"filter": "contact.updated eq '2026-11-01'"}, "archive-operator", "'eq'"),
        ("", {"filter": "contact.contact_id le 5"}, "archive-operator", "'le'"),
        ("", {"filter": "contact.name gt 'A'"}, "archive-operator", "'gt'"),
        ("", {"filter": "(contact.name begins 'A'"}, "archive-filter", ""),
        ("", {"filter": "contact.name"}, "archive-filter", "no operator"),
        ("", {"filter": "contact.name begins 'unterminated"}, "archive-filter", "cannot read"),
    ],
)
def test_what_the_archive_check_refuses(
    contract: Contract, table: str, query: dict[str, str], rule: str, words: str
) -> None:
    problems = _archive(contract, table, **query)
    assert [found for found, _ in problems] == [rule]
    assert words in problems[0][1]


# -- the monitor -------------------------------------------------------------------------------


def test_modes() -> None:
    assert [parse_mode(mode) for mode in ("off", "Report", "ENFORCE")] == [
        "off",
        "report",
        "enforce",
    ]
    with pytest.raises(ValueError, match="one of off, report, enforce"):
        parse_mode("strict")


def test_the_mode_defaults_to_enforce_or_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOCAL_SIMULATOR_CONTRACT", raising=False)
    assert ContractMonitor().mode == "enforce"
    monkeypatch.setenv("LOCAL_SIMULATOR_CONTRACT", "report")
    assert ContractMonitor().mode == "report"
    assert ContractMonitor("off").mode == "off"


def test_refusals_are_counted_logged_kept_and_appended_to_a_file(tmp_path: Path) -> None:
    lines: list[str] = []
    log_file = tmp_path / "refusals.jsonl"
    monitor = ContractMonitor("report", log=lines.append, log_file=log_file)
    refusal = Refusal(
        "enum", 400, "'Galaxy' is not one of ...", "PUT", "/api/v1/Preference/a", mode="report"
    )
    monitor.record(refusal)
    monitor.record(refusal)
    summary = monitor.to_json()
    assert (summary["total"], summary["byRule"]) == (2, {"enum": 2})
    assert summary["refusals"][0]["message"] == refusal.message
    assert lines == [refusal.log_line()] * 2
    assert "contract report: enum PUT /api/v1/Preference/a" in lines[0]
    written = [json.loads(line) for line in log_file.read_text().splitlines()]
    assert written == [refusal.to_json()] * 2
    monitor.clear()
    assert monitor.to_json()["total"] == 0


# -- the gate: answers -----------------------------------------------------------------------


def _request(method: str, path: str) -> Request:
    return Request(
        method=method,
        path="/sod2/Cust10001" + path,
        query={},
        headers=Message(),
        body=b"",
        client_address="127.0.0.1",
    )


@pytest.mark.parametrize("mode", ["report", "enforce"])
def test_an_answer_the_contract_does_not_allow_is_caught(mode: str) -> None:
    monitor = ContractMonitor(mode)
    # currentPrincipal documents no "IsAdministrator", and answers 200, not 201.
    invented = Response.json({"AssociateId": 3, "IsAdministrator": True}, status=201)
    tenant = SimulatorState().tenant("Cust10001")
    request = _request("GET", "/api/v1/User/currentPrincipal")
    answer = serve_checked(
        monitor, request, tenant, "/api/v1/User/currentPrincipal", lambda: invented
    )
    (refusal,) = monitor.refusals()
    assert (refusal.rule, refusal.operation_id) == ("response", "v1User_GetCurrentPrincipal")
    assert "status 201 is not documented (documented: 200)" in refusal.message
    if mode == "report":
        assert answer is invented
    else:
        assert answer.status == 500
        assert json.loads(answer.body)["ErrorMessage"] == refusal.message


def test_a_documented_answer_passes() -> None:
    monitor = ContractMonitor("enforce")
    fitting = Response.json({"AssociateId": 3, "Associate": "SystemUser", "FunctionRights": []})
    tenant = SimulatorState().tenant("Cust10001")
    request = _request("GET", "/api/v1/User/currentPrincipal")
    answer = serve_checked(
        monitor, request, tenant, "/api/v1/User/currentPrincipal", lambda: fitting
    )
    assert (answer, monitor.refusals()) == (fitting, [])


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]),
    path=st.sampled_from(
        [
            "/api/v1/Archive/dynamic",
            "/api/v1/Contact",
            "/api/v1/List/WebPanel/Items",
            "/api/v1/Webhook",
            "/api/v1/Preference/a/b/Database",
            "/api/v1/List/17/Items",
        ]
    )
    | _TEXT.map(lambda text: "/api/v1/" + text),
    query=st.dictionaries(
        st.sampled_from(["$select", "$filter", "$orderby", "$top", "value", "x"]) | _TEXT,
        st.lists(_TEXT, min_size=1, max_size=2),
        max_size=4,
    ),
    body=st.binary(max_size=60)
    | st.recursive(
        st.none() | st.booleans() | st.integers() | _TEXT,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
        max_leaves=8,
    ).map(lambda value: json.dumps(value).encode()),
    content_type=st.sampled_from(["", "application/json", "text/plain", "application/json; x"]),
)
def test_the_check_answers_any_request_without_failing(
    checker: ContractChecker,
    method: str,
    path: str,
    query: dict[str, list[str]],
    body: bytes,
    content_type: str,
) -> None:
    checked = checker.check_request(method, path, query, body, content_type)
    for finding in checked.findings:
        assert 400 <= finding.status < 500
        assert finding.message
    # The same bytes as an answer: judged (or, for no operation, not), never a failure.
    wrong = checker.check_response(checked, 200, body, content_type)
    if checked.operation is None:
        assert wrong is None
    elif wrong is not None:
        assert (wrong.rule, wrong.status) == ("response", 500)
