"""List definitions and their items of one tenant (`{Api}/v1/List`).

Built-in lists (IsCustomList false) exist in every tenant and cannot be deleted; lists an
app creates are custom lists with ids from 100 on, as in a fresh SuperOffice database.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Final

from local.simulator.routing import BadRequest, NotFound

FIRST_CUSTOM_LIST_ID: Final = 100
FIRST_ITEM_ID: Final = 1000


def _common_fields(identity: int, body: dict[str, Any]) -> dict[str, Any]:
    """Name, tooltip, deleted and rank: what a list and a list item have alike."""
    name = body.get("Name")
    if not isinstance(name, str) or not name.strip():
        raise BadRequest("Name must be a non-empty string")
    tooltip = body.get("Tooltip") or ""
    if not isinstance(tooltip, str):
        raise BadRequest("Tooltip must be a string")
    return {
        "Id": identity,
        "Name": name.strip(),
        "Tooltip": tooltip,
        "Deleted": bool(body.get("Deleted", False)),
        "Rank": _number(body.get("Rank", 0), "Rank"),
    }


def list_definition(list_id: int, body: dict[str, Any], *, custom: bool) -> dict[str, Any]:
    common = _common_fields(list_id, body)
    return {
        **common,
        "IsCustomList": custom,
        "IsMDOList": bool(body.get("IsMDOList", True)),
        "UseGroupsAndHeadings": bool(body.get("UseGroupsAndHeadings", False)),
        "ListType": f"udlist{list_id}"
        if custom
        else str(body.get("ListType") or common["Name"].lower()),
        "InUseByUserDefinedFields": bool(body.get("InUseByUserDefinedFields", False)),
    }


def list_item(item_id: int, body: dict[str, Any]) -> dict[str, Any]:
    return _common_fields(item_id, body)


@dataclass
class Lists:
    definitions: dict[int, dict[str, Any]] = field(default_factory=dict)
    items: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    next_list_id: int = FIRST_CUSTOM_LIST_ID
    next_item_id: int = FIRST_ITEM_ID

    def all(self) -> list[dict[str, Any]]:
        return [copy.deepcopy(self.definitions[key]) for key in sorted(self.definitions)]

    def get(self, list_id: int) -> dict[str, Any]:
        return copy.deepcopy(self._definition(list_id))

    def add_builtin(self, list_id: int, name: str, item_names: list[str]) -> None:
        self.definitions[list_id] = list_definition(list_id, {"Name": name}, custom=False)
        self.items[list_id] = []
        for item_name in item_names:
            self.add_item(list_id, {"Name": item_name})

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        list_id = self.next_list_id
        definition = list_definition(list_id, body, custom=True)
        self.next_list_id += 1
        self.definitions[list_id] = definition
        self.items[list_id] = []
        return copy.deepcopy(definition)

    def items_of(self, list_id: int) -> list[dict[str, Any]]:
        self._definition(list_id)
        return copy.deepcopy(self.items[list_id])

    def add_item(self, list_id: int, body: dict[str, Any]) -> dict[str, Any]:
        self._definition(list_id)
        item = list_item(self.next_item_id, body)
        self.next_item_id += 1
        self.items[list_id].append(item)
        return copy.deepcopy(item)

    def delete(self, list_id: int) -> None:
        if not self._definition(list_id)["IsCustomList"]:
            raise BadRequest(f"list {list_id} is a built-in list and cannot be deleted")
        del self.definitions[list_id]
        del self.items[list_id]

    def snapshot(self) -> list[dict[str, Any]]:
        return [
            {**definition, "Items": self.items_of(definition["Id"])} for definition in self.all()
        ]

    def _definition(self, list_id: int) -> dict[str, Any]:
        try:
            return self.definitions[list_id]
        except KeyError:
            raise NotFound(f"there is no list with id {list_id}") from None


def _number(value: object, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadRequest(f"{name} must be a whole number")
    return value
