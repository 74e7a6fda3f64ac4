"""`python -m local demo`: one tenant's whole life against the local stack, step by step.

Exit codes: 0 when every step passed, 1 when one failed, 2 when there is no stack to
drive (none answers and none could be started).
"""

from __future__ import annotations

import argparse
from typing import Any

from local import defaults
from local.commands import CommandError
from local.demo import StackUnavailable, demo_stack, run_demo


def add_parser(subcommands: Any) -> None:
    parser = subcommands.add_parser(
        "demo",
        help="tenant lifecycles over real HTTP: install, sync, notifications, webhook, uninstall",
        description=(
            "Install the app for tenant Cust10001 as its administrator would (sign-in at "
            "the simulated SuperID, consent, management page), check what it provisioned "
            "and that its records are mirrored and published; take a second tenant through "
            "suspend, resume, move, restore, a webhook and delete; then uninstall the first "
            "and check nothing is left. Uses a "
            "running stack (found through <state dir>/stack.json or the default ports) or "
            "starts one and stops it afterwards."
        ),
    )
    parser.add_argument(
        "--app-url",
        help="drive the app at this URL instead of finding or starting a stack",
    )
    parser.add_argument(
        "--simulator-url",
        help=f"the SuperOffice simulator to check (default: the stack's, else "
        f"{defaults.SIMULATOR_BASE_URL})",
    )
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    def out(line: str) -> None:
        print(line, flush=True)

    try:
        with demo_stack(
            app_url=arguments.app_url,
            simulator_url=arguments.simulator_url,
            state_dir=defaults.local_state_dir(),
            out=out,
        ) as stack:
            result = run_demo(stack.app_url, stack.simulator_url, out=out)
    except StackUnavailable as error:
        raise CommandError(str(error)) from error
    return 0 if result.ok else 1
