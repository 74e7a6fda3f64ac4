"""Create the DynamoDB tables of `template.yaml` on a DynamoDB endpoint, from the template.

The local stack and the tests build their tables here and nowhere else, from each
`AWS::DynamoDB::Table` resource's own properties (keys, attributes, indexes, billing
mode, streams, deletion protection, TTL, point-in-time recovery), so a table used
locally cannot drift from the one CloudFormation creates.

A property this module does not know stops it with an error naming the property:
adding one to the template means deciding here how it applies locally. A few properties
have no local meaning and are skipped on purpose (`NOT_APPLIED_LOCALLY`).

Creating is idempotent: an existing table is kept (its TTL and backups are set again),
unless its keys or indexes differ from the template, which raises `TableDriftError`. Its
stream is changed in place as CloudFormation changes it (UpdateTable): enabled when the
template adds a StreamSpecification, disabled and enabled again for another view type,
disabled when the template drops it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from local import defaults
from local.template import Template, TemplateError, load_template

DYNAMODB_TABLE: Final = "AWS::DynamoDB::Table"

# CloudFormation properties copied to CreateTable (converted where the shapes differ).
_CREATE_PROPERTIES: Final = frozenset(
    {
        "AttributeDefinitions",
        "KeySchema",
        "BillingMode",
        "ProvisionedThroughput",
        "OnDemandThroughput",
        "GlobalSecondaryIndexes",
        "LocalSecondaryIndexes",
        "StreamSpecification",
        "DeletionProtectionEnabled",
    }
)
# Applied after CreateTable, by their own API calls; TableName is the physical name.
_AFTER_CREATE_PROPERTIES: Final = frozenset(
    {"TableName", "TimeToLiveSpecification", "PointInTimeRecoverySpecification"}
)
# Properties with no local meaning, and why.
NOT_APPLIED_LOCALLY: Final[Mapping[str, str]] = MappingProxyType(
    {
        "SSESpecification": "encryption at rest is not emulated (DynamoDB Local ignores it)",
        "Tags": "tags are for billing and access policies on AWS",
        "TableClass": "a storage price class",
        "ContributorInsightsSpecification": "a CloudWatch feature",
        "KinesisStreamSpecification": "no local Kinesis",
        "WarmThroughput": "pre-warming is a capacity setting",
        "ResourcePolicy": "no IAM locally",
    }
)
_INDEX_KEYS: Final = frozenset(
    {"IndexName", "KeySchema", "Projection", "ProvisionedThroughput", "OnDemandThroughput"}
)
_INDEX_KEYS_NOT_APPLIED: Final = frozenset({"ContributorInsightsSpecification", "WarmThroughput"})
_ACTIVE_TIMEOUT_SECONDS: Final = 30.0

Log = Callable[[str], None]


class TableDriftError(TemplateError):
    """A table exists with other keys or indexes than the template defines."""


@dataclass(frozen=True)
class TableSpec:
    """One table of the template, as API calls: CreateTable's arguments and the rest."""

    logical_id: str
    # CreateTable's arguments, without TableName.
    create_arguments: Mapping[str, Any]
    ttl_attribute: str | None
    point_in_time_recovery: bool
    recovery_period_days: int | None = None
    # Properties set in the template that have no local meaning (NOT_APPLIED_LOCALLY).
    not_applied: tuple[str, ...] = field(default=())


def load_local_template(path: Path = defaults.TEMPLATE_PATH) -> Template:
    """The template with the local stack's parameter values (enough to resolve tables)."""
    # Tables never refer to the signing certificate; an empty one keeps this independent
    # of the simulator's key files.
    return load_template(path, parameters=defaults.template_parameters(signing_certificate=""))


def table_specs(template: Template) -> dict[str, TableSpec]:
    """Logical id -> TableSpec for every table of the template (Conditions respected)."""
    return {
        logical_id: _table_spec(template, logical_id, resource)
        for logical_id, resource in sorted(template.resources_of_type(DYNAMODB_TABLE).items())
    }


def create_tables(
    client: Any,
    template: Template | None = None,
    *,
    physical_name: Callable[[str], str] | None = None,
    only: Collection[str] | None = None,
    log: Log | None = None,
) -> dict[str, str]:
    """Create (or keep) the template's tables on `client`'s endpoint; logical id -> name.

    `client`: a boto3 DynamoDB client. `physical_name`: logical id -> table name (default:
    the local stack's name, `superoffice-app-local-TenantsTable`); tests pass a unique one.
    `only`: the logical ids to create (default: all). `log` receives one line per skipped
    feature the endpoint does not support (point-in-time recovery on DynamoDB Local).
    """
    template = template or load_local_template()
    specs = table_specs(template)
    if only is not None:
        unknown = sorted(set(only) - set(specs))
        if unknown:
            raise TemplateError(
                f"no table {', '.join(unknown)} in {template.path}; tables: "
                f"{', '.join(specs) or 'none'}"
            )
        specs = {logical_id: spec for logical_id, spec in specs.items() if logical_id in only}
    name_of = physical_name or template.physical_name
    created: dict[str, str] = {}
    for logical_id, spec in specs.items():
        table_name = name_of(logical_id)
        ensure_table(client, spec, table_name, log=log)
        created[logical_id] = table_name
    return created


