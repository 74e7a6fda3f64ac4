"""Sending to SyncQueue: single messages with a delay, and batches of ten with jitter.

``send_sync`` is for callers whose own work is done whatever SQS says (an install, the
administrator's resume, an uninstall's second sweep): it logs a refusal, never raises.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from .messages import FollowUpMessage, SyncMessage

__all__ = ["QueueSendFailed", "SyncQueue", "SyncSender", "send_sync"]

_log = logging.getLogger(__name__)

BATCH_LIMIT: Final = 10
MAX_DELAY_SECONDS: Final = 900
_ATTEMPTS: Final = 3


class QueueSendFailed(Exception):
    """SQS kept refusing messages; the caller must not acknowledge what it was doing."""


@dataclass
class SendCounts:
    """SQS calls and messages sent; the dispatcher sends from several threads."""

    calls: int = 0
    sent: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, calls: int, sent: int) -> None:
        with self._lock:
            self.calls += calls
            self.sent += sent


class SyncQueue:
    def __init__(self, sqs: Any, queue_url: str, *, rng: random.Random | None = None) -> None:
        self._sqs = sqs
        self._url = queue_url
        # SystemRandom: a generator seeded at init would be the same in every environment
        # SnapStart restores from one snapshot, and the jitter would spread nothing.
        self._rng = rng or random.SystemRandom()
        self.counts = SendCounts()

    def send(self, message: Mapping[str, Any], delay_seconds: float = 0) -> None:
        self._sqs.send_message(
            QueueUrl=self._url,
            MessageBody=json.dumps(message),
            DelaySeconds=_delay(delay_seconds),
        )
        self.counts.add(1, 1)

    def send_all(self, messages: Sequence[Mapping[str, Any]], *, jitter_seconds: int = 0) -> int:
        """SendMessageBatch in tens, each message delayed by up to ``jitter_seconds``."""
        sent = 0
        for start in range(0, len(messages), BATCH_LIMIT):
            entries = [
                {
                    "Id": str(index),
                    "MessageBody": json.dumps(message),
                    "DelaySeconds": _delay(self._rng.uniform(0, jitter_seconds)),
                }
                for index, message in enumerate(messages[start : start + BATCH_LIMIT])
            ]
            sent += self._send_batch(entries)
        return sent

    def _send_batch(self, entries: list[dict[str, Any]]) -> int:
        pending = entries
        for _ in range(_ATTEMPTS):
            answer = self._sqs.send_message_batch(QueueUrl=self._url, Entries=pending)
            failed = {item["Id"] for item in answer.get("Failed") or []}
            self.counts.add(1, len(pending) - len(failed))
            pending = [entry for entry in pending if entry["Id"] in failed]
            if not pending:
                return len(entries)
        raise QueueSendFailed(f"SQS refused {len(pending)} messages {_ATTEMPTS} times")


def _delay(seconds: float) -> int:
    return max(0, min(MAX_DELAY_SECONDS, int(seconds)))


class SyncSender(Protocol):
    """Where syncs are queued: ``superoffice_app.queues.sqs.SyncQueue`` on SyncQueue."""

    def send(self, message: Mapping[str, Any], delay_seconds: float = 0) -> None: ...


def send_sync(
    queue: SyncSender, message: SyncMessage | FollowUpMessage, delay_seconds: float = 0
) -> bool:
    """Queue ``message``; False (and a log line naming the error's type) when SQS refused."""
    try:
        queue.send(message.to_body(), delay_seconds)
    except Exception as error:  # boto3 raises many types; none may fail the caller
        _log.warning(
            "could not queue %s for %s: %s",
            message.reason if isinstance(message, SyncMessage) else message.follow_up,
            message.ctx,
            type(error).__name__,
        )
        return False
    return True
