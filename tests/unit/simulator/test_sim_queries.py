"""Archive queries without a network: the filter language, ordering, paging, keyset paging."""

from __future__ import annotations

import calendar
import random
from typing import Any

import pytest

from local.simulator.queries import Query, parse_filter, parse_query, run_query
from local.simulator.records import Record, Records
from local.simulator.routing import BadRequest
from local.simulator.timestamps import format_timestamp, parse_timestamp

BASE = calendar.timegm((2026, 11, 1, 10, 0, 0, 0, 0, 0))  # 2026-11-01T10:00:00


def record(key: int, updated: int = BASE, **fields: Any) -> Record:
    return Record(key, registered=updated - 3600, updated=updated, fields=fields)


def matching(text: str, records: list[Record], entity: str = "contact") -> list[int]:
    predicate = parse_filter(text, entity)
    return [r.primary_key for r in records if predicate(r)]


def query(
    records: Records | dict[int, Record], entity: str = "contact", **parameters: str
) -> list[dict[str, Any]]:
    store = records.of(entity) if isinstance(records, Records) else records
    return run_query(parse_query({f"${k}": v for k, v in parameters.items()}, None), store)


SAMPLE = [
    record(1, BASE, name="Acme AS", amount=10),
    record(2, BASE + 5, name="O'Brien Ltd", amount=200),
    record(3, BASE + 5, name="acme as", amount=None),
    record(4, BASE + 9, name="Zeta", amount=30),
    record(5, BASE + 9),
]


# -- timestamps ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-01T10:00:05", BASE + 5),
        ("2026-11-01T10:00:05Z", BASE + 5),
        ("2026-11-01T10:00:05.1234567Z", BASE + 5.1234567),
        ("2026-11-01T10:00:05.5", BASE + 5.5),
        ("2026-11-01", BASE - 10 * 3600),
    ],
)
def test_datetimes_parse_with_z_and_fractions(text: str, expected: float) -> None:
    assert parse_timestamp(text) == pytest.approx(expected, abs=1e-6)


def test_datetimes_are_written_in_whole_seconds_without_zone() -> None:
    assert format_timestamp(BASE + 5.9) == "2026-11-01T10:00:05"


@pytest.mark.parametrize(
    "text",
    [
        "2026-13-01T00:00:00",
        "2026-02-30",
        "2026-11-01T24:00:00",
        "soon",
        "2026-11-01T10:00:05.12345678",
    ],
)
def test_bad_datetimes_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a"):
        parse_timestamp(text)


# -- $filter ------------------------------------------------------------------------------


def test_and_binds_tighter_than_or() -> None:
    # a or (b and c), not (a or b) and c
    text = "contact.contact_id eq 1 or contact.contact_id gt 3 and contact.name eq 'Zeta'"
    assert matching(text, SAMPLE) == [1, 4]
    grouped = "(contact.contact_id eq 1 or contact.contact_id gt 3) and contact.name eq 'Zeta'"
    assert matching(grouped, SAMPLE) == [4]


def test_nested_parentheses_and_case_insensitive_keywords() -> None:
    text = "((contact.contact_id EQ 2) OR (contact.contact_id eq 3 AND (contact.amount ne 5)))"
    assert matching(text, SAMPLE) == [2, 3]


def test_quotes_are_escaped_by_doubling() -> None:
    assert matching("contact.name eq 'O''Brien Ltd'", SAMPLE) == [2]
    assert matching("contact.name eq 'it''s and or (not) a keyword'", SAMPLE) == []


def test_text_compares_case_insensitively_and_nulls_only_satisfy_ne() -> None:
    assert matching("contact.name eq 'ACME AS'", SAMPLE) == [1, 3]
    assert matching("contact.name ne 'acme as'", SAMPLE) == [2, 4, 5]
    assert matching("contact.amount gt 20", SAMPLE) == [2, 4]
    assert matching("contact.amount lt '100'", SAMPLE) == [1, 4]
    assert matching("contact.nosuchfield eq 'x'", SAMPLE) == []
    assert matching("contact.nosuchfield ne 'x'", SAMPLE) == [1, 2, 3, 4, 5]


