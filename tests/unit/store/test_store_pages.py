"""query_pages/query_all: the one LastEvaluatedKey loop, over a scripted query."""

from __future__ import annotations

from typing import Any

from superoffice_app.store.pages import query_all, query_pages


class ScriptedQuery:
    """Answers each call with the next prepared page, recording the arguments."""

    def __init__(self, *pages: dict[str, Any]) -> None:
        self.pages = list(pages)
        self.calls: list[dict[str, Any]] = []

    def __call__(self, **arguments: Any) -> dict[str, Any]:
        self.calls.append(dict(arguments))
        return self.pages.pop(0)


def item(number: int) -> dict[str, Any]:
    return {"SK": {"N": str(number)}}


def test_pages_follow_the_last_evaluated_key_and_keep_empty_pages() -> None:
    query = ScriptedQuery(
        {"Items": [item(1), item(2)], "LastEvaluatedKey": item(2)},
        {"Items": [], "LastEvaluatedKey": item(2)},  # DynamoDB may answer an empty page
        {"Items": [item(3)]},
    )
    arguments = {"TableName": "t", "Limit": 2}
    pages = list(query_pages(query, **arguments))
    assert pages == [[item(1), item(2)], [], [item(3)]]
    assert [call.get("ExclusiveStartKey") for call in query.calls] == [None, item(2), item(2)]
    assert all(call["TableName"] == "t" and call["Limit"] == 2 for call in query.calls)
    assert arguments == {"TableName": "t", "Limit": 2}  # the caller's arguments stay as given


def test_nothing_is_read_before_it_is_asked_for() -> None:
    query = ScriptedQuery({"Items": [item(1)], "LastEvaluatedKey": item(1)}, {"Items": [item(2)]})
    items = query_all(query, TableName="t")
    assert query.calls == []
    assert next(items) == item(1)
    assert len(query.calls) == 1  # the second page only when the first is used up
    assert list(items) == [item(2)]
    assert len(query.calls) == 2


def test_an_answer_without_items_is_an_empty_page() -> None:
    assert list(query_pages(ScriptedQuery({}), TableName="t")) == [[]]
    assert list(query_all(ScriptedQuery({"Count": 0}), TableName="t")) == []
