"""The record of what the app provisioned in a tenant, and where that record is kept.

Certification asks for a list of everything the app created per tenant, and uninstall
removes exactly that list. The engine records each item the moment it is found or
created, so the record is complete even after a crash half-way through.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, Literal, Protocol, get_args

__all__ = [
    "ITEM_KINDS",
    "ItemKind",
    "MemoryRecorder",
    "ProvisionedItem",
    "Recorder",
]

ItemKind = Literal["udef", "list", "list_item", "web_panel", "preference", "webhook"]
ITEM_KINDS: Final[tuple[str, ...]] = get_args(ItemKind)


@dataclass(frozen=True)
class ProvisionedItem:
    """One thing the app provisioned, identified by ``(kind, key)``.

    ``key`` is the stable identity: the ProgId (udef, web_panel), the list name (list),
    ``<list name>/<item name>`` (list_item), ``<section>/<key>/<level>`` (preference) or
    the webhook's name (webhook).
    ``superoffice_id`` is SuperOffice's id when there is one; for a user-defined field it
    is ``None`` until the layout has been published (ids change on publish).
    ``details`` holds what uninstall and the management page need (entity, list id, ...):
    JSON values only.
    """

    kind: ItemKind
    key: str
    superoffice_id: str | None
    name: str
    details: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        if self.kind not in ITEM_KINDS:
            raise ValueError(f"unknown item kind {self.kind!r}")
        if not self.key:
            raise ValueError("an item needs a key")
        object.__setattr__(self, "details", MappingProxyType(dict(self.details)))

    @property
    def identity(self) -> tuple[str, str]:
        return (self.kind, self.key)

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "key": self.key,
            "superoffice_id": self.superoffice_id,
            "name": self.name,
            "details": dict(self.details),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProvisionedItem:
        """The inverse of ``as_json`` (for stores that keep items as JSON)."""
        kind = data.get("kind")
        if kind not in ITEM_KINDS:
            raise ValueError("not a provisioned item: unknown kind")
        superoffice_id = data.get("superoffice_id")
        details = data.get("details", {})
        if superoffice_id is not None and not isinstance(superoffice_id, str):
            raise ValueError("not a provisioned item: superoffice_id is not a string")
        if not isinstance(details, Mapping):
            raise ValueError("not a provisioned item: details is not an object")
        return cls(
            kind=kind,
            key=str(data.get("key", "")),
            superoffice_id=superoffice_id,
            name=str(data.get("name", "")),
            details=details,
        )


class Recorder(Protocol):
    """Keeps a tenant's provisioned items.

    ``record`` is an upsert by ``(kind, key)``: recording an item again replaces the
    earlier record (a rerun, or a user-defined field whose id became known on publish)
    and never adds a second one.
    """

    def record(self, item: ProvisionedItem) -> None: ...

    def recorded(self) -> list[ProvisionedItem]: ...


class MemoryRecorder:
    """A ``Recorder`` in memory, in first-recorded order (tests, dry runs)."""

    def __init__(self, items: list[ProvisionedItem] | None = None) -> None:
        self._items: dict[tuple[str, str], ProvisionedItem] = {}
        for item in items or []:
            self.record(item)

    def record(self, item: ProvisionedItem) -> None:
        self._items[item.identity] = item

    def recorded(self) -> list[ProvisionedItem]:
        return list(self._items.values())

    def forget(self, item: ProvisionedItem) -> None:
        self._items.pop(item.identity, None)
