import random

import pytest

from superoffice_app.superoffice.http import SuperOfficeUnavailable
from superoffice_app.sync.budget import Budget, Deferred, RetryPolicy, RetryStats, with_retries


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def failing(*errors: Exception, result: str = "ok"):  # type: ignore[no-untyped-def]
    pending = list(errors)

    def call() -> str:
        if pending:
            raise pending.pop(0)
        return result

    return call


def run(call, time: FakeTime, budget_seconds: float = 60, attempts: int = 4):  # type: ignore[no-untyped-def]
    stats = RetryStats()
    value = with_retries(
        call,
        budget=Budget(budget_seconds, margin=0, clock=time.clock),
        policy=RetryPolicy(attempts=attempts, base_seconds=1, cap_seconds=8),
        stats=stats,
        sleep=time.sleep,
        rng=random.Random(7),
    )
    return value, stats


def test_throttling_is_retried_with_growing_capped_pauses() -> None:
    time = FakeTime()
    throttled = SuperOfficeUnavailable("429", status=429)
    value, stats = run(failing(throttled, throttled, throttled), time)
    assert value == "ok"
    assert stats.throttles == 3
    assert len(time.sleeps) == 3
    assert all(0 <= pause <= cap for pause, cap in zip(time.sleeps, (1, 2, 4), strict=True))


def test_retry_after_is_honoured_when_longer_than_the_backoff() -> None:
    time = FakeTime()
    value, stats = run(
        failing(SuperOfficeUnavailable("429", status=429, retry_after_seconds=7)), time
    )
    assert value == "ok"
    assert stats.throttles == 1
    assert time.sleeps == [7]


def test_attempts_are_bounded_and_then_deferred() -> None:
    time = FakeTime()
    errors = [SuperOfficeUnavailable("503", status=503) for _ in range(10)]
    with pytest.raises(Deferred):
        run(failing(*errors), time, attempts=3)
    assert len(time.sleeps) == 2


def test_a_pause_longer_than_the_budget_defers_at_once_with_the_hint() -> None:
    time = FakeTime()
    error = SuperOfficeUnavailable("429", status=429, retry_after_seconds=120)
    with pytest.raises(Deferred) as deferred:
        run(failing(error), time, budget_seconds=30)
    assert time.sleeps == []
    assert deferred.value.retry_after_seconds == 120


def test_a_spent_budget_calls_nothing() -> None:
    time = FakeTime()
    calls: list[int] = []

    def call() -> str:
        calls.append(1)
        return "ok"

    time.now = 100
    budget = Budget(10, margin=0, clock=time.clock)
    time.now = 200
    with pytest.raises(Deferred):
        with_retries(
            call, budget=budget, policy=RetryPolicy(), stats=RetryStats(), sleep=time.sleep
        )
    assert calls == []


def test_other_errors_are_not_retried() -> None:
    time = FakeTime()
    with pytest.raises(ValueError, match="boom"):
        run(failing(ValueError("boom")), time)
    assert time.sleeps == []
