"""Create the DynamoDB tables of `template.yaml` on a DynamoDB endpoint, from the template.

The local stack and the tests build their tables here and nowhere else, from each
`AWS::DynamoDB::Table` resource's own properties (keys, attributes, indexes, billing
mode, streams, deletion protection, TTL, point-in-time recovery), so a table used
locally cannot drift from the one CloudFormation creates.

A property this module does not know stops it with an error naming the property:
adding one to the template means deciding here how it applies locally. A few properties
have no local meaning and are skipped on purpose (`NOT_APPLIED_LOCALLY`).

Creating is idempotent: an existing table is kept (its TTL and backups are set again),
unless its key schema or local secondary indexes differ from the template, which no update
can change: that raises `TableDriftError`. The rest is changed in place as CloudFormation
changes it (UpdateTable). Global secondary indexes: one the template adds is created, one
it drops is deleted, one with other keys or another projection is deleted and created
anew (each waited for, items kept). The stream: enabled when the template adds a
StreamSpecification, disabled and enabled again for another view type, disabled when the
template drops it.
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
        _update_global_indexes(client, spec, table_name, log)
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


# -- comparing a table with the template ---------------------------------------------------


@dataclass(frozen=True)
class IndexShape:
    """What makes two indexes the same: their keys (with attribute types) and projection."""

    keys: tuple[tuple[str, str | None], ...]  # (attribute, type), HASH first
    projection: str
    non_key_attributes: tuple[str, ...] = ()

    def describe_keys(self) -> str:
        return _describe_keys(self.keys)

    def describe_projection(self) -> str:
        if not self.non_key_attributes:
            return self.projection
        return f"{self.projection} ({', '.join(self.non_key_attributes)})"

    def describe(self) -> str:
        return f"key {self.describe_keys()}, projection {self.describe_projection()}"


@dataclass(frozen=True)
class IndexChange:
    """One global secondary index to create (no `before`), delete (no `after`) or replace."""

    name: str
    before: IndexShape | None
    after: IndexShape | None

    def describe(self) -> str:
        """What happens, for the log: `ByStatus replaced (projection ALL -> INCLUDE (a))`."""
        if self.before is None:
            assert self.after is not None
            return f"index {self.name} created ({self.after.describe()})"
        if self.after is None:
            return f"index {self.name} deleted ({self.before.describe()})"
        changed = []
        if self.before.keys != self.after.keys:
            changed.append(f"key {self.before.describe_keys()} -> {self.after.describe_keys()}")
        if self.before.describe_projection() != self.after.describe_projection():
            changed.append(
                f"projection {self.before.describe_projection()} -> "
                f"{self.after.describe_projection()}"
            )
        return f"index {self.name} replaced ({'; '.join(changed)})"


def key_shape(table: Mapping[str, Any]) -> tuple[tuple[str, str | None], ...]:
    """A table's own key, (attribute, type) HASH first; `table`: DescribeTable's Table or
    CreateTable's arguments (both have KeySchema and AttributeDefinitions)."""
    return _keys(table["KeySchema"], _attribute_types(table))


def index_shapes(table: Mapping[str, Any], kind: str) -> dict[str, IndexShape]:
    """Index name -> shape of `table`'s `kind` ("GlobalSecondaryIndexes" or
    "LocalSecondaryIndexes"); `table` as for `key_shape`."""
    types = _attribute_types(table)
    return {
        index["IndexName"]: IndexShape(
            keys=_keys(index["KeySchema"], types),
            projection=index["Projection"]["ProjectionType"],
            non_key_attributes=tuple(sorted(index["Projection"].get("NonKeyAttributes", []))),
        )
        for index in table.get(kind) or []
    }


def global_index_changes(
    table: Mapping[str, Any], wanted: Mapping[str, Any]
) -> tuple[IndexChange, ...]:
    """What turns `table`'s global secondary indexes into `wanted`'s, by index name."""
    current = index_shapes(table, "GlobalSecondaryIndexes")
    target = index_shapes(wanted, "GlobalSecondaryIndexes")
    return tuple(
        IndexChange(name, current.get(name), target.get(name))
        for name in sorted(current.keys() | target.keys())
        if current.get(name) != target.get(name)
    )


def _attribute_types(table: Mapping[str, Any]) -> dict[str, str]:
    return {a["AttributeName"]: a["AttributeType"] for a in table.get("AttributeDefinitions") or []}


def _keys(schema: Any, types: Mapping[str, str]) -> tuple[tuple[str, str | None], ...]:
    ordered = sorted(schema, key=lambda key: key["KeyType"] != "HASH")
    return tuple((key["AttributeName"], types.get(key["AttributeName"])) for key in ordered)


# -- API calls ----------------------------------------------------------------------------


