"""What the sync benchmarks share: local services, counting clients, the simulator.

- ``local_aws()`` starts DynamoDB Local (in memory) and moto's server on free ports, as
  the integration tests do, and points the standard ``AWS_ENDPOINT_URL_<SERVICE>``
  variables at them for the rest of the benchmark.
- ``Counted`` wraps a boto3 client and ``TimedTransport`` an httpx transport: each call
  is counted and timed under a label, so a benchmark reports the calls it made and the
  time spent waiting for each kind of call.
- ``Simulator`` runs the SuperOffice simulator in a process of its own (SuperOffice's
  work is not the app's CPU) and talks to its control API.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
LAYER_DIR = REPO / "layers" / "shared"
RESULTS = REPO / "bench" / "results"
for _path in (str(LAYER_DIR), str(REPO)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from local import defaults  # noqa: E402
from local.services import RunningService, start_dynamodb_local, start_moto  # noqa: E402

MOTO_SERVICES = ("KMS", "SECRETS_MANAGER", "SQS", "EVENTBRIDGE")
_UNSET = (
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
)


@dataclass(frozen=True)
class AwsServices:
    dynamodb: RunningService
    moto: RunningService

    @property
    def engines(self) -> str:
        return f"{self.dynamodb.engine} and {self.moto.engine}"


@contextlib.contextmanager
def local_aws() -> Iterator[AwsServices]:
    """DynamoDB Local and moto for the benchmark, stopped again afterwards."""
    notes: list[str] = []
    # moto's server inherits this process's environment. Its SQS computes every queue
    # attribute over every message on each send, so a queue of thousands of messages
    # slows each send down; the dispatcher benchmark keeps its queue short by purging it,
    # which moto allows once a minute unless told otherwise.
    purge = {"MOTO_SQS_ENFORCE_STRICT_QUEUE_PURGE_BEHAVIOUR": "false"}
    with _environment(purge), ThreadPoolExecutor(max_workers=2) as pool:
        futures = [
            pool.submit(start_dynamodb_local, 0, data_dir=None, log=notes.append),
            pool.submit(start_moto, 0),
        ]
    started: list[RunningService] = []
    failure: BaseException | None = None
    for future in futures:
        try:
            started.append(future.result())
        except Exception as error:
            failure = failure or error
    if failure is not None:
        for service in started:
            service.stop()
        raise failure
    dynamodb, moto = started
    for note in notes:
        print(f"bench: {note}", file=sys.stderr)
    settings = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": defaults.LOCAL_REGION,
        "AWS_REGION": defaults.LOCAL_REGION,
        "AWS_ENDPOINT_URL_DYNAMODB": dynamodb.endpoint,
        "AWS_ENDPOINT_URL_DYNAMODB_STREAMS": dynamodb.endpoint,
        **{f"AWS_ENDPOINT_URL_{service}": moto.endpoint for service in MOTO_SERVICES},
        "NO_PROXY": f"{defaults.LOCAL_HOST},localhost",
        "no_proxy": f"{defaults.LOCAL_HOST},localhost",
    }
    try:
        with _environment(settings, unset=_UNSET):
            yield AwsServices(dynamodb=dynamodb, moto=moto)
    finally:
        dynamodb.stop()
        moto.stop()


@contextlib.contextmanager
def _environment(settings: dict[str, str], unset: tuple[str, ...] = ()) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in (*settings, *unset)}
    for name in unset:
        os.environ.pop(name, None)
    os.environ.update(settings)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def boto_client(service: str) -> Any:
    import boto3

    return boto3.client(service)


# -- counting -------------------------------------------------------------------------------


@dataclass
class CallLog:
    """Calls and the seconds spent in them, by label; safe across threads."""

    calls: Counter[str] = field(default_factory=Counter)
    seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, label: str, seconds: float) -> None:
        with self._lock:
            self.calls[label] += 1
            self.seconds[label] += seconds

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()
            self.seconds.clear()

    def snapshot(self) -> dict[str, dict[str, float]]:
        with self._lock:
            return {
                label: {"calls": self.calls[label], "seconds": round(self.seconds[label], 3)}
                for label in sorted(self.calls)
            }


Classifier = Callable[[str, dict[str, Any]], str]


class Counted:
    """A boto3 client whose every operation is counted and timed in ``log``."""

    def __init__(self, client: Any, log: CallLog, classify: Classifier | None = None) -> None:
        self._client = client
        self._log = log
        self._classify = classify or (lambda operation, _arguments: operation)

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if name.startswith("_") or not callable(attribute) or name in ("get_paginator",):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            label = self._classify(name, kwargs)
            started = time.perf_counter()
            try:
                return attribute(*args, **kwargs)
            finally:
                self._log.add(label, time.perf_counter() - started)

        return call


def dynamodb_label(operation: str, arguments: dict[str, Any]) -> str:
    """``get_item TENANT SECRET#ticket``, ``batch_write_item RECORDS``: what a call was for."""
    table = str(arguments.get("TableName") or next(iter(arguments.get("RequestItems", {})), ""))
    kind = "RECORDS" if table.endswith("RecordsTable") else "TENANTS"
    key = arguments.get("Key") or arguments.get("Item") or {}
    sort_key = key.get("SK", {}).get("S") if isinstance(key, dict) else None
    if sort_key:
        prefix = sort_key if sort_key.startswith("SECRET#") else sort_key.split("#")[0]
        return f"{operation} {kind} {prefix}"
    if "IndexName" in arguments:
        return f"{operation} {kind} index {arguments['IndexName']}"
    return f"{operation} {kind}"


