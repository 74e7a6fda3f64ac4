"""The whole local stack for end-to-end tests: `python -m local up` on free ports, once.

It runs as its own process, as a developer runs it, with a temporary state directory:
the tests see exactly what `make up` serves, and nothing of the test process's own
settings (the integration tests point AWS endpoints elsewhere) leaks into it. Port 0
lets the stack pick free ports; its `stack.json` says which, once everything answers.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from local.demo import StackUrls
from local.runner import find_running_stack

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


def _stop(process: subprocess.Popen[bytes]) -> None:
    # The stack's own children (DynamoDB Local, moto) are in its process group.
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackUrls]:
    state_dir = tmp_path_factory.mktemp("e2e-stack")
    command = [sys.executable, "-m", "local", "up", "--state-dir", str(state_dir)]
    for option in ("--port", "--simulator-port", "--dynamodb-port", "--moto-port"):
        command += [option, "0"]
    log = state_dir / "stack.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=REPO,
            env=_stack_environment(),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield _wait_until_running(process, state_dir, log)
    finally:
        _stop(process)


@pytest.fixture
def fresh_superoffice(local_stack: StackUrls) -> StackUrls:
    """SuperOffice back at its seed, so each test starts from a tenant without the app."""
    httpx.post(f"{local_stack.simulator_url}/_control/reset", timeout=10).raise_for_status()
    return local_stack
