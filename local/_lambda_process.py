"""The inside of a local Lambda execution environment: import the handler, then invoke it
for each request that arrives, reporting back after each, until the runner closes stdin.

Started by `local.lambda_runtime` as `python -P <this file> <channel fd>`, with the
function's environment, its code folder as working directory and PYTHONPATH = code folder
+ layers. `-P` keeps this file's folder (and so the repository) off `sys.path`: the
function sees only what it would see on AWS. For the same reason this file uses the
standard library only and never imports the `local` package.

Protocol: invocation requests arrive as JSON lines on stdin, one per invocation; the
handler is imported when the first arrives (Lambda's init phase). Messages go back as JSON
lines on the channel descriptor, never on stdout, which belongs to the function's logs:
`{"type": "initialized"}` once the handler is imported, then, for each request,
`{"type": "result", "payload": ...}` or `{"type": "error", "payload": {...}}`. Module
state lives on from one invocation to the next, as in a warm Lambda environment; an init
failure ends the process (Lambda discards such an environment), a handler's error does not.
"""

import importlib
import io
import json
import logging
import os
import sys
import time
import traceback
from types import SimpleNamespace, TracebackType
from typing import Any, TextIO


class LambdaContext:
    """The context object of AWS's Python runtime (awslambdaric), same attributes."""

    def __init__(self, *, request_id: str, invoked_function_arn: str, deadline_ms: int) -> None:
        self.aws_request_id = request_id
        self.invoked_function_arn = invoked_function_arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        # A string, as in AWS's runtime.
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.identity = SimpleNamespace(cognito_identity_id=None, cognito_identity_pool_id=None)
        self.client_context = None
        self.tenant_id = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(self._deadline_ms - int(time.time() * 1000), 0)

    def __repr__(self) -> str:
        return (
            f"LambdaContext([aws_request_id={self.aws_request_id},"
            f"function_name={self.function_name},"
            f"function_version={self.function_version},"
            f"invoked_function_arn={self.invoked_function_arn}])"
        )


class _CurrentRequest:
    """The id of the invocation under way, for the log lines written during it."""

    def __init__(self) -> None:
        self.request_id = ""


# LogRecord attributes that are not extra fields (AWS's runtime leaves these out too).
_RECORD_ATTRIBUTES = frozenset(
    {
        "name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module",
        "exc_info", "exc_text", "stack_info", "lineno", "funcName", "created", "msecs",
        "relativeCreated", "thread", "threadName", "processName", "process", "taskName",
        "aws_request_id", "tenant_id",
    }
)  # fmt: skip


class JsonLogFormatter(logging.Formatter):
    """The line AWS's Python runtime writes with LoggingConfig's JSON format.

    timestamp, level, message, logger and requestId, then the record's extra fields
    (`logger.info("denied", extra={...})`); for an exception also errorType, errorMessage,
    stackTrace and location. Keys whose value is None are left out, as AWS does.
    """

    def format(self, record: logging.LogRecord) -> str:
        level = min(50, max(0, record.levelno)) // 10 * 10
        line: dict[str, Any] = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": logging.getLevelName(level),
            "message": record.getMessage(),
            "logger": record.name,
            "requestId": getattr(record, "aws_request_id", None),
        }
        if record.exc_info and record.exc_info[0] is not None:
            line["errorType"] = record.exc_info[0].__name__
            line["errorMessage"] = str(record.exc_info[1])
            line["stackTrace"] = traceback.format_tb(record.exc_info[2])
            line["location"] = f"{record.pathname}:{record.funcName}:{record.lineno}"
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRIBUTES and key not in line:
                line[key] = value
        return json.dumps(
            {key: value for key, value in line.items() if value is not None}, ensure_ascii=False
        )


def _json_log_format() -> bool:
    return os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON"


def _install_log_handler(current: _CurrentRequest) -> None:
    """The root log handler AWS's runtime installs, in the function's log format.

    Text (the default): level, time, request id, message. JSON (LoggingConfig's LogFormat,
    passed as AWS_LAMBDA_LOG_FORMAT): one JSON object a line, and the root logger's level
    from AWS_LAMBDA_LOG_LEVEL (ApplicationLogLevel), as AWS's runtime sets them.
    """

    class RequestIdFilter(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            record.aws_request_id = current.request_id
            return True

    handler = logging.StreamHandler(sys.stdout)
    if _json_log_format():
        handler.setFormatter(JsonLogFormatter())
    else:
        formatter = logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
            "%Y-%m-%dT%H:%M:%S",
        )
        formatter.converter = time.gmtime
        handler.setFormatter(formatter)
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper()
    level = "DEBUG" if level == "TRACE" else level
    if level in logging.getLevelNamesMapping():
        root.setLevel(level)


def _send(channel: TextIO, message: dict[str, Any]) -> None:
    channel.write(json.dumps(message, allow_nan=False) + "\n")
    channel.flush()


