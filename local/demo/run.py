"""Run the demo's steps in order against a running stack and report each one."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx

# botocore ships no type information (and the project installs no stubs for it).
from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

from local.demo.app_items import load_app_spec
from local.demo.backend import Backend, BackendUnavailable
from local.demo.browser import BrowsingError, DemoBrowser
from local.demo.failures import StepFailed
from local.demo.session import DemoSession, Step
from local.demo.steps import STEPS
from local.demo.superoffice import SuperOfficeControl

Output = Callable[[str], None]


@dataclass(frozen=True)
class DemoResult:
    passed: int
    total: int

    @property
    def ok(self) -> bool:
        return self.passed == self.total

    def summary(self) -> str:
        return f"demo: {self.passed}/{self.total} steps passed"


def run_demo(
    app_url: str,
    simulator_url: str,
    *,
    steps: Sequence[Step] = STEPS,
    out: Output = print,
) -> DemoResult:
    """Drive `steps` against the app at `app_url` and SuperOffice at `simulator_url`."""
    app_url, simulator_url = app_url.rstrip("/"), simulator_url.rstrip("/")
    with DemoBrowser() as browser:
        session = DemoSession(app_url, simulator_url, browser, load_app_spec(app_url))
        session.control = SuperOfficeControl(simulator_url)
        try:
            session.backend = Backend.connect(app_url, simulator_url)
            session.events = session.backend.watch_events()
        except (BackendUnavailable, BotoCoreError, ClientError) as error:
            out(f"demo: cannot reach the stack's AWS side: {error}")
            result = DemoResult(0, len(steps))
            out(result.summary())
            return result
        out(
            f"demo: watching the app's event bus {session.events.bus} "
            f"(rule {session.events.rule} -> a demo queue in moto)"
        )
        try:
            return run_steps(session, steps, out)
        finally:
            session.events.close()
            if session.lifecycle_browser is not None:
                session.lifecycle_browser.close()


def run_steps(session: DemoSession, steps: Sequence[Step], out: Output) -> DemoResult:
    """Each step in turn; after a failure the rest are skipped, as they build on it."""
    passed, failed = 0, False
    for number, step in enumerate(steps, start=1):
        named = step.title.format(ctx=session.ctx, other=session.lifecycle_ctx)
        title = f"step {number}/{len(steps)}: {named} ..."
        if failed:
            out(f"{title} skipped (an earlier step failed)")
            continue
        session.details.clear()
        started = time.monotonic()
        why = _failure_of(step, session)
        took = f"({time.monotonic() - started:.1f} s)"
        if why is None:
            passed += 1
            out(f"{title} ok {took}")
        else:
            failed = True
            out(f"{title} FAILED: {why} {took}")
        for line in session.details:
            out(f"    {line}")
    result = DemoResult(passed, len(steps))
    out(result.summary())
    return result


def _failure_of(step: Step, session: DemoSession) -> str | None:
    try:
        step.run(session)
    except StepFailed as failure:
        return str(failure)
    except (httpx.HTTPError, BrowsingError, BotoCoreError, ClientError) as error:
        return f"{type(error).__name__}: {error}"
    except (KeyError, TypeError, ValueError) as error:
        # An answer shaped otherwise than the app and the simulator document.
        return f"unexpected answer ({type(error).__name__}: {error})"
    return None
