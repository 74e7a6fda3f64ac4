"""local/tables.py: comparing a table's keys and indexes with the template, without an endpoint."""

from __future__ import annotations

from typing import Any

from local.tables import (
    IndexShape,
    global_index_changes,
    index_shapes,
    key_shape,
    load_local_template,
    table_specs,
)

DEFINITIONS = [
    {"AttributeName": "PK", "AttributeType": "S"},
    {"AttributeName": "status", "AttributeType": "S"},
    {"AttributeName": "ctx", "AttributeType": "S"},
]
BY_STATUS_KEYS = [
    {"AttributeName": "status", "KeyType": "HASH"},
    {"AttributeName": "ctx", "KeyType": "RANGE"},
]


def table(
    *indexes: dict[str, Any], definitions: list[dict[str, str]] = DEFINITIONS
) -> dict[str, Any]:
    return {
        "AttributeDefinitions": definitions,
        "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}],
        "GlobalSecondaryIndexes": list(indexes),
    }


def by_status(projection: dict[str, Any], **described: Any) -> dict[str, Any]:
    return {
        "IndexName": "ByStatus",
        "KeySchema": BY_STATUS_KEYS,
        "Projection": projection,
        **described,
    }


INCLUDE = {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["sync_paused", "state_answer"]}


def test_the_same_indexes_need_no_change_whatever_else_describe_table_says() -> None:
    described = by_status(
        {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["state_answer", "sync_paused"]},
        IndexStatus="ACTIVE",
        ItemCount=3,
        OnDemandThroughput={"MaxReadRequestUnits": -1, "MaxWriteRequestUnits": -1},
    )
    assert global_index_changes(table(described), table(by_status(INCLUDE))) == ()


def test_a_missing_index_is_created_and_an_extra_one_deleted() -> None:
    by_ctx = {
        "IndexName": "ByCtx",
        "KeySchema": [{"AttributeName": "ctx", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "KEYS_ONLY"},
    }
    changes = global_index_changes(table(by_ctx), table(by_status(INCLUDE)))
    assert [(change.name, change.before is None, change.after is None) for change in changes] == [
        ("ByCtx", False, True),
        ("ByStatus", True, False),
    ]
    assert [change.describe() for change in changes] == [
        "index ByCtx deleted (key (ctx S), projection KEYS_ONLY)",
        "index ByStatus created (key (status S, ctx S), "
        "projection INCLUDE (state_answer, sync_paused))",
    ]
    assert global_index_changes({**table(), "GlobalSecondaryIndexes": None}, table()) == ()


def test_another_projection_replaces_the_index() -> None:
    (change,) = global_index_changes(
        table(by_status({"ProjectionType": "ALL"})), table(by_status(INCLUDE))
    )
    assert change.before == IndexShape(keys=(("status", "S"), ("ctx", "S")), projection="ALL")
    assert change.after is not None
    assert change.describe() == (
        "index ByStatus replaced (projection ALL -> INCLUDE (state_answer, sync_paused))"
    )


def test_other_keys_or_key_types_replace_the_index() -> None:
    only_status = {**by_status(INCLUDE), "KeySchema": BY_STATUS_KEYS[:1]}
    (change,) = global_index_changes(table(only_status), table(by_status(INCLUDE)))
    assert change.describe() == ("index ByStatus replaced (key (status S) -> (status S, ctx S))")
    numbered = [*DEFINITIONS[:2], {"AttributeName": "ctx", "AttributeType": "N"}]
    (change,) = global_index_changes(
        table(by_status({"ProjectionType": "ALL"}), definitions=numbered), table(by_status(INCLUDE))
    )
    assert change.describe() == (
        "index ByStatus replaced (key (status S, ctx N) -> (status S, ctx S); "
        "projection ALL -> INCLUDE (state_answer, sync_paused))"
    )


def test_key_shapes_put_the_hash_key_first_and_carry_types() -> None:
    described = {
        "AttributeDefinitions": [
            {"AttributeName": "SK", "AttributeType": "N"},
            {"AttributeName": "PK", "AttributeType": "S"},
        ],
        "KeySchema": [
            {"AttributeName": "SK", "KeyType": "RANGE"},
            {"AttributeName": "PK", "KeyType": "HASH"},
        ],
    }
    assert key_shape(described) == (("PK", "S"), ("SK", "N"))
    swapped = {
        **described,
        "KeySchema": [
            {"AttributeName": "SK", "KeyType": "HASH"},
            {"AttributeName": "PK", "KeyType": "RANGE"},
        ],
    }
    assert key_shape(swapped) != key_shape(described)


def test_local_indexes_have_shapes_too() -> None:
    described = {
        **table(),
        "LocalSecondaryIndexes": [
            {
                "IndexName": "ByCtx",
                "KeySchema": [
                    {"AttributeName": "PK", "KeyType": "HASH"},
                    {"AttributeName": "ctx", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    }
    assert index_shapes(described, "LocalSecondaryIndexes") == {
        "ByCtx": IndexShape(keys=(("PK", "S"), ("ctx", "S")), projection="ALL")
    }
    assert index_shapes(table(), "LocalSecondaryIndexes") == {}


def test_the_real_template_compared_with_itself_needs_nothing() -> None:
    arguments = table_specs(load_local_template())["TenantsTable"].create_arguments
    assert global_index_changes(arguments, arguments) == ()