def _wait_until_active(client: Any, table_name: str, *, without: str | None = None) -> None:
    """Until the table and its global secondary indexes are ACTIVE (and index `without`
    is gone: a deleted index is DELETING for a while, and in the way of its new self)."""
    # DynamoDB Local and moto create tables ACTIVE at once; AWS takes seconds. DynamoDB
    # Local takes about a second to build an index, AWS minutes.
    deadline = time.monotonic() + _ACTIVE_TIMEOUT_SECONDS
    while True:
        table = client.describe_table(TableName=table_name)["Table"]
        indexes = table.get("GlobalSecondaryIndexes", [])
        if (
            table["TableStatus"] == "ACTIVE"
            and all(index.get("IndexStatus", "ACTIVE") == "ACTIVE" for index in indexes)
            and all(index["IndexName"] != without for index in indexes)
        ):
            return
        if time.monotonic() > deadline:
            states = ", ".join(
                f"index {index['IndexName']} {index.get('IndexStatus', 'ACTIVE')}"
                for index in indexes
            )
            raise TimeoutError(
                f"table {table_name} is still {table['TableStatus']}"
                + (f" ({states})" if states else "")
            )
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


def _update_global_indexes(client: Any, spec: TableSpec, table_name: str, log: Log | None) -> None:
    """Give an existing table the template's global secondary indexes, as CloudFormation
    does: create what is new, delete what is gone, delete and create anew what differs."""
    table = client.describe_table(TableName=table_name)["Table"]
    changes = global_index_changes(table, spec.create_arguments)
    wanted = {
        index["IndexName"]: index
        for index in spec.create_arguments.get("GlobalSecondaryIndexes") or []
    }
    # UpdateTable takes one index at a time, and none while another is being built or
    # deleted. Every deletion comes first, so a key attribute may change its type.
    present = {index["IndexName"] for index in table.get("GlobalSecondaryIndexes") or []}
    for change in changes:
        if change.before is None:
            continue
        client.update_table(
            TableName=table_name,
            GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": change.name}}],
        )
        _wait_until_active(client, table_name, without=change.name)
        present.discard(change.name)
        if change.after is None:
            _log_index_change(log, spec, table_name, change)
    for change in changes:
        if change.after is None:
            continue
        present.add(change.name)
        client.update_table(
            TableName=table_name,
            AttributeDefinitions=_definitions_for(spec, present),
            GlobalSecondaryIndexUpdates=[{"Create": dict(wanted[change.name])}],
        )
        _wait_until_active(client, table_name)
        _log_index_change(log, spec, table_name, change)


def _definitions_for(spec: TableSpec, global_indexes: Collection[str]) -> list[Any]:
    """The template's definitions of every key attribute of the table, its local indexes
    and `global_indexes`: what UpdateTable asks for when an index is added (moto takes them
    as the table's whole list, so the new index's alone would drop the others)."""
    arguments = spec.create_arguments
    schemas = [arguments["KeySchema"]]
    schemas += [index["KeySchema"] for index in arguments.get("LocalSecondaryIndexes") or []]
    schemas += [
        index["KeySchema"]
        for index in arguments.get("GlobalSecondaryIndexes") or []
        if index["IndexName"] in global_indexes
    ]
    used = {key["AttributeName"] for schema in schemas for key in schema}
    return [
        definition
        for definition in arguments["AttributeDefinitions"]
        if definition["AttributeName"] in used
    ]


def _log_index_change(
    log: Log | None, spec: TableSpec, table_name: str, change: IndexChange
) -> None:
    if log is not None:
        log(f"{table_name}: {change.describe()}, as {spec.logical_id} in the template says")


def _check_existing(client: Any, spec: TableSpec, table_name: str) -> None:
    """Stop before any change if the table differs where no update can change it."""
    table = client.describe_table(TableName=table_name)["Table"]
    wanted = spec.create_arguments
    differences: list[str] = []
    current_key, wanted_key = key_shape(table), key_shape(wanted)
    if current_key != wanted_key:
        differences.append(
            f"key schema: the table's {_describe_keys(current_key)}, "
            f"the template's {_describe_keys(wanted_key)}"
        )
    current_local = index_shapes(table, "LocalSecondaryIndexes")
    wanted_local = index_shapes(wanted, "LocalSecondaryIndexes")
    if current_local != wanted_local:
        differences.append(
            f"LocalSecondaryIndexes: the table's {_describe_indexes(current_local)}, "
            f"the template's {_describe_indexes(wanted_local)}"
        )
    if differences:
        raise TableDriftError(
            f"table {table_name} differs from {spec.logical_id} in the template where an "
            f"existing table cannot change ({'; '.join(differences)}): delete the table "
            "(locally: its data directory under .local/, which holds every local table) "
            "and run again"
        )


def _describe_keys(keys: tuple[tuple[str, str | None], ...]) -> str:
    """`(status S, ctx S)`: the attributes with their types, HASH first."""
    return "(" + ", ".join(f"{name} {kind or '?'}" for name, kind in keys) + ")"


def _describe_indexes(shapes: Mapping[str, IndexShape]) -> str:
    if not shapes:
        return "none"
    return "; ".join(f"{name}: {shape.describe()}" for name, shape in sorted(shapes.items()))


def error_code(error: BaseException) -> str | None:
    """The AWS error code of a botocore ClientError (None for anything else)."""
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return str(code) if code is not None else None
    return None
