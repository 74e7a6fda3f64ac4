"""The install callback's route through the code: how many files, how many jumps back.

Measured on a real install (simulator, DynamoDB Local, moto); written to
tests/output/architecture/ for the record.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.integration.onboarding.onboarding_browser import Browser
from tests.integration.onboarding.route_trace import REPO, RouteTrace
from tests.integration.onboarding.test_onboarding_flows import install

pytestmark = pytest.mark.integration

OUTPUT = REPO / "tests" / "output" / "architecture"


class _Traced:
    """The handler module, with the callback's invocations traced."""

    def __init__(self, handler: ModuleType, trace: RouteTrace) -> None:
        self._handler = handler
        self._trace = trace

    def lambda_handler(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        if event.get("rawPath") != "/callback":
            return self._handler.lambda_handler(event, context)  # type: ignore[no-any-return]
        with self._trace.active():
            return self._handler.lambda_handler(event, context)  # type: ignore[no-any-return]


def test_install_callback_route(browser: Browser) -> None:
    trace = RouteTrace()
    browser.handler = _Traced(browser.handler, trace)  # type: ignore[assignment]
    # A first install warms the function (cold-start construction is not the route).
    assert install(browser, "Cust10002").status == 303
    trace.path.clear()
    done = install(browser, "Cust10001")
    assert done.status == 303, done.body
    OUTPUT.mkdir(parents=True, exist_ok=True)
    packages = trace.packages
    record = {
        "files": len(trace.files),
        "returns": trace.returns,
        "packages": len(set(packages)),
        "package_returns": len(packages) - len(set(packages)),
        "package_route": packages,
        "route": trace.path,
    }
    Path(OUTPUT / "install_callback_route.json").write_text(json.dumps(record, indent=2))
    print(json.dumps({k: record[k] for k in ("files", "returns", "packages", "package_returns")}))
