"""Local request latency through the runner: warm environments, cold ones, and in-process.

Measures (issue 14, section 3): a cheap route of the local stack (GET
/.well-known/jwks.json: RedirectCallbackFunction, no authorizer) over real HTTP with keep-
alive, p50 and p99, with the runner keeping execution environments warm (the default) and
with a new environment per invocation (`--cold`); beside them, in the same run, the same
handler called in-process with the very event the gateway built, in a process with the
function's environment. Target: warm p50 within 20 ms of the in-process p50. And a click
through the install flow as a browser makes it (GET /install, SuperID's pages, the
form_post back to /callback, the management page), timed whole, warm and cold.
Results go to bench/results/local_latency.{json,md}. Nothing here asserts.
"""

from __future__ import annotations

import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

import bench.services  # noqa: F401 - puts the layer on sys.path (the browser imports it)
from local.runner import RunningStack, StackPorts, start_local_stack
from tests.integration.runner.runner_browser import RunnerBrowser, install

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
FUNCTION = "RedirectCallbackFunction"
ROUTE = "/.well-known/jwks.json"
WARM_REQUESTS = 300
COLD_REQUESTS = 25
WARM_UP = 20
TARGET_MS = 20.0
# Runs inside a process with the function's environment: the handler called directly.
IN_PROCESS = """
import json, sys, time
from types import SimpleNamespace
request = json.loads(sys.stdin.read())
module_name, _, name = request["handler"].rpartition(".")
handler = getattr(__import__(module_name), name)
def context():
    return SimpleNamespace(
        aws_request_id="bench", function_name="bench", function_version="$LATEST",
        invoked_function_arn="arn:aws:lambda:eu-west-1:123456789012:function:bench",
        memory_limit_in_mb="512", log_group_name="bench", log_stream_name="bench",
        get_remaining_time_in_millis=lambda: 10_000,
    )
times = []
for number in range(request["warm_up"] + request["count"]):
    started = time.perf_counter()
    answer = handler(request["event"], context())
    if number >= request["warm_up"]:
        times.append((time.perf_counter() - started) * 1000)
    assert answer["statusCode"] == 200, answer
sys.stdout.write("\\nRESULT " + json.dumps(times) + "\\n")
"""


def _percentiles(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "count": len(ordered),
        "p50_ms": round(statistics.median(ordered), 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 2),
        "mean_ms": round(statistics.fmean(ordered), 2),
    }


def _through_http(stack: RunningStack, count: int, warm_up: int) -> list[float]:
    times: list[float] = []
    with httpx.Client(base_url=stack.app_url, timeout=30) as client:
        for number in range(warm_up + count):
            started = time.perf_counter()
            answer = client.get(ROUTE)
            elapsed = (time.perf_counter() - started) * 1000
            if answer.status_code != 200:
                raise RuntimeError(f"{ROUTE} answered {answer.status_code}: {answer.text[:200]}")
            if number >= warm_up:
                times.append(elapsed)
    return times


def _captured_event(stack: RunningStack) -> dict[str, Any]:
    """The event the gateway hands the function for ROUTE, taken from one real request."""
    captured: list[Any] = []
    environments = stack.runner._environments
    original: Callable[..., Any] = environments.invoke

    def recording(function: Any, event: Any) -> Any:
        captured.append(event)
        return original(function, event)

    environments.invoke = recording  # type: ignore[method-assign]
    try:
        httpx.get(stack.app_url + ROUTE, timeout=30).raise_for_status()
    finally:
        environments.invoke = original  # type: ignore[method-assign]
    event: dict[str, Any] = captured[-1]
    return event


