"""local/tables.py against DynamoDB Local: tables exactly as template.yaml defines them."""

from __future__ import annotations

from typing import Any

import pytest

from local.tables import TableDriftError, create_tables, table_specs
from local.template import Template
from superoffice_app.store import BY_STATUS_INDEX, DynamoTable

pytestmark = pytest.mark.integration


def template_table(template: Template, logical_id: str) -> dict[str, Any]:
    resolved = template.resolve(
        template.resources_of_type("AWS::DynamoDB::Table")[logical_id]["Properties"], logical_id
    )
    assert isinstance(resolved, dict)
    return resolved


def test_every_table_of_the_template_is_created_as_defined(
    dynamodb_client: Any, local_template: Template
) -> None:
    suffix = f"-{id(object())}"
    names = create_tables(
        dynamodb_client, local_template, physical_name=lambda logical_id: logical_id + suffix
    )
    assert set(names) == set(local_template.resources_of_type("AWS::DynamoDB::Table"))
    try:
        for logical_id, name in names.items():
            defined = template_table(local_template, logical_id)
            table = dynamodb_client.describe_table(TableName=name)["Table"]
            assert table["TableStatus"] == "ACTIVE"
            assert table["KeySchema"] == defined["KeySchema"]
            assert sorted(table["AttributeDefinitions"], key=str) == sorted(
                defined["AttributeDefinitions"], key=str
            )
            assert table["BillingModeSummary"]["BillingMode"] == defined["BillingMode"]
            assert table.get("DeletionProtectionEnabled", False) == defined.get(
                "DeletionProtectionEnabled", False
            )
            created = {
                index["IndexName"]: (index["KeySchema"], index["Projection"])
                for index in table.get("GlobalSecondaryIndexes", [])
            }
            wanted = {
                index["IndexName"]: (index["KeySchema"], index["Projection"])
                for index in defined.get("GlobalSecondaryIndexes", [])
            }
            assert created == wanted
            ttl = dynamodb_client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
            if defined.get("TimeToLiveSpecification", {}).get("Enabled"):
                assert ttl["TimeToLiveStatus"] == "ENABLED"
                assert ttl["AttributeName"] == defined["TimeToLiveSpecification"]["AttributeName"]
    finally:
        for name in names.values():
            dynamodb_client.delete_table(TableName=name)


def test_tenants_table_has_what_the_store_relies_on(
    tenants_table: DynamoTable, dynamodb_client: Any
) -> None:
    table = dynamodb_client.describe_table(TableName=tenants_table.name)["Table"]
    assert table["KeySchema"] == [
        {"AttributeName": "PK", "KeyType": "HASH"},
        {"AttributeName": "SK", "KeyType": "RANGE"},
    ]
    (index,) = table["GlobalSecondaryIndexes"]
    assert index["IndexName"] == BY_STATUS_INDEX
    assert index["KeySchema"] == [
        {"AttributeName": "status", "KeyType": "HASH"},
        {"AttributeName": "ctx", "KeyType": "RANGE"},
    ]
    ttl = dynamodb_client.describe_time_to_live(TableName=tenants_table.name)
    assert ttl["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED",
        "AttributeName": "expires_at",
    }


def test_creating_again_keeps_the_table_and_its_items(
    tenants_table: DynamoTable, dynamodb_client: Any, local_template: Template
) -> None:
    dynamodb_client.put_item(
        TableName=tenants_table.name, Item={"PK": {"S": "x#1"}, "SK": {"S": "kept"}}
    )
    lines: list[str] = []
    names = create_tables(
        dynamodb_client,
        local_template,
        only=["TenantsTable"],
        physical_name=lambda _logical_id: tenants_table.name,
        log=lines.append,
    )
    assert names == {"TenantsTable": tenants_table.name}
    kept = dynamodb_client.get_item(
        TableName=tenants_table.name, Key={"PK": {"S": "x#1"}, "SK": {"S": "kept"}}
    )
    assert "Item" in kept
    # DynamoDB Local has no backups; moto has. Either way, nothing fails.
    assert all("point-in-time recovery skipped" in line for line in lines)


def test_an_existing_table_with_other_keys_is_reported_not_used(
    dynamodb_client: Any, local_template: Template
) -> None:
    name = f"drifted-{id(object())}"
    dynamodb_client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
    )
    try:
        with pytest.raises(
            TableDriftError,
            match=r"key schema: the table.s \(PK S\), the template.s \(PK S, SK S\)",
        ):
            create_tables(
                dynamodb_client,
                local_template,
                only=["TenantsTable"],
                physical_name=lambda _logical_id: name,
            )
        # Stopped before any change: the missing ByStatus index was not created either.
        table = dynamodb_client.describe_table(TableName=name)["Table"]
        assert not table.get("GlobalSecondaryIndexes")
    finally:
        dynamodb_client.delete_table(TableName=name)


def test_default_names_are_the_local_stacks(local_template: Template) -> None:
    assert set(table_specs(local_template)) >= {"TenantsTable"}
    assert local_template.physical_name("TenantsTable") == "superoffice-app-local-TenantsTable"
