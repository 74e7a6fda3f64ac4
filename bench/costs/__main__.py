"""`python -m bench.costs`: the monthly AWS cost and SuperOffice load, printed or written.

Prints the document for the chosen configuration; `--write` regenerates
docs/operating-costs.md from the committed inputs only (a choice on the command line would
make the committed file disagree with what the unit test recomputes).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.costs.model import estimate
from bench.costs.report import render
from bench.costs.scenario import Choices, Inputs, build, read_inputs

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "operating-costs.md"
DEFAULT_TENANTS = (100, 1_000, 10_000)


def document(inputs: Inputs, choices: Choices, tenants: tuple[int, ...] = DEFAULT_TENANTS) -> str:
    scenario = build(inputs, choices)
    return render(scenario, inputs.stack, [estimate(scenario, count) for count in tenants])


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text}")
    return value


def _tenant_counts(text: str) -> tuple[int, ...]:
    try:
        return tuple(_positive(part.replace("_", "")) for part in text.split(","))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"comma-separated tenant counts: {text}") from error


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.costs", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument(
        "--schedule-minutes",
        type=_positive,
        help="minutes between scheduled syncs (default: template's SyncScheduleRate)",
    )
    parser.add_argument(
        "--entities",
        type=_positive,
        help="number of mirrored entities (default: template's SyncEntities)",
    )
    parser.add_argument(
        "--concurrency",
        type=_positive,
        help="the sync worker's reserved concurrency (default: SyncWorkerConcurrency)",
    )
    parser.add_argument(
        "--tenants",
        type=_tenant_counts,
        default=DEFAULT_TENANTS,
        help="comma-separated tenant counts (default: 100,1000,10000)",
    )
    parser.add_argument(
        "--write",
        action="store_true",
        help=f"regenerate {DOCUMENT.relative_to(DOCUMENT.parents[1])} from the committed inputs",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = _arguments(argv)
    choices = Choices(
        schedule_minutes=arguments.schedule_minutes,
        entities=arguments.entities,
        worker_concurrency=arguments.concurrency,
    )
    if arguments.write and (not choices.are_defaults or arguments.tenants != DEFAULT_TENANTS):
        print(
            "bench.costs: --write takes no other option: the document shows the committed "
            "configuration (change template.yaml, bench/costs/assumptions.py or prices.py)",
            file=sys.stderr,
        )
        return 2
    text = document(read_inputs(), choices, arguments.tenants)
    if arguments.write:
        DOCUMENT.write_text(text, "utf-8")
        print(f"bench.costs: wrote {DOCUMENT}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