def test_datetime_operators_are_strict() -> None:
    assert matching("contact.updated afterTime '2026-11-01T10:00:05'", SAMPLE) == [4, 5]
    assert matching("contact.updated beforeTime '2026-11-01T10:00:05'", SAMPLE) == [1]
    assert matching("contact.updated dateTime '2026-11-01T10:00:05'", SAMPLE) == [2, 3]
    assert matching("contact.updated DATETIME '2026-11-01T10:00:04'", SAMPLE) == []
    assert matching("contact.registered beforeTime '2026-11-01T09:00:01'", SAMPLE) == [1]


@pytest.mark.parametrize("op", ["eq", "ne", "lt", "gt"])
def test_number_operators_on_a_datetime_are_refused_as_superoffice_documents(op: str) -> None:
    """SuperOffice documents dateTime, beforeTime and afterTime for DateTime columns."""
    with pytest.raises(BadRequest, match=f"{op} does not compare datetimes.*dateTime"):
        parse_filter(f"contact.updated {op} '2026-11-01T10:00:05'", "contact")


def test_datetime_values_take_seven_fractional_digits_and_z() -> None:
    # 10:00:05 is before 10:00:05.0000001, and after 10:00:04.9999999.
    assert matching("contact.updated afterTime '2026-11-01T10:00:05.0000001Z'", SAMPLE) == [4, 5]
    assert matching("contact.updated afterTime '2026-11-01T10:00:04.9999999'", SAMPLE) == [
        2,
        3,
        4,
        5,
    ]
    assert matching("contact.updated dateTime '2026-11-01T10:00:05Z'", SAMPLE) == [2, 3]
    assert matching("contact.updated dateTime '2026-11-01T10:00:05.0000001'", SAMPLE) == []


def test_the_app_keyset_filter() -> None:
    text = (
        "(contact.updated afterTime '2026-11-01T10:00:05') or "
        "(contact.updated dateTime '2026-11-01T10:00:05' and contact.contact_id gt 2)"
    )
    assert matching(text, SAMPLE) == [3, 4, 5]
    assert matching("contact.contact_id gt '3'", SAMPLE) == [4, 5]


def test_fields_read_as_datetimes_with_after_and_before_time() -> None:
    sales = [record(1, saledate="2026-11-05T00:00:00"), record(2, saledate="soon"), record(3)]
    assert matching("sale.saledate afterTime '2026-11-01'", sales, "sale") == [1]
    assert matching("sale.saledate beforeTime '2026-12-01'", sales, "sale") == [1]
    assert matching("sale.saledate dateTime '2026-11-05T00:00:00'", sales, "sale") == [1]


