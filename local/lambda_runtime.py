"""Run a template function in its own process, as Lambda would: one invocation at a time.

The process gets a clean environment (the function's variables from the template, the
reserved Lambda variables, AWS endpoints and credentials, nothing else from the shell),
its code folder as working directory and first on the path, then its layers, and never
the repository itself. The handler's result comes back on a private pipe, so whatever
the function prints is log output and cannot corrupt the result.

Timing follows Lambda: the handler module gets INIT_TIMEOUT_SECONDS to import, then the
template's Timeout counts from the moment the handler is called; on overrun the process
group is killed and the result is the error AWS returns for a timed-out invocation.

`ExecutionEnvironment` is one such process, serving invocations one after the other as
a warm Lambda environment does; `local.environment_pool` keeps them for the local runner
(HTTP API routes, the authorizer, schedules, the SQS event source). `invoke_function`
runs one invocation in a new environment (`python -m local invoke`, cold runs).
"""

from __future__ import annotations

import contextlib
import datetime
import json
import math
import os
import secrets
import selectors
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final

from local.template import FunctionSpec

INIT_TIMEOUT_SECONDS: Final = 10
# What AWS Lambda returns (and sam local shows) for an invocation that ran out of time.
TIMEOUT_ERROR_TYPE: Final = "Sandbox.Timedout"
EXIT_ERROR_TYPE: Final = "Runtime.ExitError"
BOOTSTRAP: Final = Path(__file__).with_name("_lambda_process.py")

# The only settings taken over from the calling shell.
_PASSED_THROUGH: Final = ("PATH", "HOME", "TMPDIR")
_CREDENTIALS: Final = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
# moto's convention for credentials that are obviously not real.
FAKE_CREDENTIALS: Final = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
# How long a process that has answered may take to exit before it is killed.
_EXIT_GRACE_SECONDS: Final = 1.0

LogSink = Callable[[str], None]


class LambdaRuntimeError(RuntimeError):
    """The function cannot be started locally at all; the message says why."""


@dataclass(frozen=True)
class InvocationResult:
    """What the invoker gets back: the handler's result, or the error object Lambda sends."""

    request_id: str
    payload: Any
    # None when the handler returned; else the `errorType` of the error payload.
    error_type: str | None
    init_duration_ms: float
    duration_ms: float

    @property
    def ok(self) -> bool:
        return self.error_type is None

    @property
    def timed_out(self) -> bool:
        return self.error_type == TIMEOUT_ERROR_TYPE

    def payload_json(self) -> str:
        return json.dumps(self.payload)


def write_to_stderr(line: str) -> None:
    """The default log sink: the function's log lines go to this process's stderr."""
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def region_of(function: FunctionSpec) -> str:
    # arn:aws:lambda:<region>:<account>:function:<name>
    return function.arn.split(":")[3]


