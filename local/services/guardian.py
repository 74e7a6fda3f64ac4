"""Runs one service command and ends it when the process that started it goes away.

Started as `python guardian.py -- <command...>` with a pipe as stdin. The parent never
writes to the pipe; when the parent exits, however it exits (even SIGKILL), the kernel
closes its end, this process reads end-of-file and stops the service. That works on
Linux and macOS alike, for Java as for Python, which is why the services are not
started directly. On Linux the service additionally gets PR_SET_PDEATHSIG, so it also
dies if this guardian itself is killed.

SIGTERM, SIGINT and SIGHUP stop the service too. The exit code is the service's (128 + N
when signal N ended it, as shells report it). `--remove-if-orphaned FILE` (before `--`)
deletes FILE once the service has ended because the parent went away: a temporary log
nobody is left to read or delete.
Standard library only: it is run by path, before anything of the project is importable.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import threading
from types import FrameType

# How long the service gets to exit after SIGTERM before it is killed.
STOP_GRACE_SECONDS = 5.0
_PR_SET_PDEATHSIG = 1


def _die_with_guardian() -> None:
    """Runs in the child between fork and exec (Linux only): SIGKILL when we die."""
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _stop(service: subprocess.Popen[bytes]) -> None:
    """SIGTERM now, SIGKILL after the grace period; the main thread reaps the service.

    Never waits here: the main thread holds Popen's wait lock, so a second wait from a
    signal handler or the watcher thread could not reap the process and would only sleep.
    """
    service.terminate()
    killer = threading.Timer(STOP_GRACE_SECONDS, service.kill)
    killer.daemon = True
    killer.start()


_USAGE = "usage: guardian.py [--remove-if-orphaned FILE]... -- command [arguments...]\n"


def main(argv: list[str]) -> int:
    if "--" not in argv or argv.index("--") == len(argv) - 1:
        sys.stderr.write(_USAGE)
        return 2
    options, command = argv[: argv.index("--")], argv[argv.index("--") + 1 :]
    leftovers: list[str] = []
    while options:
        if options[0] != "--remove-if-orphaned" or len(options) < 2:
            sys.stderr.write(_USAGE)
            return 2
        leftovers.append(options[1])
        options = options[2:]
    orphaned = threading.Event()
    # The guardian is single-threaded here, so preexec_fn is safe to use.
    preexec = _die_with_guardian if sys.platform.startswith("linux") else None
    service = subprocess.Popen(command, stdin=subprocess.DEVNULL, preexec_fn=preexec)  # noqa: PLW1509

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        _stop(service)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, on_signal)

    def watch_parent() -> None:
        # os.read on the descriptor, not sys.stdin: a daemon thread blocked inside the
        # buffered reader's lock makes interpreter shutdown stall and abort.
        # It returns b"" only at end-of-file, i.e. when the parent is gone.
        while os.read(0, 4096):
            pass
        orphaned.set()
        _stop(service)

    threading.Thread(target=watch_parent, daemon=True).start()
    code = service.wait()
    if orphaned.is_set():
        for path in leftovers:
            with contextlib.suppress(OSError):
                os.unlink(path)
    return code


if __name__ == "__main__":
    code = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip interpreter shutdown: the watcher thread may still be blocked reading stdin.
    os._exit(code if code >= 0 else 128 - code)
