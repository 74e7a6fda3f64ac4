"""The e2e stack's process ends with the test process, however that ends.

`local_stack` starts `python -m local up` through `start_tied_to_this_process`. A pytest
killed with SIGTERM or SIGKILL runs no teardown; the stack must not outlive it. Proved
here on a stand-in command (a whole stack would cost seconds of start-up for the same
mechanism): it holds a lock while it lives, and the lock comes free once it has ended.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import REPO

pytestmark = pytest.mark.e2e

GONE_WITHIN_SECONDS = 15

# The test process's stand-in: starts the command as the fixture starts the stack, says
# "ready" once the command holds its lock, then waits to be killed.
PARENT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from tests.e2e.conftest import start_tied_to_this_process

    lock, ready = Path(sys.argv[1]), Path(sys.argv[2])
    holder = (
        "import fcntl, sys, time; handle = open(sys.argv[1], 'w'); "
        "fcntl.flock(handle, fcntl.LOCK_EX); open(sys.argv[2], 'w').close(); time.sleep(300)"
    )
    with open(lock.with_suffix('.log'), 'wb') as log:
        start_tied_to_this_process([sys.executable, '-c', holder, str(lock), str(ready)], log=log)
    deadline = time.monotonic() + 30
    while not ready.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    print('ready' if ready.exists() else 'never ready', flush=True)
    time.sleep(300)
    """
)


def lock_is_free(lock: Path) -> bool:
    with lock.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle, fcntl.LOCK_UN)
        return True


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_the_stack_command_ends_when_the_test_process_is_killed(
    tmp_path: Path, how: signal.Signals
) -> None:
    lock, ready = tmp_path / "held.lock", tmp_path / "ready"
    python_path = os.pathsep.join([str(REPO), str(REPO / "layers" / "shared")])
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(lock), str(ready)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": python_path},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert parent.stdout is not None
        assert parent.stdout.readline().strip() == "ready"
        assert not lock_is_free(lock), "the command does not hold its lock"
        parent.send_signal(how)
        parent.wait(10)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        if parent.stdout is not None:
            parent.stdout.close()
    deadline = time.monotonic() + GONE_WITHIN_SECONDS
    while not lock_is_free(lock):
        assert time.monotonic() < deadline, (
            f"the command outlived its parent's {how.name} by {GONE_WITHIN_SECONDS} s"
        )
        time.sleep(0.1)
