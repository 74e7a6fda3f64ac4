"""`python -m local`: argument parsing and dispatch to the subcommands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from local.commands import (
    CommandError,
    contract,
    demo,
    invoke,
    openapi,
    simulator,
    smoke,
    token,
    up,
)

COMMANDS = (token, invoke, simulator, demo, up, openapi, contract, smoke)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m local",
        description="Docker-free local tooling of the SuperOffice app backend.",
    )
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.add_parser(subcommands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    arguments = parser.parse_args(argv)
    try:
        code: int = arguments.run(arguments)
    except CommandError as error:
        print(f"{parser.prog} {arguments.command}: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130
    return code
