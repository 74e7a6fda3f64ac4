"""What the demo's steps share: where the stack is, the browser, and what earlier steps saw."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import httpx

from local.demo.browser import DemoBrowser

if TYPE_CHECKING:
    from superoffice_app.provisioning.spec import ProvisioningSpec

DEMO_TENANT: Final = "Cust10001"


class StepFailed(Exception):
    """A step saw something other than what a working app shows; the message says what."""


def expect(condition: object, why: str) -> None:
    """Fail the step with `why` unless `condition` holds (asserts vanish under `-O`)."""
    if not condition:
        raise StepFailed(why)


@dataclass
class DemoSession:
    app_url: str
    simulator_url: str
    browser: DemoBrowser
    spec: ProvisioningSpec
    ctx: str = DEMO_TENANT
    # The page the browser shows now.
    page: httpx.Response | None = None
    # The management JSON's `provisioned` rows, as step 4 read them.
    provisioned: list[dict[str, Any]] = field(default_factory=list)
    # The session cookie as it was before the uninstall cleared it.
    session_before_uninstall: str | None = None
    # Lines a step wants shown under its own line.
    details: list[str] = field(default_factory=list)

    def say(self, line: str) -> None:
        self.details.append(line)

    def current_page(self) -> httpx.Response:
        expect(self.page is not None, "no page is open (an earlier step did not run)")
        assert self.page is not None  # for the type checker; `expect` checked it
        return self.page


@dataclass(frozen=True)
class Step:
    title: str
    run: Callable[[DemoSession], None]
