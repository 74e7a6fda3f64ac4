"""What the demo's steps share: where the stack is, the browser, and what earlier steps saw."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import httpx

from local.demo.browser import DemoBrowser
from local.demo.failures import expect

if TYPE_CHECKING:
    from local.demo.backend import Backend, EventTap
    from local.demo.superoffice import SuperOfficeControl
    from superoffice_app.provisioning.spec import ProvisioningSpec

DEMO_TENANT: Final = "Cust10001"
# The tenant whose life SuperOffice changes (suspend ... delete): a second one, so the
# demo tenant stays installed for the uninstall at the end.
LIFECYCLE_TENANT: Final = "Cust10002"


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
    # The stack's AWS side, SuperOffice's control API and the demo's tap on the event bus
    # (`run_demo` sets them up before the first step).
    backend: Backend | None = None
    control: SuperOfficeControl | None = None
    events: EventTap | None = None
    # The second tenant: its own browser (another administrator), so the demo tenant's
    # session stays for the uninstall.
    lifecycle_ctx: str = LIFECYCLE_TENANT
    lifecycle_browser: DemoBrowser | None = None
    # When SuperOffice last notified a change (time.monotonic()); the app applies a
    # notification only if its token is newer, to the second, than the last one applied.
    last_change_at: float | None = None

    def say(self, line: str) -> None:
        self.details.append(line)

    def aws(self) -> Backend:
        expect(self.backend is not None, "the demo is not connected to the stack's AWS side")
        assert self.backend is not None
        return self.backend

    def superoffice(self) -> SuperOfficeControl:
        expect(self.control is not None, "the demo has no SuperOffice control API")
        assert self.control is not None
        return self.control

    def bus(self) -> EventTap:
        expect(self.events is not None, "the demo is not watching the event bus")
        assert self.events is not None
        return self.events

    def current_page(self) -> httpx.Response:
        expect(self.page is not None, "no page is open (an earlier step did not run)")
        assert self.page is not None  # for the type checker; `expect` checked it
        return self.page


@dataclass(frozen=True)
class Step:
    title: str
    run: Callable[[DemoSession], None]