def ensure_table(client: Any, spec: TableSpec, table_name: str, *, log: Log | None = None) -> None:
    """Create `table_name` as `spec` says, or check the existing one; then TTL and backups."""
    try:
        client.create_table(TableName=table_name, **spec.create_arguments)
    except client.exceptions.ResourceInUseException:
        _check_existing(client, spec, table_name)
        _wait_until_active(client, table_name)
        _update_stream(client, spec, table_name, log)
    _wait_until_active(client, table_name)
    if spec.ttl_attribute is not None:
        _enable_ttl(client, table_name, spec.ttl_attribute)
    if spec.point_in_time_recovery:
        _enable_point_in_time_recovery(client, spec, table_name, log)


# -- from the template to API arguments ----------------------------------------------------


def _table_spec(template: Template, logical_id: str, resource: Mapping[str, Any]) -> TableSpec:
    where = f"{logical_id} (AWS::DynamoDB::Table)"
    properties = template.resolve(resource.get("Properties") or {}, where)
    if not isinstance(properties, dict):
        raise TemplateError(f"{where}: Properties must be a mapping")
    known = _CREATE_PROPERTIES | _AFTER_CREATE_PROPERTIES | NOT_APPLIED_LOCALLY.keys()
    unknown = sorted(set(properties) - known)
    if unknown:
        raise TemplateError(
            f"{where}: {', '.join(unknown)} not supported by local/tables.py; decide there "
            "how it applies locally, so local tables keep matching the template"
        )
    arguments: dict[str, Any] = {
        "AttributeDefinitions": properties.get("AttributeDefinitions"),
        "KeySchema": properties.get("KeySchema"),
        "BillingMode": properties.get("BillingMode", "PROVISIONED"),
    }
    for name in ("ProvisionedThroughput", "OnDemandThroughput"):
        if name in properties:
            arguments[name] = properties[name]
    if "GlobalSecondaryIndexes" in properties:
        arguments["GlobalSecondaryIndexes"] = [
            _index(index, f"{where} GlobalSecondaryIndexes")
            for index in properties["GlobalSecondaryIndexes"]
        ]
    if "LocalSecondaryIndexes" in properties:
        arguments["LocalSecondaryIndexes"] = [
            _index(index, f"{where} LocalSecondaryIndexes")
            for index in properties["LocalSecondaryIndexes"]
        ]
    if "StreamSpecification" in properties:
        arguments["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": properties["StreamSpecification"]["StreamViewType"],
        }
    if "DeletionProtectionEnabled" in properties:
        arguments["DeletionProtectionEnabled"] = _boolean(
            properties["DeletionProtectionEnabled"], f"{where} DeletionProtectionEnabled"
        )
    if not arguments["AttributeDefinitions"] or not arguments["KeySchema"]:
        raise TemplateError(f"{where}: AttributeDefinitions and KeySchema are required")

    ttl = properties.get("TimeToLiveSpecification") or {}
    ttl_enabled = _boolean(ttl.get("Enabled", False), f"{where} TimeToLiveSpecification")
    recovery = properties.get("PointInTimeRecoverySpecification") or {}
    recovery_enabled = _boolean(
        recovery.get("PointInTimeRecoveryEnabled", False), f"{where} PointInTimeRecovery"
    )
    period = recovery.get("RecoveryPeriodInDays")
    return TableSpec(
        logical_id=logical_id,
        create_arguments=MappingProxyType(arguments),
        ttl_attribute=str(ttl["AttributeName"]) if ttl_enabled else None,
        point_in_time_recovery=recovery_enabled,
        recovery_period_days=int(period) if period is not None else None,
        not_applied=tuple(sorted(set(properties) & NOT_APPLIED_LOCALLY.keys())),
    )


def _index(index: Any, where: str) -> dict[str, Any]:
    if not isinstance(index, dict):
        raise TemplateError(f"{where}: each index must be a mapping")
    unknown = sorted(set(index) - _INDEX_KEYS - _INDEX_KEYS_NOT_APPLIED)
    if unknown:
        raise TemplateError(f"{where}: {', '.join(unknown)} not supported by local/tables.py")
    return {key: value for key, value in index.items() if key in _INDEX_KEYS}


