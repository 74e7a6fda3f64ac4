"""Reading archive answers: both documented shapes, soft deletes, and answers that do not fit."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest

from superoffice_app.superoffice.http import UnexpectedResponse
from superoffice_app.sync.archive import ARCHIVE_OPERATION, ARCHIVE_PATH, ArchiveReader
from superoffice_app.sync.budget import Budget, RetryPolicy, RetryStats
from superoffice_app.sync.cursor import Cursor
from superoffice_app.sync.entities import parse_entities
from superoffice_app.sync.status import plain_error

T = TypeVar("T")
SPECS = {spec.name: spec for spec in parse_entities(None)}
CONTACT, SALE = SPECS["contact"], SPECS["sale"]
UPDATED = "2026-11-01T10:00:05"


class FakeApi:
    """Answers archive queries with the given answers, in order; records what was asked."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.asked: list[dict[str, Any]] = []
        self.request_count = 0

    def fetch(
        self,
        method: str,
        path: str,
        read: Callable[[Any], T],
        *,
        operation: str,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> T:
        assert (method, path, operation, json) == ("GET", ARCHIVE_PATH, ARCHIVE_OPERATION, None)
        self.request_count += 1
        self.asked.append(dict(params or {}))
        return read(self.answers.pop(0))


def reader(api: FakeApi, page_size: int = 3) -> ArchiveReader:
    return ArchiveReader(
        api,
        budget=Budget(60, margin=0),
        policy=RetryPolicy(),
        stats=RetryStats(),
        sleep=lambda _seconds: None,
        page_size=page_size,
    )


def contact(key: int, deleted: Any = "0001-01-01T00:00:00", **fields: Any) -> dict[str, Any]:
    return {
        "PrimaryKey": str(key),  # SuperOffice's own samples write it as a string
        "EntityName": "contact",
        "contact.contact_id": key,
        "contact.updated": UPDATED,
        "contact.registered": "2026-10-01T09:00:00",
        "contact.DeletedDate": deleted,
        "contact.name": f"Contact {key}",
        **fields,
    }


def envelope(*rows: dict[str, Any]) -> dict[str, Any]:
    return {"odata.metadata": "https://sod.superoffice.com/x/api/v1/$metadata", "value": list(rows)}


def test_the_envelope_and_a_bare_array_read_the_same() -> None:
    rows = [contact(1), contact(2)]
    enveloped = reader(FakeApi(envelope(*rows))).changed_after(CONTACT, None)
    bare = reader(FakeApi(rows)).changed_after(CONTACT, None)
    assert enveloped == bare
    assert [record.key for record in bare.records] == [1, 2]
    assert bare.records[0].updated == datetime(2026, 11, 1, 10, 0, 5, tzinfo=UTC)
    assert bare.records[0].fields == {"registered": "2026-10-01T09:00:00", "name": "Contact 1"}
    assert bare.last  # fewer rows than the page size


def test_a_change_page_asks_as_superoffice_documents() -> None:
    api = FakeApi(envelope())
    cursor = Cursor(datetime(2026, 11, 1, 10, 0, 5, tzinfo=UTC), 17)
    reader(api).changed_after(CONTACT, cursor)
    assert api.asked == [
        {
            "$select": CONTACT.select,
            "$orderBy": "contact.updated,contact.contact_id",
            "$top": "3",
            "$filter": "(contact.updated afterTime '2026-11-01T10:00:05') or "
            "(contact.updated dateTime '2026-11-01T10:00:05' and contact.contact_id gt 17)",
        }
    ]


@pytest.mark.parametrize(
    "not_set",
    [None, "", "0001-01-01T00:00:00", "0001-01-01T00:00:00+01:00", "1753-01-01T00:00:00"],
)
def test_an_unset_deleted_date_in_any_of_its_forms_is_a_live_record(not_set: Any) -> None:
    page = reader(FakeApi(envelope(contact(1, not_set)))).changed_after(CONTACT, None)
    assert ([r.key for r in page.records], page.removed) == ([1], [])


def test_rows_deleted_in_the_user_interface_are_removed_and_still_move_the_cursor() -> None:
    rows = [contact(1), contact(2, "2026-11-01T10:00:09"), contact(3, "2026-11-01T10:00:09.12Z")]
    page = reader(FakeApi(envelope(*rows))).changed_after(CONTACT, None)
    assert [record.key for record in page.records] == [1]
    assert page.removed == [2, 3]
    assert page.cursor == Cursor(datetime(2026, 11, 1, 10, 0, 5, tzinfo=UTC), 3)
    assert not page.last  # a full page: more may follow


def test_a_targeted_read_of_a_soft_deleted_record_finds_nothing() -> None:
    api = FakeApi(envelope(contact(7, "2026-11-01T10:00:09")), envelope(contact(7)))
    assert reader(api).one(CONTACT, 7) is None
    found = reader(api).one(CONTACT, 7)
    assert found is not None
    assert found.key == 7
    assert api.asked[0]["$filter"] == "(contact.contact_id eq 7)"


def test_records_by_key_are_read_fifty_keys_a_query_and_only_the_asked_live_ones_kept() -> None:
    keys = list(range(1, 61))
    first = [contact(key) for key in keys[:50]] + [contact(999)]  # 999 was not asked for
    second = [contact(51, "2026-11-01T10:00:09")] + [contact(key) for key in keys[51:]]
    api = FakeApi(first, envelope(*second))
    found = reader(api).some(CONTACT, reversed(keys))
    assert [record.key for record in found] == [k for k in keys if k != 51]
    assert [query["$top"] for query in api.asked] == ["50", "10"]
    assert api.asked[1]["$filter"] == " or ".join(
        f"(contact.contact_id eq {key})" for key in range(51, 61)
    )


def test_key_pages_leave_out_soft_deleted_keys_but_continue_after_them() -> None:
    rows = [
        {"PrimaryKey": 4, "contact.contact_id": 4, "contact.DeletedDate": None},
        {"PrimaryKey": 9, "contact.contact_id": 9, "contact.DeletedDate": "2026-11-01T10:00:00"},
    ]
    api = FakeApi(envelope(*rows))
    page = reader(api).keys_after(CONTACT, 3)
    assert (page.live, page.last_key, page.last) == ([4], 9, True)
    assert api.asked == [
        {
            "$select": "contact.contact_id,contact.DeletedDate",
            "$filter": "contact.contact_id gt 3",
            "$orderBy": "contact.contact_id",
            "$top": "5000",
        }
    ]
    sales = FakeApi([{"PrimaryKey": "12"}])  # the key from PrimaryKey when not selected
    assert reader(sales).keys_after(SALE, 0).live == [12]
    assert sales.asked[0]["$select"] == "sale.sale_id"


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ({"odata.metadata": "x"}, "not a list of rows"),
        ({"value": {"contact.contact_id": 1}}, "not a list of rows"),
        ([1, 2], "not a list of rows"),
        ("rows", "not a list of rows"),
        (None, "not a list of rows"),
        ([contact(1, **{"contact.updated": None})], "row has no column contact.updated"),
        ([contact(1, **{"contact.updated": "yesterday"})], "contact.updated is unreadable"),
        ([{**contact(1), "contact.contact_id": "one", "PrimaryKey": None}], "key is not a number"),
        ([{**contact(1), "contact.contact_id": True}], "row has no primary key"),
        ([contact(1, "soon")], "contact.DeletedDate is unreadable"),
        ([contact(1, 20261101)], "contact.DeletedDate is not a datetime"),
    ],
)
def test_answers_that_do_not_fit_are_named_and_read_as_unexpected_on_the_page(
    answer: Any, problem: str
) -> None:
    with pytest.raises(UnexpectedResponse, match=problem) as raised:
        reader(FakeApi(answer)).changed_after(CONTACT, None)
    # TenantApi.fetch puts the operation in front; the management page then says that
    # SuperOffice's answer was unexpected, not that SuperOffice refused anything.
    shown = plain_error(f"{ARCHIVE_OPERATION}: {raised.value}", "contact")
    assert shown is not None
    assert "not what the app expected" in shown
    assert "refused" not in shown
