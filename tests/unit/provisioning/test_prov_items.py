"""ProvisionedItem, the in-memory recorder and the report shapes."""

from __future__ import annotations

import json

import pytest

from superoffice_app.provisioning.engine import MemoryRecorder, ProvisionedItem
from superoffice_app.provisioning.reports import ItemOutcome, UninstallReport


def item(kind: str = "list", key: str = "Status", sid: str | None = "7") -> ProvisionedItem:
    return ProvisionedItem(kind=kind, key=key, superoffice_id=sid, name=key, details={"a": 1})  # type: ignore[arg-type]


def test_json_round_trip() -> None:
    original = item("udef", "App:Field", None)
    data = json.loads(json.dumps(original.as_json()))
    assert ProvisionedItem.from_json(data) == original


def test_details_are_read_only_and_copied() -> None:
    details = {"a": 1}
    made = ProvisionedItem(kind="list", key="k", superoffice_id="1", name="k", details=details)
    details["a"] = 2
    assert made.details["a"] == 1
    with pytest.raises(TypeError):
        made.details["a"] = 3  # type: ignore[index]


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "button", "key": "k"},
        {"kind": "list", "key": ""},
        {"kind": "list", "key": "k", "superoffice_id": 7},
        {"kind": "list", "key": "k", "details": []},
    ],
)
def test_from_json_refuses_other_shapes(data: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="item"):
        ProvisionedItem.from_json(data)


def test_recorder_upserts_by_kind_and_key_in_first_order() -> None:
    recorder = MemoryRecorder()
    recorder.record(item("list", "A", "1"))
    recorder.record(item("list", "B", "2"))
    recorder.record(item("list", "A", "3"))
    recorder.record(item("web_panel", "A", "4"))
    assert [(i.kind, i.key, i.superoffice_id) for i in recorder.recorded()] == [
        ("list", "A", "3"),
        ("list", "B", "2"),
        ("web_panel", "A", "4"),
    ]
    recorder.forget(item("list", "B"))
    assert len(recorder.recorded()) == 2


def test_uninstall_report_properties() -> None:
    a, b, c = item(key="A"), item(key="B"), item(key="C")
    report = UninstallReport(
        ctx="Cust1",
        outcomes=(
            ItemOutcome(a, "removed"),
            ItemOutcome(b, "already_gone"),
            ItemOutcome(c, "not_attempted", "stopped"),
        ),
        access_revoked=True,
        stopped="stopped",
        requests=3,
    )
    assert not report.complete
    assert report.gone == (a, b)
    assert report.left_for_administrator == (c,)
    rendered = json.loads(json.dumps(report.as_json()))
    assert rendered["left_for_administrator"] == [{"kind": "list", "key": "C", "name": "C"}]
    assert rendered["outcomes"][2] == {
        "item": c.as_json(),
        "result": "not_attempted",
        "message": "stopped",
    }