def _stack_trace(tb: TracebackType | None) -> list[str]:
    return traceback.format_list(traceback.extract_tb(tb))


def _log_error(error_type: str, message: str, stack_trace: list[str]) -> None:
    # The line AWS's runtime writes to the function's log for an unhandled error.
    if _json_log_format():
        line = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()),
            "level": "ERROR",
            "errorMessage": message,
            "errorType": error_type,
            "stackTrace": stack_trace,
        }
        sys.stderr.write(json.dumps(line) + "\n")
        sys.stderr.flush()
        return
    trace = "Traceback (most recent call last):\n" + "".join(stack_trace) if stack_trace else ""
    sys.stderr.write(f"[ERROR] {error_type}: {message}\n{trace}")
    sys.stderr.flush()


def _fail(
    channel: TextIO,
    error_type: str,
    message: str,
    request_id: str,
    *,
    stack_trace: list[str] | None = None,
    duration_ms: float | None = None,
) -> None:
    trace = stack_trace or []
    _log_error(error_type, message, trace)
    payload = {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": request_id,
        "stackTrace": trace,
    }
    report: dict[str, Any] = {"type": "error", "payload": payload}
    if duration_ms is not None:
        report["duration_ms"] = duration_ms
    _send(channel, report)


def _load_handler(channel: TextIO, handler: str, request_id: str) -> Any:
    module_name, _, function_name = handler.rpartition(".")
    module_name = module_name.replace("/", ".")
    if not module_name or not function_name:
        _fail(channel, "Runtime.MalformedHandlerName", f"Bad handler '{handler}'", request_id)
        return None
    try:
        module = importlib.import_module(module_name)
    except SyntaxError as error:
        _fail(
            channel,
            "Runtime.UserCodeSyntaxError",
            f"Syntax error in module '{module_name}': {error}",
            request_id,
            stack_trace=_stack_trace(error.__traceback__),
        )
        return None
    except Exception as error:
        _fail(
            channel,
            "Runtime.ImportModuleError",
            f"Unable to import module '{module_name}': {error}",
            request_id,
        )
        return None
    function = getattr(module, function_name, None)
    if function is None:
        _fail(
            channel,
            "Runtime.HandlerNotFound",
            f"Handler '{function_name}' missing on module '{module_name}'",
            request_id,
        )
    return function


def _invoke(channel: TextIO, handler: Any, request: dict[str, Any]) -> None:
    request_id = request["request_id"]
    context = LambdaContext(
        request_id=request_id,
        invoked_function_arn=request["invoked_function_arn"],
        deadline_ms=int(time.time() * 1000) + int(request["timeout_ms"]),
    )
    started = time.perf_counter()
    try:
        result = handler(request["event"], context)
    except Exception as error:
        _fail(
            channel,
            type(error).__name__,
            str(error),
            request_id,
            # Drop this file's frame: the trace starts in the function's code, as on AWS.
            stack_trace=_stack_trace(error.__traceback__.tb_next if error.__traceback__ else None),
            duration_ms=(time.perf_counter() - started) * 1000,
        )
        return
    duration_ms = (time.perf_counter() - started) * 1000
    try:
        _send(channel, {"type": "result", "payload": result, "duration_ms": duration_ms})
    except (TypeError, ValueError) as error:
        _fail(
            channel,
            "Runtime.MarshalError",
            f"Unable to marshal response: {error}",
            request_id,
            duration_ms=duration_ms,
        )


def _end_of_output(marker: object) -> None:
    """Mark the end of this invocation's output, after everything it wrote so far."""
    if not isinstance(marker, str):
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os.write(1, marker.encode("ascii", "replace") + b"\n")


def _take_requests() -> TextIO:
    """The runner's request pipe, moved off descriptor 0.

    The handler (and anything it starts) finds /dev/null on stdin, as on AWS, and can
    never read the next invocation's request.
    """
    requests = os.fdopen(os.dup(0), encoding="utf-8")
    os.set_inheritable(requests.fileno(), False)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 - lives as long as the process
    return requests


def main() -> None:
    channel = os.fdopen(int(sys.argv[1]), "w", encoding="utf-8")
    # The handler's own child processes must not inherit the channel.
    os.set_inheritable(channel.fileno(), False)
    requests = _take_requests()
    # Logs appear line by line, interleaved with stderr, as in CloudWatch.
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)
    current = _CurrentRequest()
    _install_log_handler(current)

    line = requests.readline()
    if not line:
        return
    request = json.loads(line)
    current.request_id = request["request_id"]
    handler = _load_handler(channel, request["handler"], current.request_id)
    if handler is None:
        return
    _send(channel, {"type": "initialized"})
    while True:
        _invoke(channel, handler, request)
        _end_of_output(request.get("log_marker"))
        line = requests.readline()
        if not line:
            return
        request = json.loads(line)
        current.request_id = request["request_id"]


if __name__ == "__main__":
    main()
