"""User-defined fields of one tenant: the admin layout per entity, publishing, renumbering.

As in SuperOffice, `PUT .../UdefLayout` replaces the entity's whole layout: a field left out
of the array is deleted. Changes are unpublished until `POST .../UdefLayout/Publish`, and
publishing gives every field a new `UDefFieldId` (SuperOffice writes a new version of each
field), so apps must identify fields by `ProgId` or label, never by id.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Final

from local.simulator.routing import BadRequest, NotFound

UDEF_ENTITIES: Final = ("Contact", "Person", "Project", "Sale", "Appointment", "Document")
# SuperOffice's UDefFieldType names (the published enum), in the order of their numeric
# values 1..8.
FIELD_TYPES: Final = (
    "Number",
    "ShortText",
    "LongText",
    "Date",
    "UnlimitedDate",
    "Checkbox",
    "List",
    "Decimal",
)
_TEXT_LENGTH: Final = {"ShortText": 40, "LongText": 2000}


def canonical_entity(name: str) -> str:
    """The entity's canonical name (paths are case-insensitive); NotFound otherwise."""
    for entity in UDEF_ENTITIES:
        if entity.lower() == name.lower():
            return entity
    raise NotFound(f"{name!r} has no user-defined fields (one of {', '.join(UDEF_ENTITIES)})")


def canonical_field_type(value: object) -> str:
    """A field type by name (any case) or by its number; BadRequest otherwise."""
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= len(FIELD_TYPES):
        return FIELD_TYPES[value - 1]
    if isinstance(value, str):
        for name in FIELD_TYPES:
            if name.lower() == value.strip().lower():
                return name
    raise BadRequest(f"unknown field type {value!r} (one of {', '.join(FIELD_TYPES)})")


def field_template(entity: str, field_type: str) -> dict[str, Any]:
    """What `POST .../UdefLayout?udefFieldType=...` answers: a new, unsaved field."""
    return {
        "UDefFieldId": 0,
        "ColumnId": 0,
        "FieldDefault": "",
        "FieldHeight": 0,
        "FieldLabel": "",
        "FieldLeft": 0,
        "FieldTop": 0,
        "FieldType": field_type,
        "FieldWidth": 0,
        "FormatMask": "",
        "HideLabel": False,
        "IsIndexed": False,
        "LabelHeight": 0,
        "LabelLeft": 0,
        "LabelTop": 0,
        "LabelWidth": 0,
        "LastVersionId": 0,
        "ListTableId": 0,
        "IsMandatory": False,
        "Type": entity,
        "Page1LineNo": 0,
        "ProgId": "",
        "IsReadOnly": False,
        "ShortLabel": "",
        "TabOrder": 0,
        "TextLength": _TEXT_LENGTH.get(field_type, 0),
        "Tooltip": "",
        "UdefIdentity": 0,
        "UDListDefinitionId": 0,
        "Justification": "Default",
        "Version": 0,
        "TemplateVariableName": "",
        "HasBeenPublished": False,
        "MdoListName": "",
    }


@dataclass
class UdefLayout:
    """One entity's fields: the admin layout being edited and what was last published."""

    fields: list[dict[str, Any]] = field(default_factory=list)
    published: list[dict[str, Any]] = field(default_factory=list)
    unpublished_changes: bool = False


@dataclass
class Udefs:
    layouts: dict[str, UdefLayout] = field(default_factory=dict)
    next_field_id: int = 1
    next_prog_number: int = 1

    def layout(self, entity: str) -> UdefLayout:
        return self.layouts.setdefault(entity, UdefLayout())

    def fields(self, entity: str) -> list[dict[str, Any]]:
        return copy.deepcopy(self.layout(entity).fields)

    def replace(self, entity: str, submitted: object) -> list[dict[str, Any]]:
        """PUT: the submitted array becomes the layout; fields left out are gone."""
        if not isinstance(submitted, list) or not all(isinstance(f, dict) for f in submitted):
            raise BadRequest("the body must be a JSON array of field objects")
        layout = self.layout(entity)
        existing_ids = {f["UDefFieldId"] for f in layout.fields}
        published_prog_ids = {f["ProgId"].lower() for f in layout.published}
        accepted: list[dict[str, Any]] = []
        seen_prog_ids: set[str] = set()
        seen_labels: set[str] = set()
        for position, raw in enumerate(submitted):
            item = self._accept(entity, raw, position)
            if item["UDefFieldId"] not in existing_ids:
                item["UDefFieldId"] = self._new_field_id()
            if not item["ProgId"]:
                item["ProgId"] = f"SuperOffice:{self.next_prog_number}"
                self.next_prog_number += 1
            prog_id, label = item["ProgId"].lower(), item["FieldLabel"].lower()
            if prog_id in seen_prog_ids:
                raise BadRequest(f"ProgId {item['ProgId']!r} appears twice")
            if label in seen_labels:
                raise BadRequest(f"FieldLabel {item['FieldLabel']!r} appears twice")
            seen_prog_ids.add(prog_id)
            seen_labels.add(label)
            item["HasBeenPublished"] = prog_id in published_prog_ids
            accepted.append(item)
        layout.fields = accepted
        layout.unpublished_changes = True
        return copy.deepcopy(accepted)

    def delete(self, entity: str, prog_id_or_label: str) -> None:
        """Delete the field whose ProgId (else label) matches, case-insensitively."""
        layout = self.layout(entity)
        wanted = prog_id_or_label.lower()
        for key in ("ProgId", "FieldLabel"):
            for index, item in enumerate(layout.fields):
                if str(item.get(key, "")).lower() == wanted:
                    del layout.fields[index]
                    layout.unpublished_changes = True
                    return
        raise NotFound(f"{entity} has no user-defined field {prog_id_or_label!r}")

    def publish(self, entity: str) -> None:
        layout = self.layout(entity)
        for item in layout.fields:
            item["UDefFieldId"] = self._new_field_id()
            item["HasBeenPublished"] = True
            item["Version"] = int(item.get("Version") or 0) + 1
        layout.published = copy.deepcopy(layout.fields)
        layout.unpublished_changes = False

    def snapshot(self) -> dict[str, Any]:
        return {
            entity: {
                "fields": copy.deepcopy(layout.fields),
                "published": copy.deepcopy(layout.published),
                "unpublishedChanges": layout.unpublished_changes,
            }
            for entity, layout in sorted(self.layouts.items())
            if layout.fields or layout.published
        }

    def _new_field_id(self) -> int:
        value = self.next_field_id
        self.next_field_id += 1
        return value

    @staticmethod
    def _accept(entity: str, raw: dict[str, Any], position: int) -> dict[str, Any]:
        label = raw.get("FieldLabel")
        if not isinstance(label, str) or not label.strip():
            raise BadRequest(f"field {position}: FieldLabel must be a non-empty string")
        prog_id = raw.get("ProgId") or ""
        if not isinstance(prog_id, str):
            raise BadRequest(f"field {position}: ProgId must be a string")
        field_id = raw.get("UDefFieldId") or 0
        if not isinstance(field_id, int) or isinstance(field_id, bool):
            raise BadRequest(f"field {position}: UDefFieldId must be a number")
        field_type = canonical_field_type(raw.get("FieldType"))
        item = {**field_template(entity, field_type), **copy.deepcopy(raw)}
        item.update(
            FieldLabel=label.strip(),
            ProgId=prog_id.strip(),
            UDefFieldId=field_id,
            FieldType=field_type,
            Type=entity,
        )
        return item
