"""Start a service process, wait until it answers HTTP, stop it; never leave it orphaned.

Every service runs under `guardian.py`, which ends it when this process ends (however it
ends), so a crashed test session or a killed `make up` never leaves a JVM or a moto server
holding a port. The service's output goes to a log file whose last lines are quoted when
it fails to start.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Final

from local.services.errors import ServiceStartError

GUARDIAN: Final = Path(__file__).resolve().with_name("guardian.py")
# How long `stop()` waits for the guardian (which itself gives the service 5 s).
STOP_TIMEOUT_SECONDS: Final = 8.0
_POLL_SECONDS: Final = 0.05
_LOG_TAIL_LINES: Final = 25


class RunningService:
    """A started service: `endpoint` to talk to it, `stop()` (or `with`) to end it.

    Keep a reference while the service is needed: when this object is collected, or the
    interpreter exits, the service is stopped.
    """

    def __init__(
        self,
        *,
        name: str,
        engine: str,
        host: str,
        port: int,
        process: subprocess.Popen[bytes],
        log_path: Path,
        owns_log: bool,
    ) -> None:
        self.name = name
        # What actually serves: "DynamoDB Local" or "moto" (the fallback shows here).
        self.engine = engine
        self.host = host
        self.port = port
        self.log_path = log_path
        self._process = process
        # Runs at stop(), when the object is collected, or at interpreter exit.
        self._finalizer = weakref.finalize(self, _terminate, process, log_path, owns_log)

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int:
        """The guardian's process id (the service runs in its process group)."""
        return self._process.pid

    def is_running(self) -> bool:
        return self._process.poll() is None

    def stop(self) -> None:
        """End the service and wait for it; calling it again does nothing."""
        self._finalizer()

    def __enter__(self) -> RunningService:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.is_running() else "stopped"
        return f"<RunningService {self.name} ({self.engine}) {self.endpoint} {state}>"


def launch(
    *,
    name: str,
    engine: str,
    command: Sequence[str],
    host: str,
    port: int,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    log_path: Path | None = None,
    ready_timeout: float = 30.0,
) -> RunningService:
    """Run `command` under the guardian and return once `host:port` answers HTTP.

    Raises ServiceStartError, with the log's last lines, if the process exits first or
    does not answer within `ready_timeout` seconds (the process is then stopped).
    """
    owns_log = log_path is None
    if log_path is None:
        handle, temporary = tempfile.mkstemp(prefix=f"{name}-", suffix=".log")
        os.close(handle)
        log_path = Path(temporary)
    else:
        log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        leftovers = [log_path] if owns_log else []
        process = _spawn(command, cwd=cwd, env=env, log=log, leftovers=leftovers)
    service = RunningService(
        name=name,
        engine=engine,
        host=host,
        port=port,
        process=process,
        log_path=log_path,
        owns_log=owns_log,
    )
    try:
        _wait_until_answering(service, process, ready_timeout)
    except ServiceStartError as error:
        failure_log = log_tail(log_path)  # before stop(), which deletes a temporary log
        service.stop()
        raise ServiceStartError(f"{error}\n{failure_log}") from None
    except BaseException:
        service.stop()
        raise
    return service


def log_tail(path: Path, lines: int = _LOG_TAIL_LINES) -> str:
    """The last lines of a service log, indented, for an error message."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "  (no log)"
    tail = text.splitlines()[-lines:]
    return "\n".join(f"  | {line}" for line in tail) if tail else "  (the log is empty)"


def _spawn(
    command: Sequence[str],
    *,
    cwd: Path | None,
    env: Mapping[str, str] | None,
    log: IO[bytes],
    leftovers: Sequence[Path],
) -> subprocess.Popen[bytes]:
    # A temporary log is ours to delete; if we die first, the guardian deletes it.
    cleanup = [argument for path in leftovers for argument in ("--remove-if-orphaned", str(path))]
    return subprocess.Popen(
        [sys.executable, str(GUARDIAN), *cleanup, "--", *command],
        # The guardian watches this pipe: end-of-file means we are gone.
        stdin=subprocess.PIPE,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=cwd,
        env=dict(env) if env is not None else None,
        # Own process group: Ctrl-C in a terminal reaches us, and we stop the service in
        # order, instead of the terminal killing it mid-write.
        start_new_session=True,
    )


def _wait_until_answering(
    service: RunningService, process: subprocess.Popen[bytes], timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise ServiceStartError(
                f"{service.name} ({service.engine}) exited with code {process.returncode} "
                f"before answering on {service.endpoint}; its log ({service.log_path}):"
            )
        if _answers_http(service.endpoint):
            return
        if time.monotonic() > deadline:
            raise ServiceStartError(
                f"{service.name} ({service.engine}) did not answer on {service.endpoint} "
                f"within {timeout:.0f} s; its log ({service.log_path}):"
            )
        time.sleep(_POLL_SECONDS)


# Straight to the service: an HTTP_PROXY of the developer's must not answer for it.
_DIRECT: Final = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _answers_http(endpoint: str) -> bool:
    """Any HTTP answer counts (DynamoDB Local answers a bare GET with 400)."""
    try:
        with _DIRECT.open(endpoint + "/", timeout=1):
            return True
    except urllib.error.HTTPError:
        return True
    except (OSError, ValueError):
        return False


def _terminate(process: subprocess.Popen[bytes], log_path: Path, owns_log: bool) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            # The whole group: the guardian and the service it started.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    if process.stdin is not None:
        process.stdin.close()
    if owns_log:
        log_path.unlink(missing_ok=True)
