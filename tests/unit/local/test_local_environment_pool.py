"""Warm environments: reused as Lambda reuses them, discarded and recycled when it would."""

from __future__ import annotations

import dataclasses
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from local.environment_pool import (
    DEFAULT_CAP,
    DEFAULT_IDLE_SECONDS,
    EnvironmentPool,
    code_fingerprint,
    cold_requested,
    idle_seconds_setting,
)
from local.lambda_runtime import TIMEOUT_ERROR_TYPE, InvocationResult
from local.template import FunctionSpec
from tests.function_specs import function_spec


def function(reserved: int | None = None) -> FunctionSpec:
    return function_spec(Path("/nonexistent/code"), reserved_concurrency=reserved)


class FakeEnvironment:
    """Answers with its own number; `outcome` says what the next invocation does to it."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.alive = True
        self.closed = False
        self.invocations = 0
        self.outcome: str | None = None
        self.hold: threading.Event | None = None

    def invoke(self, event: Any, request_id: str | None = None) -> InvocationResult:
        self.invocations += 1
        if self.hold is not None:
            self.hold.wait(5)
        if self.outcome == "timeout":
            self.alive = False
            return InvocationResult("r", {}, TIMEOUT_ERROR_TYPE, 0.0, 0.0)
        if self.outcome == "handler error":
            return InvocationResult("r", {}, "ValueError", 0.0, 0.0)
        return InvocationResult("r", self.number, None, 0.0, 0.0)

    def close(self) -> None:
        self.closed = True
        self.alive = False


@dataclasses.dataclass
class World:
    started: list[FakeEnvironment]
    code: list[int]
    now: list[float]

    def start(self) -> FakeEnvironment:
        environment = FakeEnvironment(len(self.started))
        self.started.append(environment)
        return environment


@pytest.fixture
def world() -> World:
    return World([], [0], [1000.0])


def pool(world: World, **options: Any) -> EnvironmentPool:
    return EnvironmentPool(
        options.pop("spec", function()),
        world.start,
        fingerprint=lambda: world.code[0],
        clock=lambda: world.now[0],
        **options,
    )


def test_one_environment_serves_invocation_after_invocation(world: World) -> None:
    warm = pool(world)
    assert [warm.invoke({}).payload for _ in range(5)] == [0] * 5
    assert warm.started == 1
    assert world.started[0].invocations == 5


def test_cold_mode_starts_and_ends_one_environment_per_invocation(world: World) -> None:
    cold = pool(world, warm=False)
    assert [cold.invoke({}).payload for _ in range(3)] == [0, 1, 2]
    assert all(environment.closed for environment in world.started)


def test_a_timed_out_environment_is_replaced_by_a_new_one(world: World) -> None:
    warm = pool(world)
    warm.invoke({})
    world.started[0].outcome = "timeout"
    assert warm.invoke({}).timed_out
    assert world.started[0].closed
    assert warm.invoke({}).payload == 1


def test_a_handler_error_keeps_the_environment(world: World) -> None:
    warm = pool(world)
    world.start()  # number 0 is taken by this one: the pool's first is 1
    warm.invoke({})
    world.started[1].outcome = "handler error"
    assert not warm.invoke({}).ok
    world.started[1].outcome = None
    assert warm.invoke({}).payload == 1
    assert warm.started == 1


def test_concurrent_invocations_get_their_own_environments_up_to_the_cap(world: World) -> None:
    warm = pool(world, cap=2)
    gate = threading.Event()
    original = world.start

    def held() -> FakeEnvironment:
        environment = original()
        environment.hold = gate
        return environment

    warm._start = held  # type: ignore[assignment]
    results: list[Any] = []
    threads = [
        threading.Thread(target=lambda: results.append(warm.invoke({}).payload)) for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 5
    while len(world.started) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)
    assert len(world.started) == 2  # the third waits for one of them
    gate.set()
    for thread in threads:
        thread.join(5)
    assert sorted(results) in ([0, 0, 1], [0, 1, 1])
    assert warm.started == 2


def test_the_cap_is_the_reserved_concurrency_or_the_default(world: World) -> None:
    assert pool(world, spec=function(reserved=3)).cap == 3
    assert pool(world).cap == DEFAULT_CAP


def test_an_edit_of_the_code_recycles_idle_and_busy_environments(world: World) -> None:
    warm = pool(world)
    warm.invoke({})
    world.code[0] = 1
    world.now[0] += 1
    assert warm.invoke({}).payload == 1
    assert world.started[0].closed
    # An environment busy during the edit is not kept for the next invocation.
    gate = threading.Event()
    world.started[1].hold = gate
    thread = threading.Thread(target=warm.invoke, args=({},))
    thread.start()
    time.sleep(0.05)
    world.code[0] = 2
    world.now[0] += 1
    assert warm.invoke({}).payload == 2  # busy 1 is not lent; 2 starts on the new code
    gate.set()
    thread.join(5)
    assert world.started[1].closed
    assert warm.invoke({}).payload == 2


def test_idle_environments_are_reclaimed_after_the_idle_time(world: World) -> None:
    warm = pool(world, idle_seconds=60)
    warm.invoke({})
    world.now[0] += 59
    assert warm.reap() == 0
    world.now[0] += 1
    assert warm.reap() == 1
    assert world.started[0].closed
    assert warm.invoke({}).payload == 1


def test_close_ends_every_environment(world: World) -> None:
    warm = pool(world)
    warm.invoke({})
    warm.close()
    assert world.started[0].closed


def test_the_settings_are_read_and_a_bad_one_is_named() -> None:
    assert cold_requested({"LOCAL_LAMBDA_COLD": "1"})
    assert not cold_requested({"LOCAL_LAMBDA_COLD": "0"})
    assert not cold_requested({})
    assert idle_seconds_setting({}) == DEFAULT_IDLE_SECONDS
    assert idle_seconds_setting({"LOCAL_LAMBDA_IDLE_SECONDS": "2.5"}) == 2.5
    for bad in ("soon", "0", "-1", "inf", "nan"):
        with pytest.raises(ValueError, match="LOCAL_LAMBDA_IDLE_SECONDS"):
            idle_seconds_setting({"LOCAL_LAMBDA_IDLE_SECONDS": bad})


def test_the_fingerprint_changes_with_an_edit_a_new_file_and_a_removal(tmp_path: Path) -> None:
    handler = tmp_path / "app.py"
    handler.write_text("x = 1\n")
    (tmp_path / "__pycache__").mkdir()
    take = code_fingerprint([tmp_path])
    first = take()
    (tmp_path / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"cache")
    assert take() == first  # bytecode caches are not edits
    handler.write_text("x = 22\n")
    second = take()
    assert second != first
    (tmp_path / "more.py").write_text("")
    third = take()
    assert third != second
    (tmp_path / "more.py").unlink()
    assert take() == second
