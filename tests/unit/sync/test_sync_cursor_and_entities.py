from datetime import UTC, datetime, timedelta

import pytest

from superoffice_app.sync.cursor import (
    OVERLAP,
    Cursor,
    format_so_datetime,
    keyset_filter,
    parse_so_datetime,
)
from superoffice_app.sync.entities import DEFAULT_ENTITIES, EntitySpec, parse_entities

CONTACT = EntitySpec("contact", ("name",))


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
        "(contact.updated eq '2026-11-01T10:00:05' and contact.contact_id gt 17)"
    )


def test_rewound_cursor_starts_before_the_overlap_and_takes_the_whole_second() -> None:
    cursor = Cursor(datetime(2026, 11, 1, 10, 0, 5, tzinfo=UTC), 17)
    rewound = cursor.rewound()
    assert rewound == Cursor(cursor.updated - OVERLAP, 0)
    assert keyset_filter(CONTACT, rewound) == (
        "(contact.updated afterTime '2026-11-01T10:00:00') or "
        "(contact.updated eq '2026-11-01T10:00:00')"
    )


def test_cursor_survives_storage() -> None:
    cursor = Cursor(datetime(2026, 11, 1, 10, 0, 5, tzinfo=UTC), 17)
    assert Cursor.from_dict(cursor.to_dict()) == cursor
    assert Cursor.from_dict({"updated": "2026-11-01T10:00:05", "key": True}) is None
    assert Cursor.from_dict(None) is None


def test_entity_columns() -> None:
    assert CONTACT.id_column == "contact.contact_id"
    assert CONTACT.select == "contact.contact_id,contact.updated,contact.registered,contact.name"
    assert CONTACT.field_name("contact.name") == "name"
    assert CONTACT.field_name("person.name") is None


def test_entities_default_and_configured() -> None:
    assert tuple(spec.name for spec in parse_entities(None)) == DEFAULT_ENTITIES
    assert tuple(spec.name for spec in parse_entities(" Sale, contact ")) == ("sale", "contact")
    with pytest.raises(ValueError, match="unknown entity 'invoice'"):
        parse_entities("contact,invoice")
    with pytest.raises(ValueError, match="listed twice"):
        parse_entities("contact,contact")


def test_overlap_is_a_few_seconds() -> None:
    assert timedelta(seconds=1) <= OVERLAP <= timedelta(seconds=30)
