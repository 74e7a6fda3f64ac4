"""No function opens a connection or resolves a host at init (SnapStart's first rule).

SnapStart snapshots the init of RedirectCallbackFunction and NotificationWebhookFunction
(template parameter SnapStart=on) and restores it in every new environment: a connection
opened at init would be shared and stale, so init only builds clients; the first request
connects. Checked for every function, with production settings, in a fresh interpreter
whose socket module refuses to connect or to look a name up.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from bench.cold_start import function_environment, production_functions

FUNCTIONS = production_functions()
GUARD = """
import socket, sys
def refused(*args, **kwargs):
    sys.stderr.write("NETWORK AT INIT: " + repr(args[:2]) + "\\n")
    raise OSError("no network at init")
socket.socket.connect = refused
socket.socket.connect_ex = refused
socket.getaddrinfo = refused
socket.create_connection = refused
import {module}
"""


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_init_opens_no_connection(logical_id: str) -> None:
    function = FUNCTIONS[logical_id]
    environment, folder = function_environment(function)
    module = function.handler.rpartition(".")[0]
    done = subprocess.run(
        [sys.executable, "-P", "-c", GUARD.format(module=module)],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "NETWORK AT INIT" not in done.stderr, done.stderr[-2000:]
    assert done.returncode == 0, done.stderr[-2000:]