def _boolean(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise TemplateError(f"{where}: expected true or false, got {value!r}")


# -- API calls ----------------------------------------------------------------------------


def _wait_until_active(client: Any, table_name: str) -> None:
    # DynamoDB Local and moto create tables ACTIVE at once; AWS takes seconds.
    deadline = time.monotonic() + _ACTIVE_TIMEOUT_SECONDS
    while True:
        table = client.describe_table(TableName=table_name)["Table"]
        indexes = table.get("GlobalSecondaryIndexes", [])
        if table["TableStatus"] == "ACTIVE" and all(
            index.get("IndexStatus", "ACTIVE") == "ACTIVE" for index in indexes
        ):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"table {table_name} is still {table['TableStatus']}")
        time.sleep(0.1)


def _enable_ttl(client: Any, table_name: str, attribute: str) -> None:
    # UpdateTimeToLive refuses to enable TTL twice, so look first.
    current = client.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
    if current.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"):
        if current.get("AttributeName") != attribute:
            raise TableDriftError(
                f"table {table_name} expires items by {current.get('AttributeName')!r}, "
                f"the template by {attribute!r}: delete the table and run again"
            )
        return
    client.update_time_to_live(
        TableName=table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute},
    )


def _enable_point_in_time_recovery(
    client: Any, spec: TableSpec, table_name: str, log: Log | None
) -> None:
    recovery: dict[str, Any] = {"PointInTimeRecoveryEnabled": True}
    if spec.recovery_period_days is not None:
        recovery["RecoveryPeriodInDays"] = spec.recovery_period_days
    try:
        client.update_continuous_backups(
            TableName=table_name, PointInTimeRecoverySpecification=recovery
        )
    except Exception as error:
        # DynamoDB Local has no backups at all; anything else is a real failure.
        if error_code(error) != "UnknownOperationException":
            raise
        if log is not None:
            log(f"{table_name}: point-in-time recovery skipped (the endpoint has no backups)")


def _update_stream(client: Any, spec: TableSpec, table_name: str, log: Log | None) -> None:
    """Give an existing table the template's stream (a table from before it had one)."""
    table = client.describe_table(TableName=table_name)["Table"]
    current = table.get("StreamSpecification") or {}
    current_view = current.get("StreamViewType") if current.get("StreamEnabled") else None
    wanted = spec.create_arguments.get("StreamSpecification")
    wanted_view = wanted["StreamViewType"] if wanted else None
    if current_view == wanted_view:
        return
    if current_view is not None:
        # A stream's view type cannot change: CloudFormation disables it and enables anew.
        client.update_table(TableName=table_name, StreamSpecification={"StreamEnabled": False})
        _wait_until_active(client, table_name)
    if wanted is not None:
        client.update_table(TableName=table_name, StreamSpecification=dict(wanted))
    if log is not None:
        log(
            f"{table_name}: stream {current_view or 'off'} -> {wanted_view or 'off'}, "
            f"as {spec.logical_id} in the template says"
        )


def _check_existing(client: Any, spec: TableSpec, table_name: str) -> None:
    table = client.describe_table(TableName=table_name)["Table"]
    wanted = spec.create_arguments
    differences: list[str] = []
    if _key_schema(table["KeySchema"]) != _key_schema(wanted["KeySchema"]):
        differences.append("key schema")
    existing_types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
    for attribute in wanted["AttributeDefinitions"]:
        name = attribute["AttributeName"]
        if existing_types.get(name, attribute["AttributeType"]) != attribute["AttributeType"]:
            differences.append(f"type of {name}")
    for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if _indexes(table.get(kind, [])) != _indexes(wanted.get(kind, [])):
            differences.append(kind)
    if differences:
        raise TableDriftError(
            f"table {table_name} exists with another {', '.join(differences)} than "
            f"{spec.logical_id} in the template: delete the table (locally: its data "
            "directory under .local/) and run again"
        )


def _key_schema(schema: Any) -> tuple[tuple[str, str], ...]:
    return tuple((key["AttributeName"], key["KeyType"]) for key in schema)


def _indexes(indexes: Any) -> dict[str, tuple[Any, ...]]:
    return {
        index["IndexName"]: (
            _key_schema(index["KeySchema"]),
            index["Projection"]["ProjectionType"],
            tuple(sorted(index["Projection"].get("NonKeyAttributes", []))),
        )
        for index in indexes
    }


def error_code(error: BaseException) -> str | None:
    """The AWS error code of a botocore ClientError (None for anything else)."""
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return str(code) if code is not None else None
    return None
