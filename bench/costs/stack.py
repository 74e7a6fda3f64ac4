"""What template.yaml configures that the cost depends on, read from the template itself.

Reading it (rather than copying its values) keeps the estimate true to the deployed stack:
a partner who changes `SyncScheduleRate`'s default or a function's memory and runs
`make costs` sees the effect, and the unit test notices a template change the committed
`docs/operating-costs.md` does not reflect yet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local.cfn_yaml import read_template

__all__ = ["StackSettings", "read_stack", "schedule_minutes"]

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"

_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours)\)$")


@dataclass(frozen=True)
class StackSettings:
    schedule_rate: str  # SyncScheduleRate's default, as written
    entities: tuple[str, ...]  # SyncEntities' default
    worker_concurrency: int  # SyncWorkerConcurrency's default
    memory_mb: dict[str, int]  # every function's MemorySize (Globals when unset)
    sync_batch_size: int  # SyncWorkerFunction's SQS batch size
    log_retention_days: int  # the longest RetentionInDays of the functions' log groups
    tables: int  # DynamoDB tables
    kms_keys: int  # customer managed KMS keys
    secrets: int  # Secrets Manager secrets the stack reads (its *SecretName parameters)
    queue_consumers: int  # SQS queues a function polls (Lambda's long polls cost requests)
    backup_retention_days: int | None  # BackupRetentionDays' default, if the template has one


def schedule_minutes(rate: str) -> int:
    """``rate(15 minutes)`` -> 15, ``rate(1 hour)`` -> 60 (the forms SyncScheduleRate allows)."""
    found = _RATE.match(rate.strip())
    if found is None:
        raise ValueError(f"not a rate(N minutes|hours) expression: {rate!r}")
    count = int(found.group(1))
    return count * 60 if found.group(2).startswith("hour") else count


def read_stack(path: Path = TEMPLATE) -> StackSettings:
    template = read_template(path)
    parameters: dict[str, Any] = template["Parameters"]
    resources: dict[str, Any] = template["Resources"]
    default_memory = int(template["Globals"]["Function"]["MemorySize"])
    functions = {
        name: resource["Properties"]
        for name, resource in resources.items()
        if resource["Type"] == "AWS::Serverless::Function"
    }
    retention = [
        int(_value(resource["Properties"]["RetentionInDays"], parameters))
        for resource in resources.values()
        if resource["Type"] == "AWS::Logs::LogGroup"
        and "RetentionInDays" in resource.get("Properties", {})
    ]
    worker_events = functions["SyncWorkerFunction"]["Events"]
    return StackSettings(
        schedule_rate=str(parameters["SyncScheduleRate"]["Default"]),
        entities=tuple(str(parameters["SyncEntities"]["Default"]).split(",")),
        worker_concurrency=int(parameters["SyncWorkerConcurrency"]["Default"]),
        memory_mb={
            name: int(_value(properties.get("MemorySize", default_memory), parameters))
            for name, properties in sorted(functions.items())
        },
        sync_batch_size=int(worker_events["Queue"]["Properties"]["BatchSize"]),
        log_retention_days=max(retention),
        tables=_count(resources, "AWS::DynamoDB::Table"),
        kms_keys=_count(resources, "AWS::KMS::Key"),
        secrets=sum(1 for name in parameters if name.endswith("SecretName")),
        queue_consumers=sum(
            1
            for properties in functions.values()
            for event in properties.get("Events", {}).values()
            if event["Type"] == "SQS"
        ),
        backup_retention_days=(
            int(parameters["BackupRetentionDays"]["Default"])
            if "BackupRetentionDays" in parameters
            else None
        ),
    )


def _value(value: Any, parameters: dict[str, Any]) -> Any:
    """A property's value, a ``!Ref`` to a parameter resolved to its default."""
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return parameters[value["Ref"]]["Default"]
    return value


def _count(resources: dict[str, Any], kind: str) -> int:
    return sum(1 for resource in resources.values() if resource["Type"] == kind)
