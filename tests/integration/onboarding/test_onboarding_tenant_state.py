"""The state API's answer kept on the tenant: one fetch serves every function instance."""

from __future__ import annotations

import httpx
import pytest

from local.simulator import RunningSimulator
from superoffice_app.config import load_config
from superoffice_app.superoffice.http import utc_now
from superoffice_app.superoffice.state_api import StateApiClient
from superoffice_app.superoffice.state_cache import TenantStateStore
from tests.integration.onboarding.onboarding_browser import Browser
from tests.integration.onboarding.test_onboarding_flows import control, install

pytestmark = pytest.mark.integration


def state_api_calls(simulator: RunningSimulator, ctx: str) -> int:
    return int(control(simulator, "GET", f"/tenants/{ctx}/counters")["byArea"].get("stateApi", 0))


def test_an_answer_fetched_once_serves_other_instances_until_valid_until(
    browser: Browser, simulator: RunningSimulator
) -> None:
    assert install(browser).status == 303
    tenants = browser.handler.ONBOARDING.tenants
    environment = load_config().environment
    with httpx.Client(timeout=10) as http:
        first = StateApiClient(http, environment, utc_now, store=TenantStateStore(tenants))
        refreshed = first.get("Cust10001", refresh=True)
        before = state_api_calls(simulator, "Cust10001")
        # A new instance (empty memory cache) reads the stored answer, not SuperOffice.
        second = StateApiClient(http, environment, utc_now, store=TenantStateStore(tenants))
        state = second.get("Cust10001")
        assert state_api_calls(simulator, "Cust10001") == before
        assert state.api == refreshed.api
        assert state.is_running
        profile = tenants.get("Cust10001")
        assert profile is not None
        assert profile.state_answer is not None
        assert profile.state_answer["State"] == "Running"
        # A refresh (after a 421, a 5xx or a notification) asks SuperOffice again.
        second.get("Cust10001", refresh=True)
        assert state_api_calls(simulator, "Cust10001") == before + 1


def test_unknown_tenants_keep_no_answer(browser: Browser) -> None:
    tenants = browser.handler.ONBOARDING.tenants
    with httpx.Client(timeout=10) as http:
        client = StateApiClient(
            http, load_config().environment, utc_now, store=TenantStateStore(tenants)
        )
        assert client.get("Cust10002").is_running
    assert tenants.get("Cust10002") is None
