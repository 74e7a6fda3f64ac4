import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from superoffice_app.superoffice.dates import format_so_datetime, parse_so_datetime
from superoffice_app.sync.cursor import OVERLAP, Cursor, keyset_filter
from superoffice_app.sync.entities import (
    DEFAULT_ENTITIES,
    ENTITY_COLUMNS,
    SOFT_DELETE_COLUMN,
    EntitySpec,
    parse_entities,
)

CONTACT = EntitySpec("contact", ("name",))
# SuperOffice's database tables as its reference documents them (the contract's copy).
TABLES = Path(__file__).parents[3] / "local" / "simulator" / "contract" / "tables.json"
DATETIME_OPERATORS = ("dateTime", "afterTime", "beforeTime")


def test_datetimes_round_trip_in_whole_seconds_utc() -> None:
    moment = parse_so_datetime("2026-11-01T10:00:05")
    assert moment == datetime(2026, 11, 1, 10, 0, 5, tzinfo=UTC)
    assert format_so_datetime(moment) == "2026-11-01T10:00:05"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-01T10:00:05.1234567Z", datetime(2026, 11, 1, 10, 0, 5, tzinfo=UTC)),
        ("2026-11-01T11:00:05+01:00", datetime(2026, 11, 1, 10, 0, 5, tzinfo=UTC)),
        ("2026-11-01T10:00:05Z", datetime(2026, 11, 1, 10, 0, 5, tzinfo=UTC)),
    ],
)
def test_fractions_and_zones_are_read(text: str, expected: datetime) -> None:
    assert parse_so_datetime(text) == expected


@pytest.mark.parametrize("text", ["", "yesterday", "2026-11-01", "2026-11-01 10:00:05"])
def test_unreadable_datetimes_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a SuperOffice datetime"):
        parse_so_datetime(text)


def test_first_sync_has_no_filter() -> None:
    assert keyset_filter(CONTACT, None) is None


def test_keyset_filter_asks_for_what_follows_the_pair() -> None:
    cursor = Cursor(datetime(2026, 11, 1, 10, 0, 5, tzinfo=UTC), 17)
    assert keyset_filter(CONTACT, cursor) == (
        "(contact.updated afterTime '2026-11-01T10:00:05') or "
        "(contact.updated dateTime '2026-11-01T10:00:05' and contact.contact_id gt 17)"
    )


def test_rewound_cursor_starts_before_the_overlap_and_takes_the_whole_second() -> None:
    cursor = Cursor(datetime(2026, 11, 1, 10, 0, 5, tzinfo=UTC), 17)
    rewound = cursor.rewound()
    assert rewound == Cursor(cursor.updated - OVERLAP, 0)
    assert keyset_filter(CONTACT, rewound) == (
        "(contact.updated afterTime '2026-11-01T10:00:00') or "
        "(contact.updated dateTime '2026-11-01T10:00:00')"
    )


def test_cursor_survives_storage() -> None:
    cursor = Cursor(datetime(2026, 11, 1, 10, 0, 5, tzinfo=UTC), 17)
    assert Cursor.from_dict(cursor.to_dict()) == cursor
    assert Cursor.from_dict({"updated": "2026-11-01T10:00:05", "key": True}) is None
    assert Cursor.from_dict(None) is None


def test_entity_columns() -> None:
    assert CONTACT.id_column == "contact.contact_id"
    assert CONTACT.select == "contact.contact_id,contact.updated,contact.registered,contact.name"
    assert CONTACT.key_select == "contact.contact_id"
    assert CONTACT.field_name("contact.name") == "name"
    assert CONTACT.field_name("contact.registered") == "registered"
    assert CONTACT.field_name("person.name") is None
    assert CONTACT.field_name("contact.contact_id") is None
    assert CONTACT.field_name("contact.updated") is None


def test_contacts_and_persons_read_their_soft_delete_with_every_row() -> None:
    specs = {spec.name: spec for spec in parse_entities(None)}
    for name in ("contact", "person"):
        spec = specs[name]
        column = f"{name}.DeletedDate"
        assert spec.deleted_column == column
        assert spec.select.split(",")[:4] == [
            f"{name}.{name}_id",
            f"{name}.updated",
            f"{name}.registered",
            column,
        ]
        assert spec.key_select == f"{name}.{name}_id,{column}"
        assert spec.field_name(column) is None  # read for the sync, not mirrored
    for name in ("sale", "project"):
        assert specs[name].deleted_column is None
        assert "DeletedDate" not in specs[name].select
        assert specs[name].key_select == f"{name}.{name}_id"


def test_every_column_read_is_a_field_of_superoffice_s_documented_table() -> None:
    """One unknown column fails SuperOffice's whole query: names exactly as documented."""
    tables = json.loads(TABLES.read_text(encoding="utf-8"))["tables"]
    for spec in parse_entities(None):
        fields = tables[spec.name]["fields"]
        for column in spec.select.split(","):
            table, _, name = column.partition(".")
            assert table == spec.name
            assert name in fields, f"{column} is not a field of SuperOffice's {table} table"
        assert spec.columns == ENTITY_COLUMNS[spec.name]
        assert fields["updated"]["type"] in ("DateTime", "UtcDateTime")
        assert fields[f"{spec.name}_id"]["type"] == "PK"
        assert (SOFT_DELETE_COLUMN in fields) == (spec.deleted_column is not None)


def test_the_cursor_filters_updated_only_with_superoffice_s_datetime_operators() -> None:
    """``updated`` is a DateTime column: dateTime (equal), afterTime, beforeTime; no eq."""
    cursor = Cursor(datetime(2026, 11, 1, 10, 0, 5, tzinfo=UTC), 17)
    for position in (cursor, cursor.rewound()):
        words = (keyset_filter(CONTACT, position) or "").replace("(", " ").split()
        operators = [words[i + 1] for i, word in enumerate(words) if word == "contact.updated"]
        assert len(operators) == 2
        assert set(operators) <= set(DATETIME_OPERATORS), operators


def test_entities_default_and_configured() -> None:
    assert tuple(spec.name for spec in parse_entities(None)) == DEFAULT_ENTITIES
    assert tuple(spec.name for spec in parse_entities(" Sale, contact ")) == ("sale", "contact")
    with pytest.raises(ValueError, match="unknown entity 'invoice'"):
        parse_entities("contact,invoice")
    with pytest.raises(ValueError, match="listed twice"):
        parse_entities("contact,contact")


def test_overlap_is_a_few_seconds() -> None:
    assert timedelta(seconds=1) <= OVERLAP <= timedelta(seconds=30)
