"""The whole local stack for end-to-end tests: `python -m local up` on free ports.

One stack per test module: what one module leaves behind on the AWS side (an uninstall's
mirror sweep, delayed five minutes on SyncQueue, say) cannot hold up the next module's
waits for an empty queue.

It runs as its own process, as a developer runs it, with a temporary state directory:
the tests see exactly what `make up` serves, and nothing of the test process's own
settings (the integration tests point AWS endpoints elsewhere) leaks into it. Port 0
lets the stack pick free ports; its `stack.json` says which, once everything answers.

The stack runs under the services' guardian (`local/services/guardian.py`), which stops
it when this test process ends however it ends: a pytest killed with SIGTERM or SIGKILL
runs no fixture teardown, and `local up` (with its DynamoDB Local and moto) would
otherwise keep running.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import httpx
import pytest

from local.demo import StackUrls
from local.runner import find_running_stack
from local.services.process import GUARDIAN

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 10
# Settings the stack derives for itself; inherited values would point it elsewhere.
STACK_OWN_SETTINGS = ("LOCAL_STATE_DIR", "SUPEROFFICE_LOCAL_BASE_URL", "AWS_PROFILE")


def _stack_environment() -> dict[str, str]:
    return {
        name: value
        for name, value in os.environ.items()
        if name not in STACK_OWN_SETTINGS and not name.startswith("AWS_ENDPOINT_URL")
    }


def _wait_until_running(process: subprocess.Popen[bytes], state_dir: Path, log: Path) -> StackUrls:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"`python -m local up` exited ({process.returncode}):\n{_tail(log)}")
        running = find_running_stack(state_dir)
        if running is not None:
            return StackUrls(running.app_url, running.simulator_url)
        time.sleep(0.2)
    pytest.fail(f"the stack did not answer within {START_TIMEOUT_SECONDS} s:\n{_tail(log)}")


def _tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text("utf-8", errors="replace").splitlines()[-lines:])


def start_tied_to_this_process(
    command: list[str], *, log: IO[bytes], env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Run `command` under the guardian: it ends when this process ends, even on SIGKILL.

    The guardian watches the pipe on its stdin (end-of-file: we are gone), then stops the
    command with SIGTERM, and SIGKILL after a grace period; the returned process is the
    guardian's, in a process group of its own with the command.
    """
    return subprocess.Popen(
        [sys.executable, str(GUARDIAN), "--", *command],
        stdin=subprocess.PIPE,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=REPO,
        env=env,
        start_new_session=True,
    )


def stop_tied_process(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the guardian, which passes it on once; SIGKILL to the group if stuck."""
    try:
        process.terminate()
        process.wait(STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    finally:
        if process.stdin is not None:
            process.stdin.close()


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackUrls]:
    state_dir = tmp_path_factory.mktemp("e2e-stack")
    command = [sys.executable, "-m", "local", "up", "--state-dir", str(state_dir)]
    for option in ("--port", "--simulator-port", "--dynamodb-port", "--moto-port"):
        command += [option, "0"]
    log = state_dir / "stack.log"
    with log.open("wb") as output:
        process = start_tied_to_this_process(command, log=output, env=_stack_environment())
    try:
        yield _wait_until_running(process, state_dir, log)
    finally:
        stop_tied_process(process)


@pytest.fixture
def fresh_superoffice(local_stack: StackUrls) -> StackUrls:
    """SuperOffice back at its seed, so each test starts from a tenant without the app."""
    httpx.post(f"{local_stack.simulator_url}/_control/reset", timeout=10).raise_for_status()
    return local_stack
