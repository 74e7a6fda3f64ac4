"""Assembling a `Scenario` from the committed inputs and the partner's command-line choices."""

from __future__ import annotations

from dataclasses import dataclass

from bench.costs.assumptions import Assumptions
from bench.costs.measured import Measured, read_measured
from bench.costs.model import Scenario
from bench.costs.stack import StackSettings, read_stack, schedule_minutes

__all__ = ["Choices", "Inputs", "build", "read_inputs"]


@dataclass(frozen=True)
class Inputs:
    """Everything committed that the estimate rests on."""

    stack: StackSettings
    measured: Measured
    assumptions: Assumptions


@dataclass(frozen=True)
class Choices:
    """What a partner may change on the command line; None keeps the template's value."""

    schedule_minutes: int | None = None
    entities: int | None = None
    worker_concurrency: int | None = None

    @property
    def are_defaults(self) -> bool:
        return self == Choices()


def read_inputs() -> Inputs:
    return Inputs(stack=read_stack(), measured=read_measured(), assumptions=Assumptions())


def build(inputs: Inputs, choices: Choices) -> Scenario:
    stack = inputs.stack
    return Scenario(
        measured=inputs.measured,
        assumptions=inputs.assumptions,
        schedule_minutes=choices.schedule_minutes or schedule_minutes(stack.schedule_rate),
        entities=choices.entities or len(stack.entities),
        worker_concurrency=choices.worker_concurrency or stack.worker_concurrency,
        sync_batch_size=stack.sync_batch_size,
        memory_mb=stack.memory_mb,
        log_retention_days=stack.log_retention_days,
        tables=stack.tables,
        kms_keys=stack.kms_keys,
        secrets=stack.secrets,
        queue_consumers=stack.queue_consumers,
        backup_retention_days=(
            stack.backup_retention_days
            if stack.backup_retention_days is not None
            else inputs.assumptions.backup_retention_days
        ),
    )
