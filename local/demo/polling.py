"""Bounded waiting: ask again until something holds, or fail the step saying what was seen."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from local.demo.failures import StepFailed

T = TypeVar("T")
POLL_SECONDS = 0.25


def wait_until(what: str, probe: Callable[[], tuple[bool, T]], *, timeout: float) -> T:
    """Call `probe` (done, seen) until done, at most `timeout` seconds; return `seen`.

    On time-out the step fails with `what` and the last thing seen, so the reason reads
    like "the mirror matches SuperOffice: not within 30 s (last seen: 3 differences)".
    """
    deadline = time.monotonic() + timeout
    while True:
        done, seen = probe()
        if done:
            return seen
        if time.monotonic() >= deadline:
            raise StepFailed(f"{what}: not within {timeout:g} s (last seen: {seen})")
        time.sleep(POLL_SECONDS)
