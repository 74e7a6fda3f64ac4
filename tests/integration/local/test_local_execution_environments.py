"""Real execution environments: module state lives on, a timeout or an edit replaces them."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from local.environment_pool import EnvironmentPool
from local.lambda_runtime import ExecutionEnvironment, function_process_environment
from local.template import FunctionSpec
from tests.integration.local.function_specs import one_file_function

pytestmark = pytest.mark.integration

CODE = """
import os
import time

print("init", flush=True)
CALLS = []


def count(event, context):
    CALLS.append(event.get("tenant"))
    return {"pid": os.getpid(), "calls": len(CALLS), "version": VERSION}


def slow(event, context):
    time.sleep(event["seconds"])
    return {"pid": os.getpid()}


def fails(event, context):
    raise ValueError("refused")


VERSION = 1
"""


def spec(tmp_path: Path, handler: str) -> FunctionSpec:
    return one_file_function(tmp_path, CODE, handler, timeout=2)


def pool_of(function: FunctionSpec, logs: list[str], **options: object) -> EnvironmentPool:
    def start() -> ExecutionEnvironment:
        return ExecutionEnvironment(
            function, function_process_environment(function, parent_environ=os.environ), logs.append
        )

    return EnvironmentPool(function, start, **options)  # type: ignore[arg-type]


def test_a_warm_environment_keeps_module_state_and_inits_once(tmp_path: Path) -> None:
    logs: list[str] = []
    pool = pool_of(spec(tmp_path, "app.count"), logs)
    try:
        first, second = pool.invoke({"tenant": "Cust1"}), pool.invoke({"tenant": "Cust2"})
    finally:
        pool.close()
    assert first.payload["pid"] == second.payload["pid"]
    assert [first.payload["calls"], second.payload["calls"]] == [1, 2]
    assert logs.count("init") == 1
    reports = [line for line in logs if line.startswith("REPORT")]
    assert len(reports) == 2
    assert "Init Duration" in reports[0]
    assert "Init Duration" not in reports[1]
    assert first.init_duration_ms > 0
    assert second.init_duration_ms == 0


def test_cold_mode_inits_for_every_invocation(tmp_path: Path) -> None:
    logs: list[str] = []
    pool = pool_of(spec(tmp_path, "app.count"), logs, warm=False)
    results = [pool.invoke({}) for _ in range(2)]
    assert [r.payload["calls"] for r in results] == [1, 1]
    assert results[0].payload["pid"] != results[1].payload["pid"]
    assert all("Init Duration" in line for line in logs if line.startswith("REPORT"))


def test_a_timed_out_environment_is_discarded_and_replaced(tmp_path: Path) -> None:
    pool = pool_of(spec(tmp_path, "app.slow"), [])
    try:
        before = pool.invoke({"seconds": 0})
        timed_out = pool.invoke({"seconds": 5})
        after = pool.invoke({"seconds": 0})
    finally:
        pool.close()
    assert timed_out.timed_out
    assert after.ok
    assert after.payload["pid"] != before.payload["pid"]
    assert pool.started == 2


def test_a_handler_error_keeps_the_environment(tmp_path: Path) -> None:
    pool = pool_of(spec(tmp_path, "app.fails"), [])
    try:
        assert pool.invoke({}).error_type == "ValueError"
        assert pool.invoke({}).error_type == "ValueError"
    finally:
        pool.close()
    assert pool.started == 1


def test_an_edited_handler_is_picked_up_by_a_new_environment(tmp_path: Path) -> None:
    function = spec(tmp_path, "app.count")
    pool = pool_of(function, [])
    try:
        first = pool.invoke({})
        handler = function.code_uri / "app.py"
        handler.write_text(CODE.replace("VERSION = 1", "VERSION = 2"))
        stamp = handler.stat().st_mtime_ns + 1_000_000_000
        os.utime(handler, ns=(stamp, stamp))  # a coarse clock must still see an edit
        time.sleep(0.3)  # past the pool's fingerprint interval
        second = pool.invoke({})
    finally:
        pool.close()
    assert (first.payload["version"], second.payload["version"]) == (1, 2)
    assert second.payload["pid"] != first.payload["pid"]
