"""local/tables.py: from CloudFormation properties to CreateTable, without an endpoint."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from local.tables import (
    NOT_APPLIED_LOCALLY,
    TableDriftError,
    create_tables,
    ensure_table,
    load_local_template,
    table_specs,
)
from local.template import Template, TemplateError


def template(properties: dict[str, Any], **extra: Any) -> Template:
    document = {
        "Parameters": {"Stage": {"Type": "String", "Default": "prod"}},
        "Conditions": {
            "IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
            "IsTest": {"Fn::Equals": [{"Ref": "Stage"}, "test"]},
        },
        "Resources": {
            "Orders": {"Type": "AWS::DynamoDB::Table", "Properties": properties},
            **extra,
        },
    }
    return Template(document, path=Path("/nowhere/template.yaml"))


KEYS = {
    "AttributeDefinitions": [
        {"AttributeName": "id", "AttributeType": "S"},
        {"AttributeName": "day", "AttributeType": "N"},
    ],
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
}


def test_cloudformation_shapes_become_api_arguments() -> None:
    spec = table_specs(
        template(
            {
                **KEYS,
                "BillingMode": "PAY_PER_REQUEST",
                "GlobalSecondaryIndexes": [
                    {
                        "IndexName": "ByDay",
                        "KeySchema": [{"AttributeName": "day", "KeyType": "HASH"}],
                        "Projection": {"ProjectionType": "ALL"},
                        "ContributorInsightsSpecification": {"Enabled": True},
                    }
                ],
                "StreamSpecification": {"StreamViewType": "NEW_IMAGE"},
                "DeletionProtectionEnabled": {"Fn::If": ["IsProd", True, False]},
                "TimeToLiveSpecification": {"AttributeName": "ttl", "Enabled": "true"},
                "PointInTimeRecoverySpecification": {
                    "PointInTimeRecoveryEnabled": True,
                    "RecoveryPeriodInDays": 7,
                },
                "SSESpecification": {"SSEEnabled": True},
                "Tags": [{"Key": "team", "Value": "a"}],
            }
        )
    )["Orders"]
    arguments = dict(spec.create_arguments)
    assert arguments["GlobalSecondaryIndexes"] == [
        {
            "IndexName": "ByDay",
            "KeySchema": [{"AttributeName": "day", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
        }
    ]
    assert arguments["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_IMAGE",
    }
    assert arguments["DeletionProtectionEnabled"] is True
    assert "SSESpecification" not in arguments
    assert spec.ttl_attribute == "ttl"
    assert spec.point_in_time_recovery is True
    assert spec.recovery_period_days == 7
    assert spec.not_applied == ("SSESpecification", "Tags")


def test_billing_mode_defaults_as_in_cloudformation() -> None:
    spec = table_specs(template({**KEYS, "ProvisionedThroughput": {"ReadCapacityUnits": 1}}))
    assert spec["Orders"].create_arguments["BillingMode"] == "PROVISIONED"
    assert spec["Orders"].ttl_attribute is None


def test_an_unknown_property_stops_with_what_to_do() -> None:
    with pytest.raises(TemplateError, match=r"ImportSourceSpecification.*local/tables.py"):
        table_specs(template({**KEYS, "ImportSourceSpecification": {}}))
    with pytest.raises(TemplateError, match="Surprise"):
        table_specs(
            template(
                {
                    **KEYS,
                    "GlobalSecondaryIndexes": [
                        {"IndexName": "x", "KeySchema": [], "Projection": {}, "Surprise": 1}
                    ],
                }
            )
        )
    with pytest.raises(TemplateError, match="required"):
        table_specs(template({"BillingMode": "PAY_PER_REQUEST"}))


def test_tables_under_a_false_condition_are_left_out() -> None:
    conditional = {
        "Type": "AWS::DynamoDB::Table",
        "Condition": "IsTest",
        "Properties": KEYS,
    }
    assert list(table_specs(template(KEYS, Extra=conditional))) == ["Orders"]


def test_every_property_of_the_real_template_is_understood() -> None:
    specs = table_specs(load_local_template())
    tenants = specs["TenantsTable"]
    assert tenants.ttl_attribute == "expires_at"
    assert tenants.point_in_time_recovery is True
    assert tenants.not_applied == ("SSESpecification",)
    assert tenants.create_arguments["DeletionProtectionEnabled"] is False  # not production
    assert set(NOT_APPLIED_LOCALLY) >= set(tenants.not_applied)


class FakeDynamo:
    """Just enough of a DynamoDB client for ensure_table's decisions."""

    class exceptions:
        class ResourceInUseException(Exception):
            pass

    def __init__(self, *, exists: dict[str, Any] | None = None, ttl: dict[str, str] | None = None):
        self.existing = exists
        self.ttl = ttl or {"TimeToLiveStatus": "DISABLED"}
        self.calls: list[str] = []

    def create_table(self, **kwargs: Any) -> None:
        self.calls.append("create_table")
        if self.existing is not None:
            raise self.exceptions.ResourceInUseException()
        self.existing = {**kwargs, "TableStatus": "ACTIVE"}

    def describe_table(self, TableName: str) -> dict[str, Any]:
        return {"Table": self.existing}

    def describe_time_to_live(self, TableName: str) -> dict[str, Any]:
        return {"TimeToLiveDescription": self.ttl}

    def update_time_to_live(self, **kwargs: Any) -> None:
        self.calls.append("update_time_to_live")

    def update_continuous_backups(self, **kwargs: Any) -> None:
        self.calls.append("update_continuous_backups")
        error = Exception("An unknown operation was requested.")
        error.response = {"Error": {"Code": "UnknownOperationException"}}  # type: ignore[attr-defined]
        raise error


def test_ttl_twice_and_backups_missing_are_handled() -> None:
    spec = table_specs(load_local_template())["TenantsTable"]
    client = FakeDynamo(ttl={"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"})
    lines: list[str] = []
    ensure_table(client, spec, "t-TenantsTable", log=lines.append)
    assert client.calls == ["create_table", "update_continuous_backups"]
    assert lines == ["t-TenantsTable: point-in-time recovery skipped (the endpoint has no backups)"]


def test_an_existing_table_with_another_ttl_attribute_is_drift() -> None:
    spec = table_specs(load_local_template())["TenantsTable"]
    client = FakeDynamo(ttl={"TimeToLiveStatus": "ENABLED", "AttributeName": "ttl"})
    with pytest.raises(TableDriftError, match="'ttl'"):
        ensure_table(client, spec, "t")


def test_only_names_known_tables() -> None:
    with pytest.raises(TemplateError, match="no table Nope"):
        create_tables(FakeDynamo(), load_local_template(), only=["Nope"])
