"""Deterministic CRM records for a tenant: the same ones for the same ctx, counts and clock.

The data is made to exercise an incremental sync: `updated` lies in the last few days and
records share seconds in groups of 3 to 10 (whole-second timestamps make that common in
SuperOffice), in an order unrelated to the primary keys; `registered` is at or before
`updated`. Persons point to contacts (`contact_id`), sales to a contact and person.
Fields are the columns the app mirrors, named as SuperOffice's database reference names
them (`contract/tables.json`): list references such as `business_idx` are list item ids.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Mapping
from typing import Any, Final

from local.simulator.records import ENTITIES, Record, Records
from local.simulator.timestamps import format_timestamp

# How far back `updated` reaches, and how much earlier `registered` may be.
UPDATED_WITHIN_SECONDS: Final = 3 * 24 * 3600
REGISTERED_BEFORE_SECONDS: Final = 60 * 24 * 3600
# The newest seeded change is this long before the clock's now at seeding.
NEWEST_AGE_SECONDS: Final = 60
GROUP_SIZES: Final = (3, 10)

_COMPANY_WORDS: Final = (
    "Nordlys", "Fjord", "Bjørk", "Havbris", "Stein", "Elv", "Skog", "Vind", "Måne", "Tind",
    "Lyng", "Sol",
)  # fmt: skip
_COMPANY_KINDS: Final = ("AS", "ASA", "AB", "Consulting", "Handel", "Data", "Bygg", "Eiendom")
_DEPARTMENTS: Final = ("", "Sales", "Support", "Finance", "Head office", "Logistics")
# List item ids of the Business and Category lists (contact.business_idx, category_idx).
_BUSINESS_IDS: Final = (1, 2, 3, 4)
_CATEGORY_IDS: Final = (1, 2, 3)
_FIRST_NAMES: Final = (
    "Ada", "Bjørn", "Kari", "Ola", "Åse", "Per", "Ingrid", "Lars", "Sigrid", "Nils", "Eva",
    "Jon",
)  # fmt: skip
_LAST_NAMES: Final = ("Nordmann", "Hansen", "Johansen", "Berg", "Lie", "Dahl", "Strand", "Øien")
_TITLES: Final = ("", "CEO", "CFO", "Buyer", "Engineer", "Account manager")
_SALE_WORDS: Final = ("Licences", "Support agreement", "Hardware", "Training", "Consulting days")
# sale.status is the SaleStatus enum: 1 Open, 2 Sold, 3 Lost, 4 Stalled.
_SALE_STATUSES: Final = (1, 2, 3, 4)
_PROJECT_WORDS: Final = ("Rollout", "Migration", "Pilot", "Upgrade", "Audit", "Workshop")
# List item ids of the ProjStatus and ProjType lists (project.status_idx, type_idx).
_PROJECT_STATUS_IDS: Final = (1, 2, 3)
_PROJECT_TYPE_IDS: Final = (1, 2, 3)


def seed_records(ctx: str, counts: Mapping[str, int], now: float) -> Records:
    """Records for the tenant: `counts` per entity (missing ones: none)."""
    # Deterministic test data, not secrets.
    rng = random.Random(zlib.crc32(ctx.encode("utf-8")))  # noqa: S311
    newest = int(now // 1) - NEWEST_AGE_SECONDS
    records = Records()
    makers = {"contact": _contact, "person": _person, "sale": _sale, "project": _project}
    for entity in ENTITIES:
        count = counts.get(entity, 0)
        keys = list(range(1, count + 1))
        updated = _grouped_seconds(rng, keys, newest)
        for key in keys:
            registered = updated[key] - (
                0 if rng.random() < 0.3 else rng.randrange(REGISTERED_BEFORE_SECONDS)
            )
            records.put(
                entity, Record(key, registered, updated[key], makers[entity](rng, key, records))
            )
    return records


def _grouped_seconds(rng: random.Random, keys: list[int], newest: int) -> dict[int, int]:
    """An `updated` second per key: keys in random order, 3-10 to a second."""
    shuffled = list(keys)
    rng.shuffle(shuffled)
    stamps: dict[int, int] = {}
    used: set[int] = set()
    low, high = GROUP_SIZES
    while shuffled:
        remaining = len(shuffled)
        size = remaining if remaining <= high else rng.randint(low, min(high, remaining - low))
        second = newest - rng.randrange(UPDATED_WITHIN_SECONDS)
        while second in used:
            second -= 1
        used.add(second)
        for key in shuffled[:size]:
            stamps[key] = second
        del shuffled[:size]
    return stamps


def _some(rng: random.Random, records: Records, entity: str) -> int:
    keys = list(records.of(entity))
    return rng.choice(keys) if keys else 0


def _contact(rng: random.Random, key: int, _records: Records) -> dict[str, Any]:
    return {
        "name": f"{rng.choice(_COMPANY_WORDS)} {rng.choice(_COMPANY_KINDS)} {key}",
        "department": rng.choice(_DEPARTMENTS),
        "orgNr": str(rng.randrange(900_000_000, 999_999_999)),
        "number1": f"C{10000 + key}",
        "business_idx": rng.choice(_BUSINESS_IDS),
        "category_idx": rng.choice(_CATEGORY_IDS),
    }


def _person(rng: random.Random, key: int, records: Records) -> dict[str, Any]:
    return {
        "firstname": rng.choice(_FIRST_NAMES),
        "lastname": rng.choice(_LAST_NAMES),
        "contact_id": _some(rng, records, "contact"),
        "title": rng.choice(_TITLES),
    }


def _sale(rng: random.Random, key: int, records: Records) -> dict[str, Any]:
    person_id = _some(rng, records, "person")
    person = records.of("person").get(person_id)
    contact_id = person.fields["contact_id"] if person else _some(rng, records, "contact")
    return {
        "heading": f"{rng.choice(_SALE_WORDS)} {key}",
        "amount": rng.randrange(1, 500) * 1000,
        "contact_id": contact_id,
        "person_id": person_id,
        "status": rng.choice(_SALE_STATUSES),
        "saledate": format_timestamp(rng.randrange(1_767_225_600, 1_830_297_600)),
    }


def _project(rng: random.Random, key: int, _records: Records) -> dict[str, Any]:
    return {
        "name": f"{rng.choice(_PROJECT_WORDS)} {key}",
        "project_number": f"P-{1000 + key}",
        "status_idx": rng.choice(_PROJECT_STATUS_IDS),
        "type_idx": rng.choice(_PROJECT_TYPE_IDS),
    }
