"""Tenant items: user-defined fields (replace, publish, renumber), lists, panels, preferences."""

from __future__ import annotations

import pytest

from local.simulator.lists import Lists
from local.simulator.preferences import Preferences
from local.simulator.routing import BadRequest, NotFound
from local.simulator.udefs import Udefs, canonical_entity, canonical_field_type, field_template
from local.simulator.web_panels import WebPanels


def test_entity_and_field_type_names_are_case_insensitive() -> None:
    assert canonical_entity("cOnTaCt") == "Contact"
    assert canonical_field_type("checkbox") == "Checkbox"
    assert canonical_field_type(2) == "ShortText"
    with pytest.raises(NotFound):
        canonical_entity("Ticket")
    # "Text" is not SuperOffice's name (ShortText is): refused like any unknown type.
    for value in ("Text", "Blob", 0, 9, True, None):
        with pytest.raises(BadRequest):
            canonical_field_type(value)


def test_template_is_a_new_unsaved_field() -> None:
    template = field_template("Sale", "Number")
    assert template["UDefFieldId"] == 0
    assert template["ProgId"] == ""
    assert template["FieldLabel"] == ""
    assert template["FieldType"] == "Number"
    assert template["Type"] == "Sale"


def test_put_keeps_only_what_is_sent_and_publish_renumbers() -> None:
    udefs = Udefs()
    first = udefs.replace("Contact", [{"FieldLabel": "Existing", "FieldType": "ShortText"}])
    udefs.publish("Contact")
    published = udefs.fields("Contact")
    assert published[0]["ProgId"] == first[0]["ProgId"] == "SuperOffice:1"
    assert published[0]["HasBeenPublished"] is True

    template = field_template("Contact", "Number")
    template.update(FieldLabel="Score", ProgId="PartnerApp:Score")
    pending = udefs.replace("Contact", [*published, template])
    assert [f["ProgId"] for f in pending] == ["SuperOffice:1", "PartnerApp:Score"]
    assert pending[0]["UDefFieldId"] == published[0]["UDefFieldId"]
    assert pending[1]["HasBeenPublished"] is False
    assert udefs.layout("Contact").unpublished_changes

    before = {f["ProgId"]: f["UDefFieldId"] for f in udefs.fields("Contact")}
    udefs.publish("Contact")
    after = {f["ProgId"]: f["UDefFieldId"] for f in udefs.fields("Contact")}
    assert set(after) == set(before)
    assert not set(after.values()) & set(before.values())  # every id changed
    assert not udefs.layout("Contact").unpublished_changes

    # Leaving a field out of the array deletes it, as on SuperOffice.
    udefs.replace("Contact", [template])
    assert [f["ProgId"] for f in udefs.fields("Contact")] == ["PartnerApp:Score"]


@pytest.mark.parametrize(
    "body",
    [
        {"FieldLabel": "x"},
        [{"FieldLabel": "", "FieldType": "Text"}],
        [{"FieldType": "Text"}],
        [{"FieldLabel": "x", "FieldType": "Nope"}],
        [{"FieldLabel": "x", "FieldType": "Text", "ProgId": 5}],
        [{"FieldLabel": "x", "FieldType": "Text", "UDefFieldId": "1"}],
        [{"FieldLabel": "x", "FieldType": "Text"}, {"FieldLabel": "X", "FieldType": "Text"}],
        [
            {"FieldLabel": "a", "FieldType": "Text", "ProgId": "P:1"},
            {"FieldLabel": "b", "FieldType": "Text", "ProgId": "p:1"},
        ],
        ["not an object"],
    ],
)
def test_invalid_layouts_are_refused(body: object) -> None:
    udefs = Udefs()
    with pytest.raises(BadRequest):
        udefs.replace("Person", body)
    assert udefs.fields("Person") == []


def test_delete_by_prog_id_or_label() -> None:
    udefs = Udefs()
    udefs.replace(
        "Project",
        [
            {"FieldLabel": "Alpha", "FieldType": "ShortText", "ProgId": "App:A"},
            {"FieldLabel": "Beta", "FieldType": "Date", "ProgId": "App:B"},
        ],
    )
    udefs.delete("Project", "app:a")
    udefs.delete("Project", "BETA")
    assert udefs.fields("Project") == []
    with pytest.raises(NotFound):
        udefs.delete("Project", "Alpha")


