"""Customer state change notifications: change types, bodies, per-app URLs and the log.

The log keeps every notification the simulator made, one entry per app, with each time it
was sent and what the app answered. An entry can be held back (made but not sent) and sent
later, out of order; a sent one can be sent again, as a duplicate. Guarded by the state lock.
"""

from __future__ import annotations

import datetime
import re
import threading
from dataclasses import dataclass, field
from typing import Any, Final

from local import defaults
from local.simulator.outbound import Answer
from local.simulator.routing import BadRequest, NotFound

# The ChangeType values of protocol section 5.
CHANGE_TYPES: Final = {
    "Upgrade": 0,
    "BackupRestored": 1,
    "Suspend": 2,
    "Resume": 3,
    "Delete": 4,
    "Move": 5,
}
NOTIFICATION_PATH: Final = "/notifications/tenant-state"
_RELEASE: Final = re.compile(r"Release_(\d+(?:\.\d+)*)_(\d{4})")


def default_notification_url() -> str:
    return defaults.APP_BASE_URL + NOTIFICATION_PATH


def change_name(change_type: int) -> str:
    return next((name for name, value in CHANGE_TYPES.items() if value == change_type), "Unknown")


def file_version(version_name: str) -> str:
    """`Release_10.3.8_2024.08.30-01` -> `10.3.8.2024`, as SuperOffice pairs them."""
    match = _RELEASE.search(version_name)
    return f"{match.group(1)}.{match.group(2)}" if match else ""


def notification_body(
    change_type: int, ctx: str, version: str, token: str, public_endpoint: str
) -> dict[str, Any]:
    return {
        "ChangeType": change_type,
        "ContextIdentifier": ctx,
        "VersionName": version,
        "FileVersion": file_version(version),
        "Token": token,
        "PublicEndpoint": public_endpoint,
    }


def _now_text() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds")


@dataclass
class Notification:
    id: int
    client_id: str
    url: str
    body: dict[str, Any]
    token_kind: str
    held: bool
    # One per send: {"at", "kind" (first/late/duplicate), "answered", "status", "error"};
    # status None until the app answered, and also when it could not be reached (error).
    sends: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        last = self.sends[-1] if self.sends else None
        return {
            "id": self.id,
            "clientId": self.client_id,
            "url": self.url,
            "ctx": self.body["ContextIdentifier"],
            "changeType": self.body["ChangeType"],
            "change": change_name(self.body["ChangeType"]),
            "tokenKind": self.token_kind,
            "held": self.held,
            "answerStatus": last["status"] if last else None,
            "sends": [dict(send) for send in self.sends],
            "body": dict(self.body),
        }


class NotificationLog:
    """Per-app URLs (configuration: they survive a reset) and the notifications made."""

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._urls: dict[str, str | None] = {}
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self._entries: list[Notification] = []

    def url(self, client_id: str) -> str | None:
        """The app's URL; None: the app receives no notifications."""
        with self._lock:
            return self._urls.get(client_id, default_notification_url())

    def set_url(self, client_id: str, url: object) -> None:
        if url is not None and not (
            isinstance(url, str) and url.startswith(("http://", "https://"))
        ):
            raise BadRequest("url must be an http(s) URL, or null for no notifications")
        with self._lock:
            self._urls[client_id] = url

    def add(
        self, client_id: str, url: str, body: dict[str, Any], token_kind: str, *, held: bool
    ) -> Notification:
        with self._lock:
            entry = Notification(len(self._entries) + 1, client_id, url, body, token_kind, held)
            self._entries.append(entry)
            return entry

    def get(self, notification_id: int) -> Notification:
        with self._lock:
            if not 1 <= notification_id <= len(self._entries):
                raise NotFound(f"there is no notification {notification_id}")
            return self._entries[notification_id - 1]

    def start_send(self, entry: Notification) -> int:
        """Record a send about to happen; its index for `finish_send`."""
        with self._lock:
            kind = "late" if entry.held else ("duplicate" if entry.sends else "first")
            entry.held = False
            entry.sends.append(
                {"at": _now_text(), "kind": kind, "answered": False, "status": None, "error": None}
            )
            return len(entry.sends) - 1

    def finish_send(self, entry: Notification, index: int, answer: Answer) -> None:
        with self._lock:
            entry.sends[index].update(answer.to_json(), answered=True)

    def snapshot(self, ctx: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [
                entry.to_json()
                for entry in self._entries
                if ctx is None or entry.body["ContextIdentifier"].lower() == ctx.lower()
            ]
