"""`SUPEROFFICE_ENVIRONMENT=custom`: any SuperOffice at a base URL, and who can call the app.

A custom SuperOffice has SuperOffice's documented paths on its base URL and its keys from
its published JWKS (or a configured certificate). It cannot stand in for a named
environment, so production's rules (its certificate is configuration) cannot be bypassed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from superoffice_app.certificates import thumbprint_hex
from superoffice_app.config import ConfigError, load_config, load_environment
from superoffice_app.environments import Environment
from superoffice_app.superoffice.state_api import StateApiClient, UnexpectedResponse

CERTIFICATES = Path(__file__).parents[3] / "layers/shared/superoffice_app/data"
BASE = {
    "SUPEROFFICE_CLIENT_ID": "0123456789abcdef",
    "APP_BASE_URL": "https://app.example.com",
}


def custom(base_url: str, **overrides: str) -> dict[str, str]:
    return {
        **BASE,
        "SUPEROFFICE_ENVIRONMENT": "custom",
        "SUPEROFFICE_BASE_URL": base_url,
        **overrides,
    }


def test_documented_paths_on_the_base_url() -> None:
    env = load_environment(custom("https://so.partner-test.example/"))
    base = "https://so.partner-test.example"
    assert env.name == "custom"
    assert env.issuer == base
    assert env.discovery_url == f"{base}/login/.well-known/openid-configuration"
    assert env.authorize_url == f"{base}/login/common/oauth/authorize"
    assert env.token_url == f"{base}/login/common/oauth/tokens"
    assert env.jwks_url == f"{base}/login/.well-known/jwks"
    assert env.system_user_url == f"{base}/Login/api/PartnerSystemUser/Authenticate"
    assert env.state_api_url("Cust1") == f"{base}/api/state/Cust1"
    # No key ships for it: its JWKS is read on first use.
    assert env.published_keys == ()
    assert not env.requires_configured_certificate
    assert env.maintenance_windows == ()
    assert not env.allows_http
    assert not env.reaches_loopback


def test_a_superoffice_online_host_keeps_online_maintenance_windows() -> None:
    env = load_environment(custom("https://sod2.superoffice.com"))
    assert env.maintenance_windows
    assert env.login_base == "https://sod2.superoffice.com"


def test_a_certificate_in_configuration_is_trusted_too() -> None:
    pem = (CERTIFICATES / "stage-federated-login.crt").read_text().strip().replace("\n", "\\n")
    env = load_environment(
        custom("https://so.example", SUPEROFFICE_SIGNING_CERTIFICATE=pem),
    )
    (key,) = env.published_keys
    assert thumbprint_hex(dict(key)) == "484903A7732B928C7980A39D38E947EA119F1089"


def test_http_only_on_loopback() -> None:
    env = load_environment(custom("http://127.0.0.1:4001"))
    assert env.allows_http
    assert env.issuer == "http://127.0.0.1:4001"


@pytest.mark.parametrize(
    ("base_url", "message"),
    [
        ("", "SUPEROFFICE_BASE_URL is not set"),
        ("http://so.example.com", "SUPEROFFICE_BASE_URL must be an https URL"),
        ("ftp://so.example.com", "SUPEROFFICE_BASE_URL must be"),
        ("https://so.example.com/?tenant=1", "SUPEROFFICE_BASE_URL must be"),
        ("https://user:pw@so.example.com", "SUPEROFFICE_BASE_URL must not carry credentials"),
        # The named environments keep their own rules.
        ("https://online.superoffice.com", "set SUPEROFFICE_ENVIRONMENT=production"),
        ("https://SOD.superoffice.com/", "set SUPEROFFICE_ENVIRONMENT=sod"),
        ("https://qaonline.superoffice.com", "set SUPEROFFICE_ENVIRONMENT=stage"),
    ],
)
def test_a_bad_base_url_fails_the_cold_start_naming_the_setting(
    base_url: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message.replace("?", r"\?")):
        load_config(custom(base_url))


def test_production_still_needs_its_certificate() -> None:
    with pytest.raises(ConfigError, match="SUPEROFFICE_SIGNING_CERTIFICATE is not set"):
        load_config({**BASE, "SUPEROFFICE_ENVIRONMENT": "production"})


@pytest.mark.parametrize(
    ("settings", "reachable"),
    [
        # The local stack's own simulator runs on this machine: it calls 127.0.0.1.
        (
            {
                "SUPEROFFICE_ENVIRONMENT": "local",
                "SUPEROFFICE_LOCAL_BASE_URL": "http://127.0.0.1:3001",
                "APP_BASE_URL": "http://127.0.0.1:3000",
            },
            True,
        ),
        ({"SUPEROFFICE_ENVIRONMENT": "sod", "APP_BASE_URL": "http://127.0.0.1:3000"}, False),
        ({"SUPEROFFICE_ENVIRONMENT": "sod", "APP_BASE_URL": "http://localhost:3000"}, False),
        ({"SUPEROFFICE_ENVIRONMENT": "stage", "APP_BASE_URL": "http://[::1]:3000"}, False),
        ({"SUPEROFFICE_ENVIRONMENT": "sod", "APP_BASE_URL": "https://10.0.0.7"}, False),
        ({"SUPEROFFICE_ENVIRONMENT": "sod", "APP_BASE_URL": "https://app.example.com"}, True),
        # A custom SuperOffice is a real one, even on this machine.
        (
            {
                "SUPEROFFICE_ENVIRONMENT": "custom",
                "SUPEROFFICE_BASE_URL": "http://127.0.0.1:4001",
                "APP_BASE_URL": "http://127.0.0.1:3000",
            },
            False,
        ),
        (
            {
                "SUPEROFFICE_ENVIRONMENT": "custom",
                "SUPEROFFICE_BASE_URL": "https://so.example",
                "APP_BASE_URL": "https://tunnel.example",
            },
            True,
        ),
    ],
)
def test_who_can_call_the_app_back(settings: dict[str, str], reachable: bool) -> None:
    assert load_config({**BASE, **settings}).superoffice_can_call_back is reachable


def _state_api(environment: Environment, api: str) -> StateApiClient:
    """A state API client whose SuperOffice answers `Running` with `api` as the `Api`."""

    def answer(request: httpx.Request) -> httpx.Response:
        body = {
            "ContextIdentifier": "Cust1",
            "State": "Running",
            "IsRunning": True,
            "ValidUntil": "2099-01-01T00:00:00Z",
            "Api": api,
        }
        return httpx.Response(200, json=body)

    http = httpx.Client(transport=httpx.MockTransport(answer))
    return StateApiClient(http, environment, lambda: datetime(2026, 1, 1, tzinfo=UTC))


def test_state_api_takes_plain_http_only_from_a_superoffice_on_this_machine() -> None:
    on_this_machine = load_environment(custom("http://127.0.0.1:4001"))
    answer = _state_api(on_this_machine, "http://127.0.0.1:4001/Cust1/api").get("Cust1")
    assert answer.api == "http://127.0.0.1:4001/Cust1/api"
    remote = load_environment(custom("https://so.example"))
    with pytest.raises(UnexpectedResponse, match="not a usable https URL"):
        _state_api(remote, "http://so.example/Cust1/api").get("Cust1")
