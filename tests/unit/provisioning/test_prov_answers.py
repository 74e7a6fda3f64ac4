"""SuperOffice's answers as documented, their allowed variants, and answers that do not fit.

- a preference's GET answers the bare value (a JSON string): a value found is never
  overwritten; "not set" comes as 404, "", null or no body;
- a preference is removed through the Preference agent, at exactly the recorded level;
- collections may come bare or in an OData envelope (`{"value": [...]}`);
- an answer that does not fit raises `UnexpectedResponse` naming the operation, the status
  and an excerpt without credentials, after recording what exists.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from prov_fake_tenant import FakeTenant
from prov_helpers import ITEM_COUNT, FakeTime, assert_matches_tenant, spec, webhook_spec

from superoffice_app.provisioning.engine import (
    MemoryRecorder,
    ProvisionedItem,
    provision,
    unprovision,
)
from superoffice_app.provisioning.steps import step_of
from superoffice_app.provisioning.webhooks import MemoryWebhookSecrets
from superoffice_app.superoffice.http import UnexpectedResponse, answer_excerpt

PREFERENCE = ("TestApp", "On", "Database")
PREFERENCE_PATH = "/v1/Preference/TestApp/On/Database"


def answer_at(path: str, response: httpx.Response, method: str = "GET") -> Any:
    """A fault: ``response`` to ``method path``, everything else as usual."""
    return lambda m, p: response if (m, p) == (method, path) else None


def run(tenant: FakeTenant, recorder: MemoryRecorder | None = None) -> MemoryRecorder:
    recorder = recorder if recorder is not None else MemoryRecorder()
    provision(spec(), tenant.tenant_api(), recorder, publish_wait=FakeTime().wait())
    return recorder


def preference_record(recorder: MemoryRecorder) -> ProvisionedItem:
    (item,) = [item for item in recorder.recorded() if item.kind == "preference"]
    return item


# -- reading a preference ---------------------------------------------------------------------


def test_a_value_an_administrator_set_is_read_as_the_bare_string_and_kept() -> None:
    tenant = FakeTenant()
    tenant.preferences[PREFERENCE] = "0"
    recorder = run(tenant)
    assert tenant.preferences[PREFERENCE] == "0"
    assert ("PUT", PREFERENCE_PATH) not in tenant.log
    assert preference_record(recorder).details["value"] == "0"


@pytest.mark.parametrize(
    "not_set",
    [
        httpx.Response(200, json=""),
        httpx.Response(200, json=None),
        httpx.Response(204),
        httpx.Response(
            404, json={"Error": True, "ErrorType": "SoNotFoundException", "ErrorMessage": "x"}
        ),
    ],
    ids=["empty-string", "null", "no-body", "404"],
)
def test_every_form_of_not_set_gets_the_apps_value(not_set: httpx.Response) -> None:
    tenant = FakeTenant()
    tenant.faults.append(answer_at(PREFERENCE_PATH, not_set))
    recorder = run(tenant)
    assert tenant.preferences[PREFERENCE] == "1"
    assert preference_record(recorder).details["value"] == "1"


@pytest.mark.parametrize(
    "body",
    [{"Section": "TestApp", "Key": "On", "Level": "Database", "Value": "0"}, 0, ["0"]],
    ids=["object", "number", "array"],
)
def test_a_preference_answer_of_another_shape_overwrites_nothing(body: Any) -> None:
    tenant = FakeTenant()
    tenant.preferences[PREFERENCE] = "0"
    tenant.faults.append(answer_at(PREFERENCE_PATH, httpx.Response(200, json=body)))
    recorder = MemoryRecorder()
    with pytest.raises(UnexpectedResponse) as raised:
        run(tenant, recorder)
    assert raised.value.operation == "v1Preference_GetPrefValueAtLevel"
    assert raised.value.status == 200
    assert raised.value.excerpt is not None
    assert str(raised.value).startswith("v1Preference_GetPrefValueAtLevel: ")
    assert tenant.preferences[PREFERENCE] == "0"
    assert ("PUT", PREFERENCE_PATH) not in tenant.log
    # What was provisioned before the preference is recorded; the rerun completes.
    assert {item.kind for item in recorder.recorded()} == {"udef", "list", "list_item", "web_panel"}
    tenant.faults.clear()
    run(tenant, recorder)
    assert len(recorder.recorded()) == ITEM_COUNT
    assert tenant.preferences[PREFERENCE] == "0"
    assert_matches_tenant(tenant, recorder.recorded())


# -- removing a preference through the Preference agent ---------------------------------------


def installed() -> tuple[FakeTenant, list[ProvisionedItem]]:
    tenant = FakeTenant()
    recorder = run(tenant)
    tenant.log.clear()
    return tenant, recorder.recorded()


def only(items: list[ProvisionedItem], kind: str) -> list[ProvisionedItem]:
    return [item for item in items if item.kind == kind]


def test_a_preference_is_found_by_name_and_deleted_by_its_id() -> None:
    tenant, items = installed()
    report = unprovision(only(items, "preference"), tenant.tenant_api())
    assert [o.result for o in report.outcomes] == ["removed"]
    assert PREFERENCE not in tenant.preferences
    assert tenant.log == [
        ("POST", "/v1/Agents/Preference/GetPreferenceByName"),
        ("POST", "/v1/Agents/Preference/DeletePreference"),
    ]
    assert ("DELETE", PREFERENCE_PATH) not in tenant.log  # REST documents no DELETE


@pytest.mark.parametrize(
    "answer",
    [
        {"Level": "Undefined", "RawValue": "", "UserPreferenceId": 0},
        {"Level": "SystemWide", "RawValue": "1", "UserPreferenceId": 7},
        None,
    ],
    ids=["not-set", "another-levels-value", "no-body"],
)
def test_no_stored_preference_at_that_level_is_already_gone(answer: Any) -> None:
    tenant, items = installed()
    response = httpx.Response(200, json=answer) if answer is not None else httpx.Response(204)
    tenant.faults.append(
        answer_at("/v1/Agents/Preference/GetPreferenceByName", response, method="POST")
    )
    report = unprovision(only(items, "preference"), tenant.tenant_api())
    assert [o.result for o in report.outcomes] == ["already_gone"]
    # Nothing was deleted: a value of another level is not the app's.
    assert ("POST", "/v1/Agents/Preference/DeletePreference") not in tenant.log


def test_a_record_with_the_old_level_name_is_removed_at_pc() -> None:
    tenant = FakeTenant()
    tenant.preferences[("TestApp", "On", "PC")] = "1"
    old = ProvisionedItem(
        kind="preference",
        key="TestApp/On/PCSpecific",
        superoffice_id=None,
        name="TestApp/On",
        details={"section": "TestApp", "key": "On", "level": "PCSpecific", "value": "1"},
    )
    report = unprovision([old], tenant.tenant_api())
    # Asked for at PC, SuperOffice's name for the level (PCSpecific would find nothing).
    assert [o.result for o in report.outcomes] == ["removed"]
    assert tenant.preferences == {}


def test_a_preference_answer_that_does_not_fit_fails_that_item_only() -> None:
    tenant, items = installed()
    wrong = {"Level": "Database", "RawValue": "1", "Specification": {"Section": "X", "Key": "Y"}}
    tenant.faults.append(
        answer_at(
            "/v1/Agents/Preference/GetPreferenceByName",
            httpx.Response(200, json={**wrong, "UserPreferenceId": 3}),
            method="POST",
        )
    )
    report = unprovision(items, tenant.tenant_api(), publish_wait=FakeTime().wait())
    results = {o.item.kind: o.result for o in report.outcomes}
    assert results.pop("preference") == "failed"
    assert set(results.values()) == {"removed"}  # the other items' calls went on
    assert report.stopped is None
    (unexpected,) = report.unexpected
    assert unexpected.operation == "v1PreferenceAgent_GetPreferenceByName"
    (failed,) = [o for o in report.outcomes if o.result == "failed"]
    assert failed.message is not None
    assert failed.message.startswith("SuperOffice answered something the app did not expect")
    assert report.as_json()["unexpected_answers"] == [
        {"operation": "v1PreferenceAgent_GetPreferenceByName", "status": 200}
    ]
    assert ("POST", "/v1/Agents/Preference/DeletePreference") not in tenant.log


# -- collections: bare or in an OData envelope ------------------------------------------------


def test_collections_in_an_odata_envelope_are_read_like_bare_arrays() -> None:
    tenant = FakeTenant()
    tenant.add_list("Test App status", ["New"])
    tenant.add_panel("TestApp:Panel")
    envelope = {"odata.metadata": "https://x/$metadata", "value": None}

    def enveloped(method: str, path: str) -> httpx.Response | None:
        collections = {
            "/v1/List": tenant.lists,
            "/v1/List/WebPanel/Items": tenant.panels,
            "/v1/Contact/UdefLayout": tenant.layouts.get("Contact", []),
        }
        if method == "GET" and path in collections:
            return httpx.Response(200, json={**envelope, "value": collections[path]})
        return None

    tenant.faults.append(enveloped)
    recorder = run(tenant)
    found = {item.key for item in recorder.recorded() if item.kind in ("list", "web_panel")}
    assert found == {"Test App status", "TestApp:Panel"}
    assert [entry["Name"] for entry in tenant.lists] == ["Test App status"]  # none added
    assert_matches_tenant(tenant, recorder.recorded())


@pytest.mark.parametrize(
    ("path", "body", "operation"),
    [
        ("/v1/List", {"value": "not a list"}, "v1ListEntity_GetListDefinitions"),
        ("/v1/List/WebPanel/Items", {"Items": []}, "v1WebPanelEntityList_GetAllWebPanelEntity"),
        ("/v1/Contact/UdefLayout", [1, 2], "v1ContactEntity_GetUdefLayout"),
        ("/v1/Contact/UdefLayout/Publish", "no", "v1ContactEntity_IsPublishUdefLayoutActive"),
    ],
)
def test_a_collection_of_another_shape_names_its_operation(
    path: str, body: Any, operation: str
) -> None:
    tenant = FakeTenant()
    tenant.faults.append(answer_at(path, httpx.Response(200, json=body)))
    with pytest.raises(UnexpectedResponse) as raised:
        run(tenant)
    assert (raised.value.operation, raised.value.status) == (operation, 200)


def test_an_answer_that_is_not_json_names_its_operation() -> None:
    tenant = FakeTenant()
    tenant.faults.append(answer_at("/v1/List", httpx.Response(200, text="<html>busy</html>")))
    with pytest.raises(UnexpectedResponse) as raised:
        run(tenant)
    assert raised.value.operation == "v1ListEntity_GetListDefinitions"
    assert raised.value.excerpt == "<html>busy</html>"


# -- excerpts never carry credentials ---------------------------------------------------------


def test_the_excerpt_of_a_webhook_answer_masks_its_secret() -> None:
    tenant = FakeTenant()
    secret = "whsec-do-not-log-0123456789"
    hook = {"WebhookId": 5, "Name": "Test App sync", "Secret": secret, "State": "Active"}
    tenant.faults.append(answer_at("/v1/Webhook", httpx.Response(200, json={"Webhooks": [hook]})))
    with pytest.raises(UnexpectedResponse) as raised:
        provision(
            webhook_spec(),
            tenant.tenant_api(),
            MemoryRecorder(),
            webhook_secrets=MemoryWebhookSecrets(),
        )
    excerpt = raised.value.excerpt or ""
    assert raised.value.operation == "v1Webhook_GetAllWebhooks"
    assert secret not in excerpt
    assert '"Secret": "***"' in excerpt
    assert secret not in str(raised.value)


@pytest.mark.parametrize(
    ("answer", "hidden"),
    [
        ({"Token": "abc.def.ghi"}, "abc.def.ghi"),
        ({"nested": [{"ApplicationToken": "app-token-x"}]}, "app-token-x"),
        ({"Ticket": "7T:dGlja2V0"}, "7T:dGlja2V0"),
        ({"Note": "use 7T:dGlja2V0LXNlY3JldA for that"}, "7T:dGlja2V0LXNlY3JldA"),
        ("Bearer 8A:Cust12345.opaque-token", "8A:Cust12345.opaque-token"),
        ({"Value": "my-app-token"}, "my-app-token"),  # a caller's secret, wherever it is
    ],
)
def test_answer_excerpts_mask_credentials(answer: Any, hidden: str) -> None:
    excerpt = answer_excerpt(answer, secrets=("my-app-token",))
    assert hidden not in excerpt
    assert "***" in excerpt


def test_answer_excerpts_are_short_and_one_line() -> None:
    excerpt = answer_excerpt({"Name": "a\nb" + "x" * 1000})
    assert len(excerpt) <= 160
    assert "\n" not in excerpt


@pytest.mark.parametrize(
    ("operation", "step"),
    [
        ("v1PersonEntity_GetUdefLayout", "reading the user-defined fields"),
        ("v1Preference_GetPrefValueAtLevel", "reading the app's preference"),
        ("v1PreferenceAgent_GetPreferenceByName", "finding the app's preference"),
        ("v1Something_New", "calling v1Something_New"),
        (None, "setting the app up in SuperOffice"),
    ],
)
def test_the_step_of_an_operation_in_words(operation: str | None, step: str) -> None:
    assert step_of(operation) == step
