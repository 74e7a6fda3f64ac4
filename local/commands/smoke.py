"""`python -m local smoke --url URL`: check a running stack, deployed or local, from outside.

One line per check (PASS, FAIL or SKIP, with what was expected and what came back); exit
0 only when none failed, 1 when one did, 2 for bad arguments. No tenant, no credentials:
see `local/smoke/` for what each check sends.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any, Final

from local.smoke.report import Outcome
from local.smoke.suite import run_checks
from local.smoke.target import ENVIRONMENTS, Target, parse_target

DEFAULT_TIMEOUT: Final = 10.0


def _target(value: str) -> Target:
    try:
        return parse_target(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _timeout(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not math.isfinite(seconds) or seconds <= 0:
        raise argparse.ArgumentTypeError(f"{value} is not a positive number of seconds")
    return seconds


def add_parser(subcommands: Any) -> None:
    parser = subcommands.add_parser(
        "smoke",
        help="check a running stack (deployed or local) from outside, without a tenant",
        description=(
            "Check a running stack from outside: health, the session JWKS, the install "
            "redirect's OIDC parameters, forged notification and webhook refused with 401, "
            "an unknown route's 404, TLS and the pages' security headers. One line per "
            "check; exit 0 when none failed, 1 when one did."
        ),
    )
    parser.add_argument(
        "--url",
        required=True,
        type=_target,
        help="the stack's base URL (its AppBaseUrl): https, or http on a loopback address",
    )
    parser.add_argument(
        "--environment",
        choices=ENVIRONMENTS,
        default=None,
        help="the SuperOffice environment whose SuperID the install must redirect to "
        "(default: inferred from the redirect's host, and said so)",
    )
    parser.add_argument(
        "--timeout",
        type=_timeout,
        default=DEFAULT_TIMEOUT,
        help=f"seconds to wait for each answer (default {DEFAULT_TIMEOUT:g})",
    )
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    target: Target = arguments.url
    failed = passed = skipped = 0
    for result in run_checks(target, environment=arguments.environment, timeout=arguments.timeout):
        print(result.line(), flush=True)
        failed += result.outcome is Outcome.FAIL
        passed += result.outcome is Outcome.PASS
        skipped += result.outcome is Outcome.SKIP
    summary = f"smoke {target.base_url}: {passed} passed, {failed} failed, {skipped} skipped"
    print(summary, file=sys.stderr)
    return 1 if failed else 0
