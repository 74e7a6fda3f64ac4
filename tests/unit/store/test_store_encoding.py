"""Attribute values, instants, keys: the small codecs under the store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from superoffice_app.store.attributes import from_item, to_attribute, to_item
from superoffice_app.store.clock import epoch_seconds, format_instant, parse_instant
from superoffice_app.store.keys import (
    check_ctx,
    event_sk,
    provisioned_prefix,
    provisioned_sk,
    secret_sk,
    tenant_key,
)

json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() | st.binary(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@given(st.dictionaries(st.text(min_size=1, max_size=10), json_like, max_size=6))
def test_items_round_trip(values: dict[str, object]) -> None:
    present = {name: value for name, value in values.items() if value is not None}
    assert from_item(to_item(values)) == present


def test_types_map_as_dynamodb_expects() -> None:
    assert to_attribute(True) == {"BOOL": True}
    assert to_attribute(7) == {"N": "7"}
    assert to_attribute(b"\x00") == {"B": b"\x00"}
    assert to_attribute(("a", None)) == {"L": [{"S": "a"}, {"NULL": True}]}
    with pytest.raises(TypeError, match="float"):
        to_attribute(1.5)


@given(st.datetimes(timezones=st.just(UTC), min_value=datetime(2000, 1, 1)))
def test_instants_round_trip_and_sort_as_text(moment: datetime) -> None:
    text = format_instant(moment)
    assert parse_instant(text) == moment
    later = format_instant(moment + timedelta(microseconds=1))
    assert text < later


def test_instants_are_written_in_utc_and_must_be_aware() -> None:
    oslo = datetime(2026, 3, 2, 10, 30, tzinfo=timezone(timedelta(hours=1)))
    assert format_instant(oslo) == "2026-03-02T09:30:00.000000Z"
    assert epoch_seconds(oslo) == int(oslo.timestamp())
    with pytest.raises(ValueError, match="timezone-aware"):
        format_instant(datetime(2026, 3, 2))
    with pytest.raises(ValueError, match="timezone-aware"):
        epoch_seconds(datetime(2026, 3, 2))


@pytest.mark.parametrize(
    "ctx", ["", "cust1", "Cust", "Cust1#SECRET", "Cust1 ", None, "Cust1234567890123"]
)
def test_only_context_identifiers_become_keys(ctx: str) -> None:
    with pytest.raises(ValueError, match="context identifier"):
        check_ctx(ctx)


def test_key_shapes() -> None:
    assert tenant_key("Cust1", "PROFILE") == {"PK": {"S": "TENANT#Cust1"}, "SK": {"S": "PROFILE"}}
    assert secret_sk("ticket") == "SECRET#ticket"
    assert provisioned_sk("udef", "contact:x#1") == "PROVISIONED#udef#contact:x#1"
    assert provisioned_prefix("udef") == "PROVISIONED#udef#"
    moment = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    assert event_sk(moment, "ab12") == "EVENT#2026-03-02T09:30:00.000000Z#ab12"


@pytest.mark.parametrize(
    ("kind", "key", "message"),
    [("", "k", "kind"), ("a#b", "k", "'#'"), ("udef", " ", "key"), ("udef", "x" * 513, "longer")],
)
def test_bad_key_parts_are_refused(kind: str, key: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        provisioned_sk(kind, key)


def test_secret_names_are_a_closed_set() -> None:
    with pytest.raises(ValueError, match="unknown secret name 'tickets'"):
        secret_sk("tickets")
