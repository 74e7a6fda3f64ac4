"""The app on a local address against a real SuperOffice: what it provisions, and why not.

SuperOffice cannot call 127.0.0.1: a webhook's registration test would fail and its
deliveries would never arrive, so the onboarding's spec leaves the CRM webhooks out there
(the install and the sync's upkeep both use it) and says why. The local simulator can
call the app, and a public URL makes the app reachable: then the webhooks stay.
"""

from __future__ import annotations

import pytest

from superoffice_app.wiring.onboarding import OnboardingGraph
from superoffice_app.wiring.settings import load_onboarding_settings


def onboarding(environment: str, app_base_url: str) -> OnboardingGraph:
    settings = {
        "SUPEROFFICE_ENVIRONMENT": environment,
        "SUPEROFFICE_LOCAL_BASE_URL": "http://127.0.0.1:3001",
        "SUPEROFFICE_BASE_URL": "https://so.example",
        "SUPEROFFICE_CLIENT_ID": "abcdef0123456789",
        "APP_BASE_URL": app_base_url,
        "TENANTS_TABLE": "tenants",
        "APP_KEY_ID": "alias/app",
        "CLIENT_SECRET_NAME": "c",
        "PRIVATE_KEY_SECRET_NAME": "p",
        "SESSION_KEY_SECRET_NAME": "s",
    }
    return OnboardingGraph(load_onboarding_settings(settings))


@pytest.mark.parametrize("environment", ["sod", "stage", "custom"])
def test_a_local_app_against_a_real_superoffice_leaves_webhooks_out(environment: str) -> None:
    graph = onboarding(environment, "http://127.0.0.1:3000")
    assert graph.declared_spec.webhooks, "provisioning.json declares a webhook"
    assert graph.spec.webhooks == ()
    # Everything else is provisioned as declared (web panels load in the user's browser).
    assert graph.spec.web_panels == graph.declared_spec.web_panels
    assert graph.spec.udefs == graph.declared_spec.udefs
    why = graph.webhooks_skipped
    assert why is not None
    assert "http://127.0.0.1:3000" in why
    assert "--public-url https://<tunnel host>" in why


@pytest.mark.parametrize(
    ("environment", "app_base_url"),
    [
        ("local", "http://127.0.0.1:3000"),  # the simulator runs on the same machine
        ("sod", "https://abc123.tunnel.example"),  # --public-url
        ("custom", "https://app.example.com"),
    ],
)
def test_a_reachable_app_registers_its_webhooks(environment: str, app_base_url: str) -> None:
    graph = onboarding(environment, app_base_url)
    assert graph.spec.webhooks == graph.declared_spec.webhooks
    (webhook,) = graph.spec.webhooks
    assert webhook.target_url("Cust1") == f"{app_base_url}/webhooks/crm/Cust1"
    assert graph.webhooks_skipped is None
