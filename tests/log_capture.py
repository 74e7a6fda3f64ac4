"""What a function's Powertools Logger writes, captured into a buffer of the test's own."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def captured_log(logger: Any) -> Iterator[io.StringIO]:
    """Point ``logger``'s handler at a fresh buffer for the block (Powertools keeps one
    handler per service across re-imports, bound to whatever stream was current then)."""
    log_handler = logger.registered_handler
    assert isinstance(log_handler, logging.StreamHandler)
    buffer = io.StringIO()
    previous = log_handler.setStream(buffer)
    try:
        yield buffer
    finally:
        log_handler.setStream(previous)