def kms_label(operation: str, arguments: dict[str, Any]) -> str:
    secret = arguments.get("EncryptionContext", {}).get("secret")
    return f"{operation} {secret}" if secret else operation


@dataclass(frozen=True)
class SentRequest:
    method: str
    path: str
    params: tuple[tuple[str, str], ...]


class TimedTransport(httpx.BaseTransport):
    """An httpx transport that times each exchange (body read included) in ``log``."""

    def __init__(self, log: CallLog, *, keep: list[SentRequest] | None = None) -> None:
        self._inner = httpx.HTTPTransport()
        self._log = log
        self.sent = keep if keep is not None else []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        response = self._inner.handle_request(request)
        response.read()
        path = request.url.path
        self._log.add(_http_label(request.method, path), time.perf_counter() - started)
        params = tuple(sorted(request.url.params.multi_items()))
        self.sent.append(SentRequest(request.method, path, params))
        return response

    def close(self) -> None:
        self._inner.close()


def _http_label(method: str, path: str) -> str:
    if "/Archive/" in path:
        return "superoffice archive query"
    if "/api/state/" in path:
        return "superoffice state API"
    if "PartnerSystemUser" in path:
        return "superoffice system user"
    return f"superoffice {method} {path}"


# -- CPU time of every process involved -----------------------------------------------------

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: str) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def process_group_cpu(group: int) -> float:
    """User and system CPU seconds of every live process in the process group."""
    total = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(entry.name)
            if fields is not None and int(fields[2]) == group:
                total += int(fields[11]) + int(fields[12])
    return total / _TICKS


class CpuMeter:
    """CPU seconds used by the benchmark process, the services and the simulator.

    On a machine shared with other work the wall clock measures the sharing as much as
    the code; the CPU each process used for a run measures the work itself.
    """

    def __init__(self, services: AwsServices, simulator_pid: int | None = None) -> None:
        # The services run in their guardian's process group; the simulator leads its own.
        self._sources: dict[str, Callable[[], float]] = {
            "app (this process)": time.process_time,
            "DynamoDB Local": lambda: process_group_cpu(services.dynamodb.pid),
            "moto": lambda: process_group_cpu(services.moto.pid),
        }
        if simulator_pid is not None:
            self._sources["simulator"] = lambda: process_group_cpu(simulator_pid)

    def read(self) -> dict[str, float]:
        return {name: source() for name, source in self._sources.items()}

    @staticmethod
    def since(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        used = {name: round(after[name] - before[name], 2) for name in before}
        used["total"] = round(sum(used.values()), 2)
        return used


# -- the simulator --------------------------------------------------------------------------

_SIMULATOR = """
import os, sys, threading
from pathlib import Path
sys.path.insert(0, {repo!r})
from local.simulator import create_server
# The benchmark holds our stdin open: its end (whatever way the benchmark ended) is ours.
threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
server = create_server("127.0.0.1", 0, state_dir=Path({state_dir!r}), log=lambda _line: None)
print(server.base_url, flush=True)
server.serve_forever(poll_interval=0.2)
"""


class Simulator:
    """The simulator in its own process; ``control`` is its control API."""

    def __init__(self, state_dir: Path) -> None:
        code = _SIMULATOR.format(repo=str(REPO), state_dir=str(state_dir))
        self._process = subprocess.Popen(
            [sys.executable, "-c", code],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            process_group=0,  # its own group, so its CPU time can be read (CpuMeter)
        )
        self.pid = self._process.pid
        assert self._process.stdout is not None
        line = self._process.stdout.readline().strip()
        if not line.startswith("http://"):
            self.stop()
            raise RuntimeError(f"the simulator did not start: {line!r}")
        self.base_url = line
        self._control = httpx.Client(base_url=line + "/_control", timeout=120, trust_env=False)

    def post(self, path: str, body: Any = None) -> Any:
        answer = self._control.post(path, json=body if body is not None else {})
        answer.raise_for_status()
        return answer.json() if answer.content else None

    def get(self, path: str) -> Any:
        answer = self._control.get(path)
        answer.raise_for_status()
        return answer.json()

    def delete(self, path: str) -> None:
        self._control.delete(path).raise_for_status()

    def counters(self, ctx: str) -> dict[str, Any]:
        return dict(self.get(f"/tenants/{ctx}/counters"))

    def reset_counters(self, ctx: str) -> None:
        self.delete(f"/tenants/{ctx}/counters")

    def stop(self) -> None:
        if hasattr(self, "_control"):
            self._control.close()
        if self._process.stdin is not None:
            self._process.stdin.close()
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