def test_deleted_date_is_a_datetime_of_contacts_and_persons_that_may_be_unset() -> None:
    contacts = [record(1), record(2), record(3)]
    contacts[1].deleted_date = BASE + 30
    rows = run_query(
        parse_query({"$select": "contact.contact_id,contact.DeletedDate"}),
        {1: contacts[0], 2: contacts[1]},
    )
    # Not set: as SuperOffice writes .NET's DateTime.MinValue.
    assert [row["contact.DeletedDate"] for row in rows] == [
        "0001-01-01T00:00:00",
        "2026-11-01T10:00:30",
    ]
    assert matching("contact.DeletedDate afterTime '2000-01-01'", contacts) == [2]
    assert matching("contact.deleteddate beforeTime '2030-01-01'", contacts) == [2]
    assert matching("contact.DeletedDate dateTime '2026-11-01T10:00:30'", contacts) == [2]
    ordered = query(
        {r.primary_key: r for r in contacts},
        select="contact.contact_id",
        orderby="contact.DeletedDate desc",
    )
    assert [row["contact.contact_id"] for row in ordered] == [2, 1, 3]
    # Tables without soft deletes have no such column: a free-form field, null.
    assert query({1: record(1)}, select="sale.DeletedDate") == [
        {"PrimaryKey": 1, "EntityName": "sale", "sale.DeletedDate": None}
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("contact.updated le '2026-11-01T10:00:05'", "unsupported operator 'le'"),
        ("contact.updated ge '2026-11-01T10:00:05'", "unsupported operator 'ge'"),
        ("contact.name contains 'a'", "unsupported operator"),
        ("contact.name eq 'unterminated", "unterminated string"),
        ("(contact.contact_id eq 1", "missing '\\)'"),
        ("contact.contact_id eq 1)", "unexpected"),
        ("contact.contact_id eq 1 and", "expected a column"),
        ("contact.contact_id eq", "expected a value"),
        ("contact.contact_id eq 1 or or contact.contact_id eq 2", "expected a column"),
        ("contact.contact_id eq 1 contact.contact_id eq 2", "unexpected"),
        ("contact.name eq Acme", "expected a value"),
        ("person.person_id eq 1", "one entity per query"),
        ("company.name eq 'x'", "unknown entity"),
        ("contact.contact_id afterTime '2026-11-01T10:00:05'", "compares datetimes"),
        ("contact.contact_id eq 'seven'", "is an integer"),
        ("contact.updated dateTime 5", "quote it"),
        ("contact.updated dateTime 'yesterday'", "not a datetime"),
        ("contact.contact_id dateTime '2026-11-01T10:00:05'", "compares datetimes"),
        ("contact.name eq 'a' # comment", "cannot read"),
    ],
)
def test_unreadable_filters_are_refused_with_a_message(text: str, message: str) -> None:
    with pytest.raises(BadRequest, match=message):
        parse_filter(text, "contact")


# -- $select, $orderby, $top, $skip -------------------------------------------------------


def test_select_names_the_answer_keys() -> None:
    rows = query(
        {r.primary_key: r for r in SAMPLE},
        select="contact.contact_id,contact.updated,contact.name, contact.registered,"
        "contact.missing",
        top="2",
    )
    assert rows[0] == {
        "PrimaryKey": 1,
        "EntityName": "contact",
        "contact.contact_id": 1,
        "contact.updated": "2026-11-01T10:00:00",
        "contact.name": "Acme AS",
        "contact.registered": "2026-11-01T09:00:00",
        "contact.missing": None,
    }
    assert [row["PrimaryKey"] for row in rows] == [1, 2]


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({}, r"\$select is required"),
        ({"$select": "name"}, "needs its entity"),
        ({"$select": "contact.name,person.firstname"}, "one entity per query"),
        ({"$select": "appointment.appointment_id"}, "unknown entity"),
        ({"$select": "contact.name,,contact.updated"}, "empty column"),
        ({"$select": "contact.na-me"}, "not a column"),
        ({"$select": "contact.name", "$top": "0"}, r"\$top must be from 1 to 5000"),
        ({"$select": "contact.name", "$top": "5001"}, r"\$top must be from 1 to 5000"),
        ({"$select": "contact.name", "$top": "ten"}, "whole number"),
        ({"$select": "contact.name", "$skip": "-1"}, r"\$skip must be at least 0"),
        ({"$select": "contact.name", "$orderby": "contact.name up"}, "asc|desc"),
        ({"$select": "contact.name", "$orderby": "contact.name,"}, "empty column"),
        ({"$select": "contact.name", "$orderby": "sale.heading"}, "one entity per query"),
    ],
)
def test_bad_query_parameters_are_refused(parameters: dict[str, str], message: str) -> None:
    with pytest.raises(BadRequest, match=message):
        parse_query(parameters)


def test_defaults_and_the_entity_from_the_path() -> None:
    parsed = parse_query({"$select": "name,contact.updated"}, "contact")
    assert (parsed.entity, parsed.top, parsed.skip) == ("contact", 50, 0)
    assert [c.name for c in parsed.select] == ["name", "contact.updated"]
    assert [c.kind for c in parsed.select] == ["field", "datetime"]
    default = parse_query({}, "person")
    assert [c.name for c in default.select] == ["person_id", "updated", "registered"]
    assert parse_query({"$select": "Contact.Contact_ID"}).select[0].kind == "id"


