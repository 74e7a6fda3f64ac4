"""What the contract check found, and what the simulator does about it (the mode).

Modes:
- `enforce` (the default): a request SuperOffice's published contract does not allow is
  refused as SuperOffice would (404, 405, 400 with a SuperOffice error body), and an answer
  of the simulator's that the contract does not allow becomes a 500, so a test sees it;
- `report`: the request is served as before; the refusal is only recorded (for finding
  an app's mismatches without failing its tests);
- `off`: nothing is checked (the benchmark's baseline).

Every refusal, in `report` and `enforce` alike, is counted by rule, kept (the latest
`MAX_KEPT`), logged in one line and, when `LOCAL_SIMULATOR_CONTRACT_LOG` names a file,
appended to it as one JSON line, so refusals of many simulators (test workers, the
local stack) can be collected in one place. `LOCAL_SIMULATOR_CONTRACT` sets the mode a
simulator starts in when its creator does not choose one.
"""

from __future__ import annotations

import collections
import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

MODES: Final = ("off", "report", "enforce")
DEFAULT_MODE: Final = "enforce"
MODE_SETTING: Final = "LOCAL_SIMULATOR_CONTRACT"
LOG_FILE_SETTING: Final = "LOCAL_SIMULATOR_CONTRACT_LOG"
MAX_KEPT: Final = 1000

# The rules a refusal names (README: "What the contract check refuses").
RULES: Final = (
    "undocumented-path",
    "undocumented-method",
    "undocumented-query-parameter",
    "parameter",
    "enum",
    "body",
    "unknown-property",
    "webhook-event",
    "archive-column",
    "archive-operator",
    "archive-filter",
    "response",
)


@dataclass(frozen=True)
class Refusal:
    rule: str
    # What SuperOffice would answer (for `response`: 500, the simulator is at fault).
    status: int
    message: str
    method: str
    # `/api/v1/...` without host segment and tenant, as the counters name paths.
    path: str
    operation_id: str | None = None
    ctx: str = ""
    # The query string as sent, for the record.
    query: str = ""
    mode: str = DEFAULT_MODE

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "status": self.status,
            "message": self.message,
            "method": self.method,
            "path": self.path,
            "operationId": self.operation_id,
            "ctx": self.ctx,
            "query": self.query,
            "mode": self.mode,
        }

    def log_line(self) -> str:
        operation = self.operation_id or "no operation"
        return (
            f"contract {self.mode}: {self.rule} {self.method} {self.path} ({operation}): "
            f"{self.message}"
        )


def mode_from_environment() -> str:
    return parse_mode(os.environ.get(MODE_SETTING) or DEFAULT_MODE)


def parse_mode(value: object) -> str:
    if not isinstance(value, str) or value.lower() not in MODES:
        raise ValueError(f"the contract mode is one of {', '.join(MODES)}, not {value!r}")
    return value.lower()


class ContractMonitor:
    """The mode and the refusals of one simulator; thread-safe."""

    def __init__(
        self,
        mode: str | None = None,
        *,
        log: Callable[[str], None] | None = None,
        log_file: Path | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._mode = parse_mode(mode) if mode is not None else mode_from_environment()
        self._log = log
        setting = os.environ.get(LOG_FILE_SETTING)
        self._log_file = log_file or (Path(setting) if setting else None)
        self._kept: collections.deque[Refusal] = collections.deque(maxlen=MAX_KEPT)
        self._counts: collections.Counter[str] = collections.Counter()

    @property
    def mode(self) -> str:
        with self._lock:
            return self._mode

    @mode.setter
    def mode(self, value: str) -> None:
        checked = parse_mode(value)
        with self._lock:
            self._mode = checked

    @property
    def checking(self) -> bool:
        return self.mode != "off"

    @property
    def enforcing(self) -> bool:
        return self.mode == "enforce"

    def set_log(self, log: Callable[[str], None]) -> None:
        self._log = log

    def log(self, line: str) -> None:
        if self._log is not None:
            self._log(line)

    def record(self, refusal: Refusal) -> None:
        with self._lock:
            self._kept.append(refusal)
            self._counts[refusal.rule] += 1
            log, log_file = self._log, self._log_file
        if log is not None:
            log(refusal.log_line())
        if log_file is not None:
            # One write per line in append mode: lines of concurrent writers stay whole.
            with log_file.open("a", encoding="utf-8") as sink:
                sink.write(json.dumps(refusal.to_json(), sort_keys=True) + "\n")

    def refusals(self) -> list[Refusal]:
        with self._lock:
            return list(self._kept)

    def to_json(self) -> dict[str, Any]:
        with self._lock:
            return {
                "mode": self._mode,
                "total": sum(self._counts.values()),
                "byRule": dict(sorted(self._counts.items())),
                "refusals": [refusal.to_json() for refusal in self._kept],
            }

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
            self._counts.clear()