def _in_process(stack: RunningStack, count: int, warm_up: int) -> list[float]:
    function = stack.runner.functions[FUNCTION]
    request = {
        "handler": function.handler,
        "event": _captured_event(stack),
        "count": count,
        "warm_up": warm_up,
    }
    done = subprocess.run(
        [sys.executable, "-P", "-c", IN_PROCESS],
        input=json.dumps(request),
        cwd=function.code_uri,
        env=stack.runner.variables(FUNCTION),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    result = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not result:
        raise RuntimeError(f"in-process run failed: {done.stderr[-1500:]}")
    times: list[float] = json.loads(result[-1][len("RESULT ") :])
    return times


def _install_clicks(stack: RunningStack, tenants: tuple[str, ...]) -> list[float]:
    """Seconds for each install, from GET /install to the management page on screen."""
    times: list[float] = []
    for ctx in tenants:
        browser = RunnerBrowser()
        try:
            started = time.perf_counter()
            done = install(browser, stack.app_url, ctx=ctx)
            page = browser.follow(done)
            times.append(time.perf_counter() - started)
        finally:
            browser.close()
        if page.status_code != 200:
            raise RuntimeError(f"the install of {ctx} ended with {page.status_code}")
    return times


INSTALLED = ("Cust10001", "Cust10002", "Cust10003")


def _stack(state_dir: Path, *, warm: bool) -> RunningStack:
    return start_local_stack(
        ports=StackPorts.free(),
        state_dir=state_dir,
        persistent=False,
        event_sources=False,
        write_stack_json=False,
        warm=warm,
        log=lambda _line: None,
    )


def measure(quick: bool = False) -> dict[str, Any]:
    warm_count = WARM_REQUESTS // 3 if quick else WARM_REQUESTS
    cold_count = COLD_REQUESTS // 3 if quick else COLD_REQUESTS
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as directory:
        state_dir = Path(directory)
        with _stack(state_dir / "warm", warm=True) as stack:
            warm = _through_http(stack, warm_count, WARM_UP)
            in_process = _in_process(stack, warm_count, WARM_UP)
            environments = stack.runner.pool(FUNCTION).started
            warm_installs = _install_clicks(stack, INSTALLED)
        with _stack(state_dir / "cold", warm=False) as stack:
            cold = _through_http(stack, cold_count, 2)
            cold_installs = _install_clicks(stack, INSTALLED)
    results: dict[str, Any] = {
        "benchmark": "local_latency",
        "machine": platform.machine(),
        "python": platform.python_version(),
        "route": f"GET {ROUTE} ({FUNCTION}, no authorizer)",
        "warm": _percentiles(warm),
        "cold": _percentiles(cold),
        "in_process": _percentiles(in_process),
        "warm_environments_started": environments,
        # The first install of a warm stack starts its environments; the others reuse them.
        "install_click_seconds": {
            "warm": [round(t, 2) for t in warm_installs],
            "cold": [round(t, 2) for t in cold_installs],
        },
    }
    gap = results["warm"]["p50_ms"] - results["in_process"]["p50_ms"]
    results["warm_minus_in_process_p50_ms"] = round(gap, 2)
    results["target_ms"] = TARGET_MS
    results["within_target"] = gap <= TARGET_MS
    return results


def markdown(results: dict[str, Any]) -> str:
    rows = [
        ("warm environments (default)", results["warm"]),
        ("a new environment per invocation (--cold)", results["cold"]),
        ("the handler called in-process", results["in_process"]),
    ]
    lines = [
        "# Local request latency",
        "",
        f"{results['route']}, Python {results['python']} on {results['machine']}; the warm "
        f"run used {results['warm_environments_started']} environment(s).",
        "",
        "| path | requests | p50 (ms) | p99 (ms) | mean (ms) |",
        "|---|---|---|---|---|",
        *(
            f"| {name} | {row['count']} | {row['p50_ms']} | {row['p99_ms']} | {row['mean_ms']} |"
            for name, row in rows
        ),
        "",
        f"Warm p50 minus in-process p50: **{results['warm_minus_in_process_p50_ms']} ms** "
        f"(target: at most {results['target_ms']:g} ms; "
        f"{'met' if results['within_target'] else 'not met'}).",
        "",
        "A click through the install flow (GET /install to the management page, three "
        "tenants in turn; the first warm one starts the environments), seconds: "
        f"warm {results['install_click_seconds']['warm']}, "
        f"cold {results['install_click_seconds']['cold']}.",
    ]
    return "\n".join(lines) + "\n"


def main(quick: bool = False) -> dict[str, Any]:
    print("bench: local request latency, warm / cold / in-process ...", flush=True)
    results = measure(quick)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "local_latency.json").write_text(json.dumps(results, indent=2) + "\n")
    text = markdown(results)
    (RESULTS / "local_latency.md").write_text(text)
    print(text, flush=True)
    return results


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
