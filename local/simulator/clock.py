"""The simulator's notion of now: injectable, so tests can age codes, tickets and timestamps."""

from __future__ import annotations

import time
from collections.abc import Callable

# Seconds since the epoch, like time.time.
Clock = Callable[[], float]


def system_clock() -> float:
    return time.time()
