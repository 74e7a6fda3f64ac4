"""provisioning.json: the shipped file, and refusals that name the offending entry."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from prov_helpers import SPEC_DOCUMENT, WEBHOOK_DOCUMENT

from superoffice_app.provisioning.spec import (
    DEFAULT_SPEC_PATH,
    SpecError,
    load_spec,
    parse_spec,
)

BASE = "https://app.example.com"


def test_the_shipped_spec_has_what_certification_needs() -> None:
    spec = load_spec(app_base_url=BASE + "/")
    assert DEFAULT_SPEC_PATH.parent.name == "provisioning"
    assert any(udef.entity == "Contact" for udef in spec.udefs)
    assert any(len(entry.items) == 3 for entry in spec.lists)
    assert any(panel.visible_in == "ContactCard" for panel in spec.web_panels)
    assert spec.preferences
    for panel in spec.web_panels:
        assert spec.app_name in panel.tooltip
        assert panel.url.startswith(BASE + "/")
        assert "<uctx>" in panel.url
        assert "<usec>" not in panel.url.lower()
    (webhook,) = spec.webhooks
    assert webhook.target_url("Cust12345") == BASE + "/webhooks/crm/Cust12345"
    assert {event.partition(".")[0] for event in webhook.events} == {
        "contact",
        "person",
        "sale",
        "project",
    }
    assert {event.partition(".")[2] for event in webhook.events} == {
        "created",
        "changed",
        "deleted",
        "softdeleted",
    }
    # Deleted in the user interface: SuperOffice's event for contacts and persons only.
    assert {e for e in webhook.events if e.endswith(".softdeleted")} == {
        "contact.softdeleted",
        "person.softdeleted",
    }
    assert len(webhook.events) == 14


def test_spec_values() -> None:
    spec = parse_spec(SPEC_DOCUMENT, app_base_url=BASE)
    code = spec.udefs[1]
    assert (code.entity, code.prog_id, code.field_type, code.tooltip) == (
        "Contact",  # normalised from "contact"
        "TestApp:Code",
        "ShortText",
        "A code",
    )
    assert dict(code.attributes) == {"TextLength": 20}
    assert spec.lists[0].items == ("New", "Active", "Paused")
    assert spec.web_panels[0].url == f"{BASE}/panel?ctx=<uctx>&usid=<usid>"
    assert spec.preferences[0].level == "Database"


def document(path: list[str | int], value: Any) -> dict[str, Any]:
    """SPEC_DOCUMENT with the value at ``path`` replaced (or deleted for ``...``)."""
    changed = copy.deepcopy(SPEC_DOCUMENT)
    target: Any = changed
    for step in path[:-1]:
        target = target[step]
    if value is ...:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return changed


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (
            ["web_panels", 0, "url"],
            "{app_base_url}/p?s=<usec>",
            r"web_panels\[0\] \(TestApp:Panel\): url must not use <usec>",
        ),
        (["web_panels", 0, "url"], "{app_base_url}/p?s=<USEC>", "<usec>"),
        (["web_panels", 0, "url"], "{app_base_url}/p?s=%3Cusec%3E", "<usec>"),
        (["web_panels", 0, "url"], "{base}/p", "unknown placeholder"),
        (["web_panels", 0, "url"], "http://app.example.com/p", "https URL"),
        (["web_panels", 0, "url"], "javascript:alert(1)", "https URL"),
        (["web_panels", 0, "tooltip"], "A panel", "tooltip must name the app"),
        (["web_panels", 0, "tooltip"], ..., r"web_panels\[0\]: missing tooltip"),
        # Earlier versions of the file had one; SuperOffice's web panel has none.
        (
            ["web_panels", 0, "description"],
            "Test App",
            "description is not a property of a SuperOffice web panel; name the app in tooltip",
        ),
        (["web_panels", 0, "visible_in"], "Contact Card", "visible_in"),
        (["web_panels", 0, "visible_in"], "Nowhere", "not one of SuperOffice's VisibleIn"),
        (["web_panels", 0, "visible_in"], "contactcard", "not one of SuperOffice's VisibleIn"),
        (["web_panels", 0, "attributes"], {"Url": "x"}, "may not set Url"),
        (["web_panels", 0, "attributes"], {"Tooltip": "x"}, "may not set Tooltip"),
        (
            ["web_panels", 0, "attributes"],
            {"Description": "x", "WindowName": "w"},
            "attributes 'Description' are not properties SuperOffice documents",
        ),
        (
            ["user_defined_fields", 0, "entity"],
            "Invoice",
            r"user_defined_fields\[0\] \(TestApp:Score\): entity",
        ),
        (["user_defined_fields", 0, "field_type"], "Money", "field_type must be one of"),
        (["user_defined_fields", 0, "field_type"], "shorttext", "field_type must be one of"),
        (
            ["user_defined_fields", 0, "field_type"],
            "Text",
            "field_type 'Text' is not SuperOffice's name; use 'ShortText'",
        ),
        (
            ["user_defined_fields", 0, "attributes"],
            {"TextLenght": 20},
            "attributes 'TextLenght' are not properties SuperOffice documents",
        ),
        (["user_defined_fields", 0, "prog_id"], "Test App/x", "prog_id must be"),
        (["user_defined_fields", 0, "label"], "", "label must be a non-empty string"),
        (["user_defined_fields", 0, "labl"], "x", "unknown key 'labl'"),
        (["user_defined_fields", 0, "attributes"], {"ProgId": "x"}, "may not set ProgId"),
        (
            ["user_defined_fields", 1, "prog_id"],
            "TestApp:Score",
            "prog_id 'TestApp:Score' appears twice",
        ),
        (
            ["lists", 0, "items"],
            ["a", "a"],
            r"lists\[0\] \(Test App status\): item 'a' appears twice",
        ),
        (["lists", 0, "items"], "a,b", "items must be a list"),
        (["lists", 0, "items"], ["a", ""], r"items\[1\] must be a non-empty name"),
        (["lists", 0, "name"], ..., r"lists\[0\]: missing name"),
        (
            ["preferences", 0, "level"],
            "Everyone",
            r"preferences\[0\] \(TestApp/On/Everyone\): level",
        ),
        (
            ["preferences", 0, "level"],
            "PCSpecific",
            "level 'PCSpecific' is not SuperOffice's name; use 'PC'",
        ),
        (["preferences", 0, "level"], "Undefined", "level must be one of"),
        (["preferences", 0, "value"], 1, "value must be a string"),
        (["preferences", 0, "section"], "a/b", "section has characters"),
        (["app_name"], ..., "missing app_name"),
        (["lists"], {"name": "x"}, "lists must be a list"),
        (["web_panels", 0], "panel", r"web_panels\[0\] must be a JSON object"),
        (["extra"], 1, "unknown key 'extra'"),
    ],
)
def test_refusals_name_the_entry(path: list[str | int], value: Any, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        parse_spec(document(path, value), app_base_url=BASE)


def with_webhook(**changes: Any) -> dict[str, Any]:
    """SPEC_DOCUMENT with one webhook, its keys changed (or deleted for ``...``)."""
    webhook = {**WEBHOOK_DOCUMENT, **changes}
    return {
        **SPEC_DOCUMENT,
        "webhooks": [{k: v for k, v in webhook.items() if v is not ...}],
    }


def test_webhook_values() -> None:
    spec = parse_spec(with_webhook(), app_base_url=BASE + "/")
    (webhook,) = spec.webhooks
    assert webhook.name == "Test App sync"
    assert webhook.events == ("contact.created", "contact.changed", "person.deleted")
    assert webhook.target_url("Cust54321") == f"{BASE}/webhooks/crm/Cust54321"
    assert parse_spec(SPEC_DOCUMENT, app_base_url=BASE).webhooks == ()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ...}, r"webhooks\[0\]: missing name"),
        ({"name": ""}, "name must be a non-empty string"),
        ({"name": " padded "}, "must not start or end with spaces"),
        ({"events": ...}, "missing events"),
        ({"events": []}, r"webhooks\[0\] \(Test App sync\): events must be a non-empty list"),
        ({"events": "contact.created"}, "events must be a non-empty list"),
        ({"events": [1]}, r"events\[0\] must be a string"),
        ({"events": ["contact.created", "Contact.Changed"]}, r"events\[1\] 'Contact.Changed'"),
        ({"events": ["contact"]}, "must be <entity>.<action>"),
        ({"events": ["test"]}, "must be <entity>.<action>"),
        ({"events": ["contact.updated"]}, "created, changed, deleted, softdeleted"),
        ({"events": ["sale.softdeleted"]}, "softdeleted only for contact and person"),
        ({"events": ["contact.created", "contact.created"]}, "'contact.created' appears twice"),
        ({"target_url": "https://x"}, "unknown key 'target_url'"),
    ],
)
def test_webhook_refusals_name_the_entry(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(SpecError, match=message):
        parse_spec(with_webhook(**changes), app_base_url=BASE)


def test_webhook_names_are_unique() -> None:
    twice = with_webhook()
    twice["webhooks"].append(dict(WEBHOOK_DOCUMENT, events=["sale.created"]))
    with pytest.raises(SpecError, match="webhooks: name 'Test App sync' appears twice"):
        parse_spec(twice, app_base_url=BASE)
    with pytest.raises(SpecError, match="webhooks must be a list"):
        parse_spec({**SPEC_DOCUMENT, "webhooks": WEBHOOK_DOCUMENT}, app_base_url=BASE)


def test_documented_names_pass_as_they_are() -> None:
    changed = document(["preferences", 0, "level"], "PC")
    changed["web_panels"][0]["visible_in"] = "ButtonPanelTask"
    changed["web_panels"][0]["attributes"] = {"WindowName": "app", "ShowInToolBar": True}
    changed["user_defined_fields"][0]["field_type"] = "LongText"
    spec = parse_spec(changed, app_base_url=BASE)
    assert spec.preferences[0].level == "PC"
    assert spec.web_panels[0].visible_in == "ButtonPanelTask"
    assert spec.udefs[0].field_type == "LongText"


def test_http_panels_are_allowed_only_for_an_http_app_base() -> None:
    changed = document(["web_panels", 0, "url"], "http://127.0.0.1:3000/p?ctx=<uctx>")
    spec = parse_spec(changed, app_base_url="http://127.0.0.1:3000")
    assert spec.web_panels[0].url.startswith("http://")


def test_duplicate_preferences_and_panels_are_refused() -> None:
    twice = copy.deepcopy(SPEC_DOCUMENT)
    twice["preferences"].append(dict(twice["preferences"][0], value="2"))
    with pytest.raises(SpecError, match="TestApp/On/Database' appears twice"):
        parse_spec(twice, app_base_url=BASE)
    twice = copy.deepcopy(SPEC_DOCUMENT)
    twice["web_panels"].append(dict(twice["web_panels"][0], name="Other"))
    with pytest.raises(SpecError, match="TestApp:Panel' appears twice"):
        parse_spec(twice, app_base_url=BASE)


def test_bad_app_base_url() -> None:
    with pytest.raises(SpecError, match="app_base_url"):
        parse_spec(SPEC_DOCUMENT, app_base_url="app.example.com")


def test_empty_sections_are_allowed() -> None:
    spec = parse_spec({"app_name": "X"}, app_base_url=BASE)
    assert (spec.udefs, spec.lists, spec.web_panels, spec.preferences, spec.webhooks) == (
        (),
        (),
        (),
        (),
        (),
    )


def test_load_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / "provisioning.json"
    path.write_text(json.dumps(SPEC_DOCUMENT), encoding="utf-8")
    assert load_spec(path, app_base_url=BASE).app_name == "Test App"


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="cannot be read"):
        load_spec(tmp_path / "missing.json", app_base_url=BASE)
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(SpecError, match="not valid JSON"):
        load_spec(broken, app_base_url=BASE)
    duplicated = tmp_path / "dup.json"
    duplicated.write_text('{"app_name": "a", "app_name": "b"}', encoding="utf-8")
    with pytest.raises(SpecError, match="appears twice"):
        load_spec(duplicated, app_base_url=BASE)
