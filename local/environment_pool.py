"""Warm execution environments per function, kept and reused as Lambda keeps them.

Each function has a pool of `ExecutionEnvironment`s (long-lived processes, one invocation
at a time each). An invocation takes the most recently used idle environment, or starts
a new one while the function is under its cap (its ReservedConcurrentExecutions, else
DEFAULT_CAP), or waits for one to come back. An environment that timed out, crashed or
failed its init is discarded, as Lambda discards it; one idle for longer than
`idle_seconds` is reclaimed. When the function's code or layers change on disk, its
environments are recycled: idle ones at once, busy ones when their invocation ends, so
an edit shows on the next request without restarting the stack.

Cold mode (`warm=False`: `python -m local up --cold`, or LOCAL_LAMBDA_COLD=1) runs every
invocation in a new environment, as the runner did before it kept environments.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Final, Protocol

from local.lambda_runtime import InvocationResult, LogSink
from local.template import FunctionSpec

# Environments a function without reserved concurrency may have at once.
DEFAULT_CAP: Final = 10
# Lambda reclaims an idle environment after minutes; locally it also frees memory.
DEFAULT_IDLE_SECONDS: Final = 300.0
COLD_VARIABLE: Final = "LOCAL_LAMBDA_COLD"
IDLE_VARIABLE: Final = "LOCAL_LAMBDA_IDLE_SECONDS"
# How often the code's fingerprint is taken at most: edits show within this time.
_FINGERPRINT_INTERVAL_SECONDS: Final = 0.2

Fingerprint = Callable[[], object]


class Environment(Protocol):
    """What the pool needs of an environment (`ExecutionEnvironment`; tests fake it)."""

    @property
    def alive(self) -> bool: ...

    def invoke(self, event: Any, request_id: str | None = None) -> InvocationResult: ...

    def close(self) -> None: ...


EnvironmentFactory = Callable[[], Environment]


def cold_requested(environ: Mapping[str, str] | None = None) -> bool:
    """True when LOCAL_LAMBDA_COLD asks for a new environment per invocation."""
    value = (os.environ if environ is None else environ).get(COLD_VARIABLE, "")
    return value.strip().lower() in {"1", "true", "yes", "on"}


def idle_seconds_setting(environ: Mapping[str, str] | None = None) -> float:
    """LOCAL_LAMBDA_IDLE_SECONDS, or the default; a bad value is named, not ignored."""
    raw = (os.environ if environ is None else environ).get(IDLE_VARIABLE)
    if raw is None or not raw.strip():
        return DEFAULT_IDLE_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < float("inf"):
        raise ValueError(f"{IDLE_VARIABLE} must be a positive number of seconds, not {raw!r}")
    return seconds


def code_fingerprint(folders: Iterable[Path]) -> Fingerprint:
    """A function that tells the state of the files under ``folders`` (bytecode caches
    aside): any edit, new or removed file changes its value."""
    roots = tuple(folders)

    def take() -> object:
        seen: list[tuple[str, int, int]] = []
        for root in roots:
            for folder, subfolders, files in os.walk(root):
                subfolders[:] = [name for name in subfolders if name != "__pycache__"]
                for name in files:
                    path = os.path.join(folder, name)
                    with contextlib.suppress(OSError):
                        status = os.stat(path)
                        seen.append((path, status.st_mtime_ns, status.st_size))
        return hash(tuple(sorted(seen)))

    return take


class EnvironmentPool:
    """The environments of one function."""

    def __init__(
        self,
        function: FunctionSpec,
        start: EnvironmentFactory,
        *,
        warm: bool = True,
        cap: int | None = None,
        idle_seconds: float = DEFAULT_IDLE_SECONDS,
        fingerprint: Fingerprint | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.function = function
        self._start = start
        self.warm = warm
        self.cap = max(1, cap if cap is not None else function.reserved_concurrency or DEFAULT_CAP)
        self._idle_seconds = idle_seconds
        self._fingerprint = fingerprint or code_fingerprint((function.code_uri, *function.layers))
        self._clock = clock
        self._lock = threading.Condition()
        # (environment, time it became idle), the most recently used last.
        self._idle: list[tuple[Environment, float]] = []
        self._busy = 0
        self._generation = 0
        self._generation_of: dict[int, int] = {}
        self._code = self._fingerprint()
        self._code_checked = clock()
        self.started = 0  # environments started, for tests and the bench

    def invoke(self, event: Any, request_id: str | None = None) -> InvocationResult:
        environment = self._acquire()
        try:
            return environment.invoke(event, request_id)
        finally:
            self._release(environment)

    def reap(self) -> int:
        """Close the environments idle for longer than ``idle_seconds``; how many went."""
        now = self._clock()
        with self._lock:
            expired = [env for env, since in self._idle if now - since >= self._idle_seconds]
            self._idle = [(env, since) for env, since in self._idle if env not in expired]
            self._lock.notify_all()
        for environment in expired:
            self._close(environment)
        return len(expired)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
            self._generation += 1  # busy ones close when they come back
            self._lock.notify_all()
        for environment, _ in idle:
            self._close(environment)

    @property
    def idle_count(self) -> int:
        with self._lock:
            return len(self._idle)

    def _acquire(self) -> Environment:
        for stale in self._recycle_if_changed():
            self._close(stale)
        with self._lock:
            while True:
                if self.warm and self._idle:
                    environment, _ = self._idle.pop()
                    self._busy += 1
                    return environment
                if self._busy < self.cap:
                    self._busy += 1
                    generation = self._generation
                    break
                self._lock.wait()
        try:
            environment = self._start()
        except BaseException:
            with self._lock:
                self._busy -= 1
                self._lock.notify_all()
            raise
        with self._lock:
            self.started += 1
            self._generation_of[id(environment)] = generation
        return environment

    def _release(self, environment: Environment) -> None:
        with self._lock:
            self._busy -= 1
            current = self._generation_of.get(id(environment)) == self._generation
            keep = self.warm and environment.alive and current
            if keep:
                self._idle.append((environment, self._clock()))
            else:
                self._generation_of.pop(id(environment), None)
            self._lock.notify_all()
        if not keep:
            self._close(environment)

    def _recycle_if_changed(self) -> list[Environment]:
        """The idle environments to close because the code changed (none most of the time)."""
        now = self._clock()
        with self._lock:
            if now - self._code_checked < _FINGERPRINT_INTERVAL_SECONDS:
                return []
            self._code_checked = now
        code = self._fingerprint()
        with self._lock:
            if code == self._code:
                return []
            self._code = code
            self._generation += 1
            stale = [environment for environment, _ in self._idle]
            self._idle = []
            return stale

    def _close(self, environment: Environment) -> None:
        with self._lock:
            self._generation_of.pop(id(environment), None)
        environment.close()


class WarmFunctions:
    """The pools of every function the runner invokes, and the reaper of idle ones."""

    def __init__(
        self,
        start: Callable[[FunctionSpec], Environment],
        *,
        warm: bool = True,
        idle_seconds: float = DEFAULT_IDLE_SECONDS,
        log: LogSink | None = None,
    ) -> None:
        self._start = start
        self.warm = warm
        self._idle_seconds = idle_seconds
        self._pools: dict[str, EnvironmentPool] = {}
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._reaper = threading.Thread(target=self._reap_forever, daemon=True)
        self._reaper.start()
        if log is not None:
            mode = "a new environment per invocation (cold)" if not warm else "warm environments"
            log(f"Functions run in {mode}; idle environments end after {idle_seconds:g} s")

    def pool(self, function: FunctionSpec) -> EnvironmentPool:
        with self._lock:
            pool = self._pools.get(function.logical_id)
            if pool is None:
                pool = EnvironmentPool(
                    function,
                    lambda: self._start(function),
                    warm=self.warm,
                    idle_seconds=self._idle_seconds,
                )
                self._pools[function.logical_id] = pool
            return pool

    def invoke(self, function: FunctionSpec, event: Any) -> InvocationResult:
        return self.pool(function).invoke(event)

    def close(self) -> None:
        self._stopped.set()
        with self._lock:
            pools = list(self._pools.values())
        for pool in pools:
            pool.close()

    def _reap_forever(self) -> None:
        interval = min(self._idle_seconds / 2, 30.0)
        while not self._stopped.wait(interval):
            with self._lock:
                pools = list(self._pools.values())
            for pool in pools:
                pool.reap()
