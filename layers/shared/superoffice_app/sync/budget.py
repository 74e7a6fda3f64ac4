"""A run's time budget and SuperOffice calls retried inside it.

SuperOffice may throttle (429, with or without ``Retry-After``), answer 502/503/504, time
out or drop the connection. Each call is retried a bounded number of times with capped
exponential backoff and full jitter, honouring ``Retry-After`` when it is longer, but
never past the run's deadline: past it the caller checkpoints and the work comes back
later (``Deferred``). Nothing sleeps longer than the budget allows, so a sync never hangs
and never holds a Lambda until it is killed.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final, TypeVar

from superoffice_app.superoffice.http import SuperOfficeUnavailable

__all__ = ["MAX_DEFER_SECONDS", "Budget", "Deferred", "RetryPolicy", "RetryStats", "with_retries"]

T = TypeVar("T")

# The longest SQS delay: work deferred for longer simply comes back after this.
MAX_DEFER_SECONDS: Final = 900


class Deferred(Exception):
    """Stop now and come back later; ``retry_after_seconds`` says when (a hint).

    ``out_of_time``: the run's budget is spent (the rest can continue at once);
    ``throttled``: SuperOffice answered 429. Otherwise SuperOffice was unavailable.
    """

    def __init__(
        self,
        reason: str,
        *,
        retry_after_seconds: float | None = None,
        out_of_time: bool = False,
        throttled: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after_seconds = retry_after_seconds
        self.out_of_time = out_of_time
        self.throttled = throttled


@dataclass
class Budget:
    """Monotonic deadline of one run; ``margin`` is kept back for the checkpoint."""

    seconds: float
    margin: float = 2.0
    clock: Callable[[], float] = time.monotonic
    started: float = field(init=False)

    def __post_init__(self) -> None:
        self.started = self.clock()

    def remaining(self) -> float:
        return self.seconds - (self.clock() - self.started) - self.margin

    def exhausted(self) -> bool:
        return self.remaining() <= 0


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    base_seconds: float = 0.5
    cap_seconds: float = 20.0

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**attempt)]."""
        ceiling = min(self.cap_seconds, self.base_seconds * (2**attempt))
        return rng.uniform(0, ceiling)


@dataclass
class RetryStats:
    """What retrying cost: throttled answers, other unavailable answers, pauses."""

    throttles: int = 0
    unavailable: int = 0
    waited_seconds: float = 0.0


def with_retries(
    call: Callable[[], T],
    *,
    budget: Budget,
    policy: RetryPolicy,
    stats: RetryStats,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> T:
    """``call()``, retried on ``SuperOfficeUnavailable`` while attempts and budget last."""
    generator = rng or random.SystemRandom()  # unseeded: also right after a SnapStart restore
    attempt = 0
    while True:
        if budget.exhausted():
            raise Deferred("the run's time budget is spent", out_of_time=True)
        try:
            return call()
        except SuperOfficeUnavailable as error:
            if error.status == 429:
                stats.throttles += 1
            else:
                stats.unavailable += 1
            attempt += 1
            pause = policy.backoff(attempt - 1, generator)
            if error.retry_after_seconds is not None:
                pause = max(pause, error.retry_after_seconds)
            if attempt >= policy.attempts or pause >= budget.remaining():
                hint = error.retry_after_seconds
                raise Deferred(
                    str(error), retry_after_seconds=hint, throttled=error.status == 429
                ) from None
            stats.waited_seconds += pause
            sleep(pause)