def function_process_environment(
    function: FunctionSpec,
    *,
    parent_environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The complete environment of the function's process.

    `overrides` replace template values (e.g. `--env-vars`, or endpoints the runner
    chose); the reserved Lambda variables always win, as on AWS.
    """
    parent = os.environ if parent_environ is None else parent_environ
    environment = {name: parent[name] for name in _PASSED_THROUGH if name in parent}
    # Handlers reach the local AWS emulators only through the standard endpoint settings.
    environment.update(
        {
            name: value
            for name, value in parent.items()
            if name.startswith("AWS_ENDPOINT_URL") or name == "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"
        }
    )
    if parent.get("AWS_ACCESS_KEY_ID") and parent.get("AWS_SECRET_ACCESS_KEY"):
        environment.update({name: parent[name] for name in _CREDENTIALS if name in parent})
    else:
        environment.update(FAKE_CREDENTIALS)
    environment.update(function.environment)
    environment.update(overrides or {})

    region = region_of(function)
    today = datetime.datetime.now(datetime.UTC).strftime("%Y/%m/%d")
    python_path = [str(function.code_uri), *(str(layer) for layer in function.layers)]
    environment.update(
        {
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_LAMBDA_FUNCTION_NAME": function.function_name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory),
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(function.timeout),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function.function_name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": f"{today}/[$LATEST]{secrets.token_hex(16)}",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.runtime}",
            # Set by `sam local` too; Powertools' Tracer reads it and stays quiet.
            "AWS_SAM_LOCAL": "true",
            "_HANDLER": function.handler,
            "LAMBDA_TASK_ROOT": str(function.code_uri),
            "TZ": ":UTC",
            "PYTHONPATH": os.pathsep.join(python_path),
        }
    )
    environment.update(_log_settings(function))
    return environment


def _log_settings(function: FunctionSpec) -> dict[str, str]:
    """What Lambda sets for the function's LoggingConfig, read by its runtime's log handler.

    With the JSON format the application log level defaults to INFO, as on AWS; the text
    format has no level of its own (the root logger stays at Python's default).
    """
    settings: dict[str, str] = {}
    if function.log_format is not None:
        settings["AWS_LAMBDA_LOG_FORMAT"] = function.log_format
    level = function.application_log_level
    if level is None and (function.log_format or "").upper() == "JSON":
        level = "INFO"
    if level is not None:
        settings["AWS_LAMBDA_LOG_LEVEL"] = level
    return settings


def check_runnable(function: FunctionSpec) -> None:
    """Raise LambdaRuntimeError if the function cannot run locally."""
    if not function.runtime.startswith("python"):
        raise LambdaRuntimeError(
            f"{function.logical_id}: runtime {function.runtime} cannot run locally "
            "(only Python runtimes can)"
        )
    for folder, what in [
        (function.code_uri, "code folder"),
        *((p, "layer") for p in function.layers),
    ]:
        if not folder.is_dir():
            raise LambdaRuntimeError(f"{function.logical_id}: {what} {folder} does not exist")


def invoke_function(
    function: FunctionSpec,
    event: Any,
    *,
    overrides: Mapping[str, str] | None = None,
    parent_environ: Mapping[str, str] | None = None,
    log: LogSink = write_to_stderr,
    request_id: str | None = None,
) -> InvocationResult:
    """Invoke `function` once with `event` (any JSON value), in a new environment.

    Handler errors, timeouts and crashes are outcomes, not exceptions: they come back as
    the error payload Lambda would return. LambdaRuntimeError only if it cannot start.
    """
    environment = ExecutionEnvironment(
        function,
        function_process_environment(function, parent_environ=parent_environ, overrides=overrides),
        log,
    )
    try:
        return environment.invoke(event, request_id)
    finally:
        environment.close()


class ExecutionEnvironment:
    """One Lambda execution environment: a process that imports the handler once and
    then serves one invocation at a time, for as long as it lives.

    Like Lambda, it is discarded after a timeout (the process group is killed), a crash
    or a failed init; a handler's error leaves it usable. `Init Duration` is reported on
    the invocation that started it only.
    """

    def __init__(
        self, function: FunctionSpec, environment: Mapping[str, str], log: LogSink
    ) -> None:
        check_runnable(function)
        self.function = function
        self._log = log
        self.invocations = 0
        self.alive = True
        for arn in function.external_layers:
            log(f"Layer {arn} is not available locally: its packages come from this virtualenv")
        channel_read, channel_write = os.pipe()
        self._started = time.monotonic()
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-P", str(BOOTSTRAP), str(channel_write)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                cwd=function.code_uri,
                env=dict(environment),
                pass_fds=(channel_write,),
                # Its own process group, so a timeout also ends whatever the handler started.
                start_new_session=True,
            )
        except BaseException:
            os.close(channel_read)
            raise
        finally:
            os.close(channel_write)
        assert self._process.stdout is not None
        # The bootstrap ends each invocation's output with a line holding this marker:
        # END is logged after everything the invocation wrote, as in CloudWatch.
        self._marker = "\x1e" + secrets.token_hex(8)
        self._drained = threading.Event()
        self._pump = threading.Thread(
            target=self._pump_logs, args=(self._process.stdout,), daemon=True
        )
        self._pump.start()
        self._channel = _Channel(channel_read)

    def invoke(self, event: Any, request_id: str | None = None) -> InvocationResult:
        """One invocation; the caller must not invoke an environment that is not alive."""
        if not self.alive:
            raise LambdaRuntimeError(f"{self.function.logical_id}: this environment was discarded")
        request_id = request_id or str(uuid.uuid4())
        first = self.invocations == 0
        self.invocations += 1
        log = self._log
        log(f"START RequestId: {request_id} Version: $LATEST")
        self._drained.clear()
        _send_request(self._process, self.function, event, request_id, self._marker)
        result = self._await_outcome(request_id, first=first)
        if self._still_alive():
            self._drained.wait(_EXIT_GRACE_SECONDS)
        else:
            self.close()  # a discarded environment's last lines come before END
        log(f"END RequestId: {request_id}")
        init = f"\tInit Duration: {result.init_duration_ms:.2f} ms" if first else ""
        log(
            f"REPORT RequestId: {request_id}\tDuration: {result.duration_ms:.2f} ms\t"
            f"Billed Duration: {math.ceil(result.duration_ms)} ms\t"
            f"Memory Size: {self.function.memory} MB{init}"
        )
        return result

    def _still_alive(self) -> bool:
        # A method, not `self.alive` inline: the outcome may have discarded the
        # environment, which a type checker narrowing the attribute cannot see.
        return self.alive

    def _pump_logs(self, stream: IO[bytes]) -> None:
        marker = self._marker.encode("ascii")
        with stream:
            for raw in stream:
                if raw.rstrip(b"\r\n") == marker:
                    self._drained.set()
                    continue
                self._log(raw.decode("utf-8", "replace").rstrip("\r\n"))

    def close(self) -> None:
        """End the process (its stdin closes: it exits after the invocation under way)."""
        self.alive = False
        process = self._process
        if process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()
        _finish(process, self._pump)
        with contextlib.suppress(OSError):
            self._channel.close()

    def _discard(self) -> None:
        self.alive = False
        _kill(self._process)

    def _await_outcome(self, request_id: str, *, first: bool) -> InvocationResult:
        function, channel, log = self.function, self._channel, self._log
        init_ms = 0.0

        def outcome(payload: Any, error_type: str | None, run_ms: float) -> InvocationResult:
            return InvocationResult(request_id, payload, error_type, init_ms, run_ms)

        if first:
            try:
                message = channel.receive(self._started + INIT_TIMEOUT_SECONDS)
            except TimeoutError:
                self._discard()
                log(
                    f"Function '{function.logical_id}' did not initialize "
                    f"within {INIT_TIMEOUT_SECONDS} seconds"
                )
                init_ms = INIT_TIMEOUT_SECONDS * 1000
                error = _timeout_error(request_id, "Init phase", INIT_TIMEOUT_SECONDS)
                return outcome(error, TIMEOUT_ERROR_TYPE, 0.0)
            init_ms = (time.monotonic() - self._started) * 1000
            if message is None:
                self.alive = False
                return outcome(*_exit_error(self._process, request_id), 0.0)
            if message.get("type") != "initialized":
                # A failed init ends the process; Lambda starts a new environment next time.
                self.alive = False
                return outcome(message["payload"], message["payload"]["errorType"], 0.0)

        invoked = time.monotonic()
        try:
            message = channel.receive(invoked + function.timeout)
        except TimeoutError:
            self._discard()
            # sam local's wording, so the line looks familiar.
            log(f"Function '{function.logical_id}' timed out after {function.timeout} seconds")
            error = _timeout_error(request_id, "Task", function.timeout)
            return outcome(error, TIMEOUT_ERROR_TYPE, function.timeout * 1000.0)
        run_ms = (time.monotonic() - invoked) * 1000
        if message is None:
            self.alive = False
            return outcome(*_exit_error(self._process, request_id), run_ms)
        # Measured inside the sandbox: the handler's own time, without the pipe's latency.
        run_ms = float(message.get("duration_ms", run_ms))
        if message.get("type") == "result":
            return outcome(message.get("payload"), None, run_ms)
        return outcome(message["payload"], message["payload"]["errorType"], run_ms)


class _Channel:
    """JSON-lines messages from the sandbox process, read with a deadline.

    Owns the pipe's read end. A selector rather than select(): a long-running runner
    may well hold descriptors above select()'s limit of 1024.
    """

    def __init__(self, descriptor: int) -> None:
        self._descriptor = descriptor
        self._buffer = bytearray()
        self._selector = selectors.DefaultSelector()
        self._selector.register(descriptor, selectors.EVENT_READ)

    def close(self) -> None:
        self._selector.close()
        os.close(self._descriptor)

    def receive(self, deadline: float) -> dict[str, Any] | None:
        """The next message; None once the process closed the channel (it exited).

        Raises TimeoutError when `deadline` (time.monotonic()) passes first.
        """
        while (end := self._buffer.find(b"\n")) < 0:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            if not self._selector.select(remaining):
                continue
            chunk = os.read(self._descriptor, 1 << 16)
            if not chunk:
                return None
            self._buffer += chunk
        line = bytes(self._buffer[:end])
        del self._buffer[: end + 1]
        message: dict[str, Any] = json.loads(line)
        return message


def _send_request(
    process: subprocess.Popen[bytes],
    function: FunctionSpec,
    event: Any,
    request_id: str,
    marker: str,
) -> None:
    request = {
        "handler": function.handler,
        "event": event,
        "request_id": request_id,
        "invoked_function_arn": function.arn,
        "timeout_ms": function.timeout * 1000,
        "log_marker": marker,
    }
    assert process.stdin is not None
    # One line per invocation. A process that died before reading is reported by the
    # outcome (its channel closes).
    with contextlib.suppress(BrokenPipeError, ValueError):
        process.stdin.write(json.dumps(request).encode("utf-8") + b"\n")
        process.stdin.flush()


def _timeout_error(request_id: str, phase: str, seconds: int) -> dict[str, str]:
    return {
        "errorMessage": (
            f"RequestId: {request_id} Error: {phase} timed out after {seconds:.2f} seconds"
        ),
        "errorType": TIMEOUT_ERROR_TYPE,
    }


def _exit_error(process: subprocess.Popen[bytes], request_id: str) -> tuple[dict[str, str], str]:
    try:
        code = process.wait(timeout=_EXIT_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        _kill(process)
        code = process.wait()
    status = f"signal: {signal.Signals(-code).name}" if code < 0 else f"exit status {code}"
    error = {
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: {status}",
        "errorType": EXIT_ERROR_TYPE,
    }
    return error, EXIT_ERROR_TYPE


def _kill(process: subprocess.Popen[bytes]) -> None:
    """Kill the process and its group while the process is known to be alive."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _finish(process: subprocess.Popen[bytes], pump: threading.Thread) -> None:
    try:
        process.wait(timeout=_EXIT_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        _kill(process)
    pump.join(timeout=_EXIT_GRACE_SECONDS)
    if pump.is_alive():
        # Something the handler started still holds its output open; while such a member
        # exists the group id cannot have been reused, so killing the group is safe.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        pump.join(timeout=_EXIT_GRACE_SECONDS)
