"""What a function's init may not do: connect, make an AWS client, load what it never uses.

SnapStart (template parameter SnapStart=on) snapshots the init of the route functions and
restores it in every new environment, so init must open no connection (it would be shared
and stale) and make no boto3 client (a client resolves its credentials when made). Making
one is also most of a cold start's cost, so the graphs build their clients on first use.
Checked for every function with production settings, in a fresh interpreter whose socket
module refuses to connect or to look a name up, as bench/cold_start.py imports them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache

import pytest

from bench.cold_start import function_environment, production_functions

FUNCTIONS = production_functions()
PROBE = """
import json, socket, sys
def refused(*args, **kwargs):
    sys.stderr.write("NETWORK AT INIT: " + repr(args[:2]) + "\\n")
    raise OSError("no network at init")
socket.socket.connect = refused
socket.socket.connect_ex = refused
socket.getaddrinfo = refused
socket.create_connection = refused
import {module}
boto3 = sys.modules.get("boto3")
print(json.dumps({{
    "clients_made": boto3 is not None and boto3.DEFAULT_SESSION is not None,
    "modules": sorted(name for name in sys.modules if name.split(".")[0] in ("boto3", "httpx")
                      or name.startswith("superoffice_app.superoffice")),
    "layer": sorted(name for name in sys.modules if name.startswith("superoffice_app.")),
}}))
"""


@cache
def imported(logical_id: str) -> dict[str, object]:
    function = FUNCTIONS[logical_id]
    environment, folder = function_environment(function)
    module = function.handler.rpartition(".")[0]
    done = subprocess.run(
        [sys.executable, "-P", "-c", PROBE.format(module=module)],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "NETWORK AT INIT" not in done.stderr, done.stderr[-2000:]
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_init_opens_no_connection_and_makes_no_aws_client(logical_id: str) -> None:
    assert imported(logical_id)["clients_made"] is False


def test_the_webhook_function_imports_no_boto3_at_init() -> None:
    # Its AWS clients, and boto3 with them, come with the first delivery.
    modules = imported("NotificationWebhookFunction")["modules"]
    assert isinstance(modules, list)
    assert [name for name in modules if name.split(".")[0] == "boto3"] == []


def test_the_dispatcher_imports_neither_boto3_nor_the_superoffice_client() -> None:
    # It reads the tenants table and queues messages: the worker's parts stay unimported.
    assert imported("ScheduledSyncDispatcherFunction")["modules"] == []


# What only some of RedirectCallbackFunction's routes use, each imported by the first
# request that needs it: the install (provisioning engine, SuperOffice's client, the
# first sync's queue), SuperID's code exchange, the uninstall (and the mirror it purges),
# the sync switch and the management page's sync section, the id_token validator.
ONBOARDING_ROUTE_MODULES = (
    "superoffice_app.onboarding.install",
    "superoffice_app.onboarding.sync_switch",
    "superoffice_app.onboarding.uninstall",
    "superoffice_app.provisioning.engine",
    "superoffice_app.provisioning.webhooks",
    "superoffice_app.queues.messages",
    "superoffice_app.queues.sqs",
    "superoffice_app.store.audit",
    "superoffice_app.store.models",
    "superoffice_app.store.tenants",
    "superoffice_app.superoffice.oidc",
    "superoffice_app.superoffice.rest",
    "superoffice_app.superoffice.system_user",
    "superoffice_app.sync.mirror",
    "superoffice_app.sync.state",
    "superoffice_app.sync.status",
    "superoffice_app.tokens.session",
    "superoffice_app.tokens.validators",
)


def test_the_confirm_function_leaves_the_confirmer_to_its_first_message() -> None:
    result = imported("NotificationConfirmFunction")
    layer = result["layer"]
    assert isinstance(layer, list)
    assert "superoffice_app.lifecycle.confirmations" in layer  # the probe saw its init
    assert "superoffice_app.lifecycle.confirmer" not in layer


def test_the_sync_worker_does_not_import_what_only_token_checks_need() -> None:
    layer = imported("SyncWorkerFunction")["layer"]
    assert isinstance(layer, list)
    assert "superoffice_app.wiring.sync" in layer
    assert sorted({"superoffice_app.tokens.keys", "superoffice_app.tokens.jwk"} & set(layer)) == []


def test_the_onboarding_function_imports_at_init_only_what_every_route_needs() -> None:
    loaded = imported("RedirectCallbackFunction")["layer"]
    assert isinstance(loaded, list)
    assert "superoffice_app.wiring.onboarding" in loaded  # the probe saw its init
    assert sorted(set(ONBOARDING_ROUTE_MODULES) & set(loaded)) == []


def test_the_authorizers_named_tuples_are_made_from_real_annotations() -> None:
    """Under `from __future__ import annotations` a NamedTuple's fields are strings, each
    compiled into a ForwardRef when the class is made: a millisecond of the authorizer's
    cold start for the classes below. Their modules leave that import out."""
    import typing

    from superoffice_app.authorizer import AuthRequest, Decision, Identity
    from superoffice_app.config import AppConfig
    from superoffice_app.environments import Environment
    from superoffice_app.tokens.algorithms import _Algorithm
    from superoffice_app.tokens.claims import IdTokenClaims, SessionClaims
    from superoffice_app.urls import SplitUrl
    from superoffice_app.wiring.authorizer import AuthorizerSettings

    classes = (
        AuthRequest, Decision, Identity, AppConfig, Environment, _Algorithm,
        IdTokenClaims, SessionClaims, SplitUrl, AuthorizerSettings,
    )  # fmt: skip
    deferred = [
        f"{cls.__name__}.{field}"
        for cls in classes
        for field, annotation in cls.__annotations__.items()
        if isinstance(annotation, str | typing.ForwardRef)
    ]
    assert deferred == []
