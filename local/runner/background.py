"""A daemon thread running `_run` until `stop()`: the runner's schedules and SQS pollers."""

from __future__ import annotations

import threading
from typing import Self


class BackgroundLoop:
    def __init__(self, name: str) -> None:
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def _run(self) -> None:
        raise NotImplementedError

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join()