def test_orderby_several_columns_is_stable_and_nulls_come_first() -> None:
    store = {r.primary_key: r for r in SAMPLE}
    by_updated = query(
        store, select="contact.name", orderby="contact.updated desc, contact.contact_id"
    )
    assert [row["PrimaryKey"] for row in by_updated] == [4, 5, 2, 3, 1]
    # Ties keep primary-key order, also when descending.
    assert [
        r["PrimaryKey"] for r in query(store, select="contact.name", orderby="contact.updated desc")
    ] == [4, 5, 2, 3, 1]
    by_amount = query(store, select="contact.amount", orderby="contact.amount")
    assert [row["contact.amount"] for row in by_amount] == [None, None, 10, 30, 200]
    by_name = query(
        store, select="contact.name", orderby="contact.name asc,contact.contact_id desc"
    )
    assert [row["PrimaryKey"] for row in by_name] == [5, 3, 1, 2, 4]


def test_top_and_skip_page_through_the_order() -> None:
    store = {key: record(key, BASE + key % 3) for key in range(1, 121)}
    everything = [
        row["PrimaryKey"] for row in query(store, select="contact.contact_id", top="5000")
    ]
    assert everything == list(range(1, 121))
    assert len(query(store, select="contact.contact_id")) == 50
    ordered = query(
        store, select="contact.contact_id", orderby="contact.updated,contact.contact_id", top="5000"
    )
    pages = [
        query(
            store,
            select="contact.contact_id",
            orderby="contact.updated,contact.contact_id",
            top="7",
            skip=str(skip),
        )
        for skip in range(0, 126, 7)
    ]
    assert [row for page in pages for row in page] == ordered
    assert query(store, select="contact.contact_id", skip="500") == []


def test_keyset_paging_over_shared_seconds_skips_and_repeats_nothing() -> None:
    """The app's paging: (updated, id) after the last row seen, 1,000 records, groups of
    up to 10 in one second, keys in an order unrelated to the timestamps."""
    rng = random.Random(7)
    records = Records()
    keys = list(range(1, 1001))
    rng.shuffle(keys)
    second = BASE
    while keys:
        size = rng.randint(1, 10)
        group, keys = keys[:size], keys[size:]
        for key in group:
            records.save("contact", {"name": f"Contact {key}"}, key, now=second)
        second += rng.choice((1, 1, 2, 60))
    # Pages of 13: boundaries fall inside groups again and again.
    seen: list[int] = []
    cursor: tuple[str, int] | None = None
    pages = 0
    while True:
        parameters = {
            "$select": "contact.contact_id,contact.updated",
            "$orderby": "contact.updated,contact.contact_id",
            "$top": "13",
        }
        if cursor is not None:
            moment, last = cursor
            parameters["$filter"] = (
                f"(contact.updated afterTime '{moment}') or "
                f"(contact.updated dateTime '{moment}' and contact.contact_id gt {last})"
            )
        rows = run_query(parse_query(parameters), records.of("contact"))
        if not rows:
            break
        pages += 1
        seen += [row["contact.contact_id"] for row in rows]
        cursor = (rows[-1]["contact.updated"], rows[-1]["contact.contact_id"])
    assert len(seen) == 1000
    assert sorted(seen) == list(range(1, 1001))
    assert pages == 77  # ceil(1000 / 13)
    groups = {}
    for item in records.of("contact").values():
        groups[item.updated] = groups.get(item.updated, 0) + 1
    assert max(groups.values()) == 10
    assert len(groups) < 250


def test_query_is_a_plain_value() -> None:
    parsed = parse_query({"$select": "sale.heading", "$top": "3", "$skip": "1"})
    assert isinstance(parsed, Query)
    assert (parsed.entity, parsed.top, parsed.skip, parsed.where, parsed.order) == (
        "sale",
        3,
        1,
        None,
        (),
    )
