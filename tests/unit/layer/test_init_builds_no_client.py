"""No function builds an AWS client at init, and the dispatcher imports no SuperOffice client.

A boto3 client resolves its credentials when it is made, so a client built at init would
put credentials into a SnapStart snapshot (docs/decisions.md); and making one (boto3's
import, the service model) is most of a cold start's cost. The graphs build their
clients on first use. Checked for every function with production settings, in a fresh
interpreter, as bench/cold_start.py imports them.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bench.cold_start import function_environment, production_functions

FUNCTIONS = production_functions()
PROBE = """
import json, sys
import {module}
boto3 = sys.modules.get("boto3")
print(json.dumps({{
    "clients_made": boto3 is not None and boto3.DEFAULT_SESSION is not None,
    "modules": sorted(name for name in sys.modules if name.split(".")[0] in ("boto3", "httpx")
                      or name.startswith("superoffice_app.superoffice")),
}}))
"""


def _imported(logical_id: str) -> dict[str, object]:
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
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_init_makes_no_aws_client(logical_id: str) -> None:
    assert _imported(logical_id)["clients_made"] is False


def test_the_dispatcher_imports_neither_boto3_nor_the_superoffice_client() -> None:
    # It reads the tenants table and queues messages: the worker's parts stay unimported.
    assert _imported("ScheduledSyncDispatcherFunction")["modules"] == []
