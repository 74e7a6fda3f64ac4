"""`<state dir>/stack.json`: where a running local stack can be found by other tools.

Written by `python -m local up` once everything answers, removed when it stops. A file
left behind by a killed runner is recognised as stale: its process is gone, or its
health endpoint does not answer.
"""

from __future__ import annotations

import contextlib
import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

FILE_NAME: Final = "stack.json"
_DIRECT: Final = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def stack_file_path(state_dir: Path) -> Path:
    return state_dir / FILE_NAME


@dataclass(frozen=True)
class StackInfo:
    """What `stack.json` says about a running stack."""

    pid: int
    app_url: str
    simulator_url: str
    dynamodb_endpoint: str
    moto_endpoint: str
    template: str
    region: str
    physical_ids: dict[str, str]
    health_url: str
    # Template parameters the stack was started with beyond the local defaults
    # (`--superoffice`, `--public-url`); empty in files of older runners.
    parameters: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StackInfo:
        return cls(
            pid=int(data["pid"]),
            app_url=str(data["app_url"]),
            simulator_url=str(data["simulator_url"]),
            dynamodb_endpoint=str(data["dynamodb_endpoint"]),
            moto_endpoint=str(data["moto_endpoint"]),
            template=str(data["template"]),
            region=str(data["region"]),
            physical_ids={str(k): str(v) for k, v in data["physical_ids"].items()},
            health_url=str(data["health_url"]),
            parameters={str(k): str(v) for k, v in (data.get("parameters") or {}).items()},
        )


def write_stack_file(state_dir: Path, document: dict[str, Any]) -> Path:
    path = stack_file_path(state_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{FILE_NAME}.{os.getpid()}")
    temporary.write_text(json.dumps(document, indent=2) + "\n", "utf-8")
    os.replace(temporary, path)  # readers never see half a file
    return path


def remove_stack_file(state_dir: Path, pid: int) -> None:
    """Remove the file if it is this process's (another runner may have replaced it)."""
    path = stack_file_path(state_dir)
    with contextlib.suppress(OSError, ValueError, KeyError):
        if int(json.loads(path.read_text("utf-8"))["pid"]) == pid:
            path.unlink()


def find_running_stack(state_dir: Path, *, timeout: float = 2.0) -> StackInfo | None:
    """The stack `stack.json` describes, if its process is alive and its health answers."""
    try:
        info = StackInfo.from_json(json.loads(stack_file_path(state_dir).read_text("utf-8")))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if not _process_alive(info.pid):
        return None
    try:
        with _DIRECT.open(info.health_url, timeout=timeout) as answer:
            return info if answer.status == 200 else None
    except (OSError, urllib.error.URLError, ValueError):
        return None


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, someone else's
    return True
