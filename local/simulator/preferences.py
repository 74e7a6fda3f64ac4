"""Preferences of one tenant: the REST value at a level, and the Preference agent's carrier.

What SuperOffice documents, and only that: `GET {Api}/v1/Preference/{section}/{key}/{level}`
answers the value itself as a JSON string (an empty string when nothing is set at that
level), `PUT ...?value=` sets it, and there is no REST DELETE: the Preference agent finds a
stored preference by name (`GetPreferenceByName`, answering its `Preference` carrier with
`UserPreferenceId`; `Level: "Undefined"` when nothing is set) and deletes it by that id
(`DeletePreference`, `DeletePreferences`).

Section and key match case-insensitively (SuperOffice stores them in a case-insensitive
database) and keep the casing they were first written with. Levels are SuperOffice's
published names, in any case; nothing else.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Final

from local.simulator.routing import BadRequest, NotFound

PREFERENCE_LEVELS: Final = (
    "Undefined",
    "HardDefault",
    "SystemWide",
    "Database",
    "Group",
    "Individual",
    "PC",
)
# The agent's Level for "no value at this level".
NOT_SET: Final = "Undefined"


def canonical_level(name: str) -> str:
    for level in PREFERENCE_LEVELS:
        if level.lower() == name.lower():
            return level
    raise BadRequest(f"unknown preference level {name!r} (one of {', '.join(PREFERENCE_LEVELS)})")


@dataclass
class Preferences:
    # By (section, key) in lower case and level: {"UserPreferenceId", "Section", "Key",
    # "Level", "Value"}.
    values: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    next_id: int = 1

    def get(self, section: str, key: str, level: str) -> dict[str, Any]:
        """The stored preference (the simulator's view, for tests and the control API)."""
        return copy.deepcopy(self._find(section, key, level))

    def value(self, section: str, key: str, level: str) -> str:
        """What `GET .../Preference/{section}/{key}/{level}` answers: "" when not set."""
        stored = self.values.get(_identity(section, key, canonical_level(level)))
        return "" if stored is None else str(stored["Value"])

    def put(self, section: str, key: str, level: str, value: str) -> dict[str, Any]:
        level = canonical_level(level)
        if level == NOT_SET:
            raise BadRequest("a preference cannot be set at level Undefined")
        identity = _identity(section, key, level)
        current = self.values.get(identity)
        if current is None:
            current = {
                "UserPreferenceId": self.next_id,
                "Section": section,
                "Key": key,
                "Level": level,
            }
            self.next_id += 1
        preference = {**current, "Value": value}
        self.values[identity] = preference
        return copy.deepcopy(preference)

    def by_name(self, section: str, key: str, level: str) -> dict[str, Any]:
        """The agent's `Preference` carrier of `GetPreferenceByName` at exactly `level`."""
        stored = self.values.get(_identity(section, key, canonical_level(level)))
        if stored is None:
            return _carrier(section, key, NOT_SET, "", 0)
        return _carrier(
            stored["Section"],
            stored["Key"],
            stored["Level"],
            stored["Value"],
            stored["UserPreferenceId"],
        )

    def delete_id(self, preference_id: int) -> None:
        """`DeletePreference`: the stored preference with this id; NotFound if none."""
        for identity, stored in self.values.items():
            if stored["UserPreferenceId"] == preference_id:
                del self.values[identity]
                return
        raise NotFound(f"there is no preference with id {preference_id}")

    def delete_ids(self, preference_ids: list[int]) -> None:
        """`DeletePreferences`: every stored preference with one of these ids."""
        wanted = set(preference_ids)
        for identity in [i for i, s in self.values.items() if s["UserPreferenceId"] in wanted]:
            del self.values[identity]

    def all(self) -> list[dict[str, Any]]:
        return [copy.deepcopy(self.values[identity]) for identity in sorted(self.values)]

    def _find(self, section: str, key: str, level: str) -> dict[str, Any]:
        try:
            return self.values[_identity(section, key, canonical_level(level))]
        except KeyError:
            raise NotFound(f"there is no preference {section}/{key} at level {level}") from None


def _carrier(section: str, key: str, level: str, value: str, preference_id: int) -> dict[str, Any]:
    return {
        "Level": level,
        "RawValue": value,
        "Specification": {"Section": section, "Key": key},
        "DisplayValue": value,
        "DisplayTooltip": "",
        "DisplayType": "Text",
        "TargetId": 0,
        "PrefDescId": 0,
        "TableName": "",
        "UserPreferenceId": preference_id,
    }


def _identity(section: str, key: str, level: str) -> tuple[str, str, str]:
    return section.lower(), key.lower(), level
