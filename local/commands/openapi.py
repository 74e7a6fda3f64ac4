"""`python -m local openapi`: write (or check) the HTTP API's OpenAPI description."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from local import defaults
from local.commands import CommandError
from local.template import TemplateError


def add_parser(subcommands: Any) -> None:
    from local.openapi import OPENAPI_PATH

    parser = subcommands.add_parser(
        "openapi",
        help="write docs/openapi.json from the routes the functions register",
        description=(
            "Build the HTTP API's OpenAPI description from the routes the template's HTTP "
            "API functions register, checked against template.yaml's routes, and write it "
            "(deterministic: the same code gives the same file)."
        ),
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        default=OPENAPI_PATH,
        help=f"where to write it (default {OPENAPI_PATH.relative_to(defaults.REPO_ROOT)}; "
        "- for stdout)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 when the file differs from what the code describes now",
    )
    parser.add_argument(
        "-t",
        "--template",
        type=Path,
        default=defaults.TEMPLATE_PATH,
        help="the SAM template (default template.yaml)",
    )
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    from local.openapi import OpenApiError, build_openapi, render

    try:
        text = render(build_openapi(arguments.template))
    except (OpenApiError, TemplateError) as error:
        raise CommandError(str(error), exit_code=1) from None
    output: Path = arguments.output
    if str(output) == "-":
        sys.stdout.write(text)
        return 0
    if arguments.check:
        current = output.read_text("utf-8") if output.is_file() else None
        if current != text:
            print(
                f"{output} is out of date: run `python -m local openapi` and commit it",
                file=sys.stderr,
            )
            return 1
        print(f"{output} is up to date")
        return 0
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, "utf-8")
    print(f"wrote {output}")
    return 0
