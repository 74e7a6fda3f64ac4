"""A TenantsTable kept from an older template (`.local/dynamodb`) follows template.yaml's
global secondary indexes in place, with its items; keys and local indexes stay drift."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from local.tables import TableDriftError, create_tables, table_specs
from local.template import Template
from superoffice_app.store import BY_STATUS_INDEX
from tests.integration.conftest import unique_table_name

pytestmark = pytest.mark.integration

PROFILES = {
    "Cust1": {"status": "active", "state_answer": "Running", "sync_paused": False},
    "Cust2": {"status": "active", "state_answer": "Suspended", "sync_paused": True},
    "Cust3": {"status": "uninstalled", "state_answer": "Deleted", "sync_paused": False},
}


@pytest.fixture
def table_name(dynamodb_client: Any) -> Iterator[str]:
    name = unique_table_name("TenantsTable")
    yield name
    dynamodb_client.delete_table(TableName=name)


def create_as_an_older_template(
    client: Any, template: Template, name: str, indexes: list[dict[str, Any]], **more: Any
) -> None:
    """TenantsTable as template.yaml defines it but with `indexes` (and `more` arguments),
    holding three tenant profiles."""
    arguments = {**table_specs(template)["TenantsTable"].create_arguments, **more}
    all_indexes = [*indexes, *arguments.get("LocalSecondaryIndexes", [])]
    keys = [*arguments["KeySchema"], *(key for index in all_indexes for key in index["KeySchema"])]
    used = {key["AttributeName"] for key in keys}
    arguments["AttributeDefinitions"] = [
        definition
        for definition in arguments["AttributeDefinitions"]
        if definition["AttributeName"] in used  # DynamoDB refuses unused definitions
    ]
    arguments["GlobalSecondaryIndexes"] = indexes
    if not indexes:
        del arguments["GlobalSecondaryIndexes"]
    client.create_table(TableName=name, **arguments)
    for ctx, profile in PROFILES.items():
        client.put_item(
            TableName=name,
            Item={
                "PK": {"S": f"tenant#{ctx}"},
                "SK": {"S": "PROFILE"},
                "ctx": {"S": ctx},
                "status": {"S": str(profile["status"])},
                "state_answer": {"S": str(profile["state_answer"])},
                "sync_paused": {"BOOL": profile["sync_paused"]},
                "secret": {"S": "sealed"},
            },
        )


def by_status(template: Template, **changes: Any) -> dict[str, Any]:
    """ByStatus as template.yaml defines it, but for `changes`."""
    arguments = table_specs(template)["TenantsTable"].create_arguments
    (index,) = arguments["GlobalSecondaryIndexes"]
    assert index["IndexName"] == BY_STATUS_INDEX
    return {**index, **changes}


def provision(client: Any, template: Template, name: str) -> list[str]:
    """`make up`'s table step on the kept table; the index lines it logged."""
    lines: list[str] = []
    create_tables(
        client,
        template,
        only=["TenantsTable"],
        physical_name=lambda _logical_id: name,
        log=lines.append,
    )
    return [line for line in lines if "index" in line]


def assert_indexes_as_in_the_template(client: Any, template: Template, name: str) -> None:
    table = client.describe_table(TableName=name)["Table"]
    wanted = table_specs(template)["TenantsTable"].create_arguments["GlobalSecondaryIndexes"]
    assert {
        index["IndexName"]: (index["KeySchema"], index["Projection"], index["IndexStatus"])
        for index in table["GlobalSecondaryIndexes"]
    } == {
        index["IndexName"]: (index["KeySchema"], index["Projection"], "ACTIVE") for index in wanted
    }


def assert_items_kept(client: Any, name: str) -> None:
    items = client.scan(TableName=name)["Items"]
    assert sorted(item["ctx"]["S"] for item in items) == sorted(PROFILES)
    assert all(item["secret"] == {"S": "sealed"} for item in items)


def active_tenants(client: Any, name: str) -> list[dict[str, Any]]:
    return client.query(  # type: ignore[no-any-return]
        TableName=name,
        IndexName=BY_STATUS_INDEX,
        KeyConditionExpression="#status = :status",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":status": {"S": "active"}},
    )["Items"]


