"""Calls from the simulated SuperOffice to the app: notifications, webhook test events, deliveries.

Always off the request thread that caused them (except the webhook test event, which
SuperOffice itself waits for before saving) and never under the state lock: a slow or dead
app must not slow down the simulator. Delays between retries are scaled by
`OutboundSettings.delay_scale` and slept with an injectable `sleep`, so tests run fast.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Final

import httpx

# The contract: notifications are sent once with a 10 s timeout; deliveries alike.
DEFAULT_TIMEOUT_SECONDS: Final = 10.0

Sleep = Callable[[float], None]


@dataclass(frozen=True)
class Answer:
    """What the app answered: its status, or None and why there was no answer."""

    status: int | None
    error: str | None = None

    def to_json(self) -> dict[str, object]:
        return {"status": self.status, "error": self.error}


@dataclass
class OutboundSettings:
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    # Multiplies every retry delay (1 s, 4 s): 0.01 turns a 15 s retry series into 0.15 s.
    delay_scale: float = 1.0
    sleep: Sleep = field(default=time.sleep)

    def pause(self, seconds: float) -> None:
        if seconds * self.delay_scale > 0:
            self.sleep(seconds * self.delay_scale)


def post(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> Answer:
    """POST raw bytes; connection errors and timeouts are answers too (status None)."""
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            response = client.post(url, content=body, headers=dict(headers))
    except httpx.HTTPError as error:
        return Answer(status=None, error=f"{type(error).__name__}: {error}")
    return Answer(status=response.status_code)


def in_background(name: str, work: Callable[[], None]) -> threading.Thread:
    """Run `work` on a daemon thread, so a hanging app never keeps the simulator alive."""
    thread = threading.Thread(target=work, name=name, daemon=True)
    thread.start()
    return thread
