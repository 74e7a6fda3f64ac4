"""Preferences of one tenant (`{Api}/v1/Preference/{section}/{key}/{level}`).

Section and key match case-insensitively (SuperOffice stores them in a case-insensitive
database) and keep the casing they were first written with.
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


# Not SuperOffice's name (the published enum says PC), but apps have sent it: read as PC.
_ALIASES: Final = {"pcspecific": "PC"}


def canonical_level(name: str) -> str:
    for level in PREFERENCE_LEVELS:
        if level.lower() == name.lower():
            return level
    if name.lower() in _ALIASES:
        return _ALIASES[name.lower()]
    raise BadRequest(f"unknown preference level {name!r} (one of {', '.join(PREFERENCE_LEVELS)})")


@dataclass
class Preferences:
    values: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)

    def get(self, section: str, key: str, level: str) -> dict[str, Any]:
        return copy.deepcopy(self._find(section, key, level))

    def put(self, section: str, key: str, level: str, value: str) -> dict[str, Any]:
        level = canonical_level(level)
        identity = _identity(section, key, level)
        current = self.values.get(identity)
        preference = {
            "Section": current["Section"] if current else section,
            "Key": current["Key"] if current else key,
            "Level": level,
            "Value": value,
        }
        self.values[identity] = preference
        return copy.deepcopy(preference)

    def delete(self, section: str, key: str, level: str) -> None:
        self._find(section, key, level)
        del self.values[_identity(section, key, canonical_level(level))]

    def all(self) -> list[dict[str, Any]]:
        return [copy.deepcopy(self.values[identity]) for identity in sorted(self.values)]

    def _find(self, section: str, key: str, level: str) -> dict[str, Any]:
        try:
            return self.values[_identity(section, key, canonical_level(level))]
        except KeyError:
            raise NotFound(f"there is no preference {section}/{key} at level {level}") from None


def _identity(section: str, key: str, level: str) -> tuple[str, str, str]:
    return section.lower(), key.lower(), level
