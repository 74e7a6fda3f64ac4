"""The stack the demo drives: the one it was told about, a running one, or one it starts.

A developer who already ran `make up` keeps that stack (the demo leaves it running); a
stack the demo starts itself is stopped when the demo ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import httpx

from local import defaults

HEALTH_PATH: Final = "/_local/health"
# The stack the demo starts logs every request; the demo's own output stays readable.
STACK_LOG: Final = "demo-stack.log"
HEALTH_TIMEOUT_SECONDS: Final = 2.0


class StackUnavailable(Exception):
    """No stack answers where the demo looked, and none could be started."""


@dataclass(frozen=True)
class StackUrls:
    app_url: str
    simulator_url: str


def is_healthy(app_url: str) -> bool:
    try:
        response = httpx.get(f"{app_url}{HEALTH_PATH}", timeout=HEALTH_TIMEOUT_SECONDS)
    except httpx.HTTPError:
        return False
    return response.status_code == 200


def running_stack(state_dir: Path) -> StackUrls | None:
    """A healthy stack: the one `<state dir>/stack.json` names, else one on the default ports."""
    from local.runner import find_running_stack

    described = find_running_stack(state_dir)
    if described is not None:
        return StackUrls(described.app_url, described.simulator_url)
    if is_healthy(defaults.APP_BASE_URL):
        return StackUrls(defaults.APP_BASE_URL, defaults.SIMULATOR_BASE_URL)
    return None


@contextmanager
def demo_stack(
    *,
    app_url: str | None,
    simulator_url: str | None,
    state_dir: Path,
    out: Callable[[str], None],
) -> Iterator[StackUrls]:
    if app_url is not None:
        app_url = app_url.rstrip("/")
        if not is_healthy(app_url):
            raise StackUnavailable(
                f"no stack answers at {app_url}{HEALTH_PATH} (is `make up` running there?)"
            )
        yield StackUrls(app_url, (simulator_url or defaults.SIMULATOR_BASE_URL).rstrip("/"))
        return
    found = running_stack(state_dir)
    if found is not None:
        out(f"demo: using the running stack at {found.app_url} (left running)")
        yield StackUrls(found.app_url, (simulator_url or found.simulator_url).rstrip("/"))
        return
    out(f"demo: starting the local stack (state in {state_dir}) ...")
    with started_stack(state_dir) as started:
        out(f"demo: stack up at {started.app_url}; it stops when the demo ends")
        yield started


@contextmanager
def started_stack(state_dir: Path) -> Iterator[StackUrls]:
    """The runner's stack on the default ports, stopped on exit; its log goes to a file."""
    from local.runner import start_local_stack
    from local.services import ServiceError
    from local.template import TemplateError

    log_path = state_dir / STACK_LOG
    state_dir.mkdir(parents=True, exist_ok=True)
    with log_path.open("a", encoding="utf-8") as log_file:

        def log(line: str) -> None:
            log_file.write(line + "\n")
            log_file.flush()

        try:
            stack = start_local_stack(state_dir=state_dir, log=log)
        except (ServiceError, TemplateError, OSError) as error:
            raise StackUnavailable(
                f"the local stack could not start: {error} (its log: {log_path})"
            ) from error
        try:
            yield StackUrls(stack.app_url, stack.simulator_url)
        finally:
            stack.stop()