def test_a_missing_index_is_created_over_the_items_already_there(
    dynamodb_client: Any, local_template: Template, table_name: str
) -> None:
    create_as_an_older_template(dynamodb_client, local_template, table_name, indexes=[])

    assert provision(dynamodb_client, local_template, table_name) == [
        f"{table_name}: index ByStatus created (key (status S, ctx S), projection INCLUDE "
        "(state_answer, state_valid_until, sync_paused)), as TenantsTable in the template says"
    ]
    assert_indexes_as_in_the_template(dynamodb_client, local_template, table_name)
    assert_items_kept(dynamodb_client, table_name)
    assert sorted(item["ctx"]["S"] for item in active_tenants(dynamodb_client, table_name)) == [
        "Cust1",
        "Cust2",
    ]


def test_an_index_the_template_no_longer_has_is_deleted(
    dynamodb_client: Any, local_template: Template, table_name: str
) -> None:
    by_ctx = {
        "IndexName": "ByCtx",
        "KeySchema": [{"AttributeName": "ctx", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "KEYS_ONLY"},
    }
    create_as_an_older_template(
        dynamodb_client, local_template, table_name, indexes=[by_status(local_template), by_ctx]
    )

    assert provision(dynamodb_client, local_template, table_name) == [
        f"{table_name}: index ByCtx deleted (key (ctx S), projection KEYS_ONLY), "
        "as TenantsTable in the template says"
    ]
    assert_indexes_as_in_the_template(dynamodb_client, local_template, table_name)
    assert_items_kept(dynamodb_client, table_name)


def test_an_index_with_an_older_projection_is_replaced_and_answers_with_the_new_one(
    dynamodb_client: Any, local_template: Template, table_name: str
) -> None:
    older = by_status(local_template, Projection={"ProjectionType": "KEYS_ONLY"})
    create_as_an_older_template(dynamodb_client, local_template, table_name, indexes=[older])
    assert all("state_answer" not in item for item in active_tenants(dynamodb_client, table_name))

    assert provision(dynamodb_client, local_template, table_name) == [
        f"{table_name}: index ByStatus replaced (projection KEYS_ONLY -> INCLUDE "
        "(state_answer, state_valid_until, sync_paused)), as TenantsTable in the template says"
    ]
    assert_indexes_as_in_the_template(dynamodb_client, local_template, table_name)
    assert_items_kept(dynamodb_client, table_name)
    answered = {
        item["ctx"]["S"]: (item["state_answer"]["S"], item["sync_paused"]["BOOL"])
        for item in active_tenants(dynamodb_client, table_name)
    }
    assert answered == {"Cust1": ("Running", False), "Cust2": ("Suspended", True)}
    assert all("secret" not in item for item in active_tenants(dynamodb_client, table_name))
    assert provision(dynamodb_client, local_template, table_name) == []  # now as wanted


def test_other_local_secondary_indexes_stay_drift_and_change_nothing(
    dynamodb_client: Any, local_template: Template, table_name: str
) -> None:
    by_ctx = {
        "IndexName": "ByCtx",
        "KeySchema": [
            {"AttributeName": "PK", "KeyType": "HASH"},
            {"AttributeName": "ctx", "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "KEYS_ONLY"},
    }
    create_as_an_older_template(
        dynamodb_client,
        local_template,
        table_name,
        indexes=[],  # also missing, yet not created: the drift stops everything first
        LocalSecondaryIndexes=[by_ctx],
    )

    with pytest.raises(TableDriftError) as raised:
        provision(dynamodb_client, local_template, table_name)
    assert str(raised.value) == (
        f"table {table_name} differs from TenantsTable in the template where an existing "
        "table cannot change (LocalSecondaryIndexes: the table's ByCtx: key (PK S, ctx S), "
        "projection KEYS_ONLY, the template's none): delete the table (locally: its data "
        "directory under .local/, which holds every local table) and run again"
    )
    unchanged = dynamodb_client.describe_table(TableName=table_name)["Table"]
    assert not unchanged.get("GlobalSecondaryIndexes")
    assert_items_kept(dynamodb_client, table_name)