def test_lists_and_items() -> None:
    lists = Lists()
    lists.add_builtin(1, "Category", ["A"])
    created = lists.create({"Name": " Ratings ", "Tooltip": "stars"})
    assert created["Id"] == 100
    assert created["Name"] == "Ratings"
    assert created["IsCustomList"] is True
    item = lists.add_item(100, {"Name": "Five"})
    assert lists.items_of(100) == [item]
    assert [d["Id"] for d in lists.all()] == [1, 100]
    with pytest.raises(BadRequest, match="built-in"):
        lists.delete(1)
    lists.delete(100)
    for call in (lambda: lists.get(100), lambda: lists.items_of(100), lambda: lists.delete(100)):
        with pytest.raises(NotFound):
            call()
    with pytest.raises(BadRequest):
        lists.create({"Tooltip": "no name"})
    with pytest.raises(BadRequest):
        lists.add_item(1, {"Name": "x", "Rank": "first"})


def test_web_panels() -> None:
    panels = WebPanels()
    created = panels.create(
        {"Name": "Dashboard", "ProgId": "App:Dash", "Url": "https://x", "VisibleIn": "ContactCard"}
    )
    assert created["WebPanelId"] == 1
    assert created["Deleted"] is False
    replaced = panels.replace(1, {**created, "Name": "Board", "WebPanelId": 99})
    assert replaced["WebPanelId"] == 1
    assert panels.get(1)["Name"] == "Board"
    assert panels.all() == [replaced]
    panels.delete(1)
    with pytest.raises(NotFound):
        panels.get(1)
    with pytest.raises(NotFound):
        panels.replace(1, created)
    with pytest.raises(BadRequest):
        panels.create({"Name": "x", "Url": 5})


def test_a_web_panel_ignores_what_superoffice_does_not_document() -> None:
    # A WebPanelEntity has no Description: SuperOffice ignores it, and so does this.
    created = WebPanels().create({"Name": "P", "Tooltip": "My App", "Description": "My App"})
    assert "Description" not in created
    assert created["Tooltip"] == "My App"


def test_preferences() -> None:
    preferences = Preferences()
    written = preferences.put("PartnerApp", "Installed", "database", "yes")
    assert written == {
        "UserPreferenceId": 1,
        "Section": "PartnerApp",
        "Key": "Installed",
        "Level": "Database",
        "Value": "yes",
    }
    again = preferences.put("partnerapp", "INSTALLED", "Database", "no")
    assert (again["Key"], again["UserPreferenceId"]) == ("Installed", 1)
    assert preferences.get("PARTNERAPP", "installed", "DATABASE")["Value"] == "no"
    # What the REST GET answers: the bare value, and "" where nothing is set.
    assert preferences.value("PartnerApp", "Installed", "Database") == "no"
    assert preferences.value("PartnerApp", "Installed", "Individual") == ""
    with pytest.raises(NotFound):
        preferences.get("PartnerApp", "Installed", "Individual")
    # Only SuperOffice's level names: an app's old "PCSpecific" is not one.
    for level in ("Galaxy", "PCSpecific", "Undefined"):
        with pytest.raises(BadRequest):
            preferences.put("PartnerApp", "Installed", level, "x")
    assert preferences.put("PartnerApp", "Installed", "pc", "x")["Level"] == "PC"
    assert [p["UserPreferenceId"] for p in preferences.all()] == [1, 2]


def test_the_preference_agent_finds_by_name_at_one_level_and_deletes_by_id() -> None:
    preferences = Preferences()
    preferences.put("PartnerApp", "Installed", "Database", "yes")
    found = preferences.by_name("partnerapp", "installed", "database")
    assert (found["Level"], found["RawValue"], found["UserPreferenceId"]) == ("Database", "yes", 1)
    assert found["Specification"] == {"Section": "PartnerApp", "Key": "Installed"}
    # Nothing set at that level: Level "Undefined" (SuperOffice's "no current setting").
    other = preferences.by_name("PartnerApp", "Installed", "SystemWide")
    assert (other["Level"], other["RawValue"], other["UserPreferenceId"]) == ("Undefined", "", 0)
    with pytest.raises(NotFound):
        preferences.delete_id(2)
    preferences.delete_id(1)
    assert preferences.all() == []
    ids = [preferences.put("A", key, "Database", "x")["UserPreferenceId"] for key in "123"]
    assert ids == [2, 3, 4]  # ids are never reused
    preferences.delete_ids([3, 99])  # ids of nothing are passed over
    assert [p["Key"] for p in preferences.all()] == ["1", "3"]
