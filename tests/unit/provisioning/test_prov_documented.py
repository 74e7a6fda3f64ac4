"""The names provisioning.json is checked against are SuperOffice's, as the contract holds them.

`superoffice_app.provisioning.documented` is a copy for the deployed layer (which has no
`local/`); these tests fail when SuperOffice's published documents, derived into
`local/simulator/contract/`, say otherwise.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from local.simulator.contract_derive import CONTRACT_DIR
from superoffice_app.provisioning import documented


def _document(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((CONTRACT_DIR / name).read_text(encoding="utf-8"))
    return loaded


def _schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = _document("rest.json")["components"]["schemas"][name]
    return schema


def _parameter(document: str, path: str, method: str, name: str) -> dict[str, Any]:
    operation = _document(document)["paths"][path][method]
    (parameter,) = [p for p in operation["parameters"] if p["name"] == name]
    return parameter


def test_web_panel_names_are_the_web_panel_entitys() -> None:
    panel = _schema("SuperOffice.CRM.Services.WebPanelEntity")
    assert set(panel["properties"]) == documented.WEB_PANEL_PROPERTIES
    assert "Description" not in documented.WEB_PANEL_PROPERTIES
    assert tuple(panel["properties"]["VisibleIn"]["enum"]) == documented.WEB_PANEL_VISIBLE_IN


def test_udef_names_are_the_user_defined_field_infos() -> None:
    field = _schema("SuperOffice.CRM.Services.UserDefinedFieldInfo")
    assert set(field["properties"]) == documented.UDEF_FIELD_PROPERTIES
    assert tuple(field["properties"]["FieldType"]["enum"]) == documented.UDEF_FIELD_TYPES
    add_field = _parameter("rest.json", "/api/v1/Contact/UdefLayout", "post", "udefFieldType")
    assert tuple(add_field["schema"]["enum"]) == documented.UDEF_FIELD_TYPES


def test_preference_levels_are_the_documented_ones() -> None:
    path = "/api/v1/Preference/{section}/{key}/{prefLevel}"
    level = _parameter("rest.json", path, "get", "prefLevel")
    assert tuple(level["schema"]["enum"]) == documented.PREFERENCE_LEVELS
    request = _document("agents.json")["components"]["schemas"][
        "SuperOffice.WebApi.v1.Carriers.PreferenceCarriers.GetPreferenceByNameRequest"
    ]
    assert tuple(request["properties"]["PrefLevel"]["enum"]) == documented.PREFERENCE_LEVELS


def test_renamed_names_are_not_documented_and_point_at_documented_ones() -> None:
    for old, new in documented.RENAMED_FIELD_TYPES.items():
        assert old not in documented.UDEF_FIELD_TYPES
        assert new in documented.UDEF_FIELD_TYPES
    for old, new in documented.RENAMED_PREFERENCE_LEVELS.items():
        assert old not in documented.PREFERENCE_LEVELS
        assert new in documented.PREFERENCE_LEVELS


@pytest.mark.parametrize(
    ("level", "canonical"),
    [
        ("Database", "Database"),
        ("database", "Database"),
        ("PC", "PC"),
        ("PCSpecific", "PC"),  # a record written before the project used SuperOffice's name
        ("pcspecific", "PC"),
        ("Galaxy", None),
        ("", None),
    ],
)
def test_canonical_preference_level(level: str, canonical: str | None) -> None:
    assert documented.canonical_preference_level(level) == canonical
