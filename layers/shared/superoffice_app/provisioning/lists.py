"""User-defined lists and their items, found by name."""

from __future__ import annotations

from functools import partial
from typing import Any, Final, Literal

from superoffice_app.superoffice.http import SuperOfficeApiError
from superoffice_app.superoffice.rest import TenantApi

from .answers import identifier, is_not_found, live_entries, record, segment
from .items import ProvisionedItem
from .reports import Progress
from .spec import ListSpec

__all__ = ["ListRemover", "list_entry_item", "list_item", "provision_lists"]

LISTS_PATH: Final = "/v1/List"
GET_LISTS: Final = "v1ListEntity_GetListDefinitions"
CREATE_LIST: Final = "v1ListEntity_PostListEntity"
GET_ITEMS: Final = "v1ListItemEntity_GetAllFromListDefinition"
ADD_ITEM: Final = "v1ListItemEntity_AddFromListDefinition"


def list_item(spec: ListSpec, list_id: str) -> ProvisionedItem:
    return ProvisionedItem(kind="list", key=spec.name, superoffice_id=list_id, name=spec.name)


def list_entry_item(spec: ListSpec, list_id: str, name: str, item_id: str) -> ProvisionedItem:
    return ProvisionedItem(
        kind="list_item",
        key=f"{spec.name}/{name}",
        superoffice_id=item_id,
        name=name,
        details={"list": spec.name, "list_id": list_id},
    )


def provision_lists(specs: tuple[ListSpec, ...], api: TenantApi, progress: Progress) -> None:
    """Create the lists and items that are missing; record every one of them."""
    if not specs:
        return
    existing = _list_ids(api)
    for spec in specs:
        found = existing.get(spec.name)
        if found is not None:
            list_id = found
            progress.found(list_item(spec, list_id))
            items = api.fetch(
                "GET",
                _items_path(list_id),
                partial(_ids_by_name, what=f"the items of list {spec.name}"),
                operation=GET_ITEMS,
            )
        else:
            list_id = api.fetch(
                "POST",
                LISTS_PATH,
                partial(_new_id, what=f"the new list {spec.name}"),
                operation=CREATE_LIST,
                json={"Name": spec.name, "Tooltip": spec.tooltip},
            )
            progress.created(list_item(spec, list_id))
            items = {}  # a list just created has no items
        _provision_items(spec, list_id, items, api, progress)


def _provision_items(
    spec: ListSpec,
    list_id: str,
    existing: dict[str, str],
    api: TenantApi,
    progress: Progress,
) -> None:
    path = _items_path(list_id)
    for name in spec.items:
        found = existing.get(name)
        if found is not None:
            progress.found(list_entry_item(spec, list_id, name, found))
            continue
        item_id = api.fetch(
            "POST",
            path,
            partial(_new_id, what=f"the new item {name} of list {spec.name}"),
            operation=ADD_ITEM,
            json={"Name": name},
        )
        progress.created(list_entry_item(spec, list_id, name, item_id))


class ListRemover:
    """Deletes lists (with their items) by name, looking the lists up once."""

    def __init__(self, api: TenantApi) -> None:
        self._api = api
        self._ids: dict[str, str] | None = None

    def remove(self, item: ProvisionedItem) -> Literal["removed", "already_gone"]:
        # By name, not by the recorded id: after a restore or in a sandbox the id may
        # belong to another list, and deleting that would destroy customer data.
        list_id = self._current_ids().get(item.key)
        if list_id is None:
            return "already_gone"
        try:
            self._api.delete(f"{LISTS_PATH}/{segment(list_id)}")
        except SuperOfficeApiError as error:
            if is_not_found(error):
                return "already_gone"
            raise
        return "removed"

    def _current_ids(self) -> dict[str, str]:
        if self._ids is None:
            self._ids = _list_ids(self._api)
        return self._ids


def _items_path(list_id: str) -> str:
    return f"{LISTS_PATH}/{segment(list_id)}/Items"


def _list_ids(api: TenantApi) -> dict[str, str]:
    """The live custom lists' ids by name."""
    return api.fetch(
        "GET", LISTS_PATH, partial(_ids_by_name, what="the lists"), operation=GET_LISTS
    )


def _ids_by_name(answer: Any, *, what: str) -> dict[str, str]:
    return {
        name: identifier(entry, "Id", f"{what}: {name}")
        for name, entry in _by_name(live_entries(answer, what)).items()
    }


def _new_id(answer: Any, *, what: str) -> str:
    return identifier(record(answer, what), "Id", what)


def _by_name(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    named: dict[str, dict[str, Any]] = {}
    for entry in entries:
        # SuperOffice's built-in lists (IsCustomList false) are never the app's, whatever
        # their name: adopting one would make uninstall try to delete it.
        if entry.get("IsCustomList") is False:
            continue
        name = entry.get("Name")
        if isinstance(name, str) and name not in named:  # the first of equal names wins
            named[name] = entry
    return named
