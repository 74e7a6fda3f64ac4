"""`python -m local token`: a local id_token (or an authorizer event carrying one) on stdout."""

from __future__ import annotations

import argparse
import json
from typing import Any

from local import defaults
from local.commands import CommandError
from local.http_api_events import Route, authorizer_request_event
from local.id_tokens import (
    CTX_PATTERN,
    DEFAULT_ASSOCIATE_ID,
    DEFAULT_LIFETIME_SECONDS,
    LocalUser,
    is_valid_ctx,
    issue_id_token,
    new_system_token,
)
from local.superid_keys import load_or_create_signing_key


def _ctx(value: str) -> str:
    if not is_valid_ctx(value):
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a tenant context identifier ({CTX_PATTERN.pattern}, e.g. Cust10001)"
        )
    return value


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value} is not positive")
    return number


def _route(value: str) -> Route:
    try:
        return Route.parse(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_parser(subcommands: Any) -> None:
    parser = subcommands.add_parser(
        "token",
        help="print an id_token of the local SuperOffice environment",
        description=(
            "Print an id_token signed with the simulator's key, shaped exactly as SuperID "
            "issues them (x5t and no kid in the header, iat as a string). With --event, "
            "print an HTTP API authorizer event (payload 2.0) that carries it instead."
        ),
    )
    parser.add_argument("--ctx", required=True, type=_ctx, help="tenant, e.g. Cust10001")
    parser.add_argument("--admin", action="store_true", help="the user is an administrator")
    parser.add_argument(
        "--associate-id",
        type=_positive,
        default=DEFAULT_ASSOCIATE_ID,
        help=f"the user's associate id (default {DEFAULT_ASSOCIATE_ID})",
    )
    parser.add_argument("--nonce", help="the nonce claim (default: none)")
    parser.add_argument(
        "--lifetime",
        type=_positive,
        default=DEFAULT_LIFETIME_SECONDS,
        help=f"seconds until exp (default {DEFAULT_LIFETIME_SECONDS})",
    )
    parser.add_argument(
        "--client-id",
        default=defaults.LOCAL_CLIENT_ID,
        help=f"the audience (default {defaults.LOCAL_CLIENT_ID})",
    )
    parser.add_argument(
        "--base-url",
        default=None,
        help=(
            "the simulator's base URL, i.e. the issuer "
            f"(default ${defaults.SIMULATOR_BASE_URL_SETTING} or {defaults.SIMULATOR_BASE_URL})"
        ),
    )
    parser.add_argument(
        "--system-token",
        action="store_true",
        help="include a system_token claim (a secret, as in an install-time sign-in)",
    )
    parser.add_argument(
        "--event",
        metavar="ROUTE",
        type=_route,
        help="print an authorizer event for ROUTE instead, e.g. 'GET /tenants/{ctx}'",
    )
    parser.add_argument(
        "--app-base-url",
        default=defaults.APP_BASE_URL,
        help=f"the app's base URL, host of the --event request (default {defaults.APP_BASE_URL})",
    )
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    issuer = (arguments.base_url or defaults.simulator_base_url()).rstrip("/")
    user = LocalUser(
        ctx=arguments.ctx,
        associate_id=arguments.associate_id,
        is_administrator=arguments.admin,
    )
    route: Route | None = arguments.event
    if route is not None:
        unknown = [name for name in route.parameter_names if name != "ctx"]
        if unknown:
            raise CommandError(
                f"--event {route.route_key}: only {{ctx}} can be filled in, not {unknown[0]}"
            )
    key = load_or_create_signing_key(defaults.local_state_dir())
    token = issue_id_token(
        key,
        issuer=issuer,
        audience=arguments.client_id,
        user=user,
        nonce=arguments.nonce,
        system_token=new_system_token() if arguments.system_token else None,
        lifetime=arguments.lifetime,
    )
    if route is None:
        print(token)
        return 0
    event = authorizer_request_event(
        route,
        path_parameters={"ctx": user.ctx} if "ctx" in route.parameter_names else {},
        headers={"authorization": f"Bearer {token}"},
        app_base_url=arguments.app_base_url,
    )
    print(json.dumps(event, indent=2))
    return 0
