"""`python -m local contract`: derive the simulator's contract from SuperOffice's reference.

Reads SuperOffice's published reference (OpenAPI documents, database tables, OData
operators, webhook events; by default `../shared/data/superoffice-reference` beside the
repository) and writes what `local/simulator/contract/selection.json` asks for into
`local/simulator/contract/` (see its README). `--check` writes nothing and fails when the
committed files differ from what the reference gives now.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from local import defaults
from local.commands import CommandError
from local.simulator.contract_derive import (
    CONTRACT_DIR,
    SELECTION_FILE,
    ReferenceError,
    derive,
    dumps,
    load_selection,
    write,
)

DEFAULT_REFERENCE = defaults.REPO_ROOT.parent / "shared" / "data" / "superoffice-reference"


def add_parser(subcommands: Any) -> None:
    parser = subcommands.add_parser(
        "contract",
        help="derive local/simulator/contract/ from SuperOffice's published reference",
        description=(
            "Bring the operations, database tables, OData operators and webhook events "
            "that local/simulator/contract/selection.json names from SuperOffice's "
            "published reference into local/simulator/contract/ (deterministic: the same "
            "reference gives the same files)."
        ),
    )
    parser.add_argument(
        "--reference",
        type=Path,
        default=DEFAULT_REFERENCE,
        help="the reference folder (README.md, openapi/rest, openapi/agents, "
        "database-tables.json); default ../shared/data/superoffice-reference",
    )
    parser.add_argument(
        "--selection",
        type=Path,
        default=SELECTION_FILE,
        help="what to bring (default local/simulator/contract/selection.json)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=CONTRACT_DIR,
        help="where to write (default local/simulator/contract/)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 when a file differs from what the reference gives",
    )
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    if not arguments.reference.is_dir():
        raise CommandError(f"no reference folder at {arguments.reference}", exit_code=2)
    try:
        contents = derive(arguments.reference, load_selection(arguments.selection))
    except (ReferenceError, OSError, ValueError, KeyError) as error:
        raise CommandError(f"cannot derive the contract: {error}", exit_code=1) from None
    output: Path = arguments.output
    if arguments.check:
        stale = [
            name
            for name, content in contents.items()
            if not (output / name).is_file()
            or (output / name).read_text(encoding="utf-8") != dumps(content)
        ]
        for name in stale:
            print(f"{output / name} differs from the reference", file=sys.stderr)
        return 1 if stale else 0
    output.mkdir(parents=True, exist_ok=True)
    for path in write(contents, output):
        print(f"wrote {path}", file=sys.stderr)
    return 0
