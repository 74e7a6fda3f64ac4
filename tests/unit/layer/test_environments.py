"""The environment layer: one setting selects a complete, immutable environment."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from superoffice_app.certificates import generate_published_keys, thumbprint_hex
from superoffice_app.config import ConfigError, load_config, load_environment

CERTIFICATES = Path(__file__).parents[3] / "layers/shared/superoffice_app/data"
BASE = {
    "SUPEROFFICE_CLIENT_ID": "0123456789abcdef",
    "APP_BASE_URL": "https://app.example.com",
}


def settings(**overrides: str) -> dict[str, str]:
    return {**BASE, **overrides}


@pytest.mark.parametrize(
    ("name", "host"),
    [
        ("sod", "https://sod.superoffice.com"),
        ("stage", "https://qaonline.superoffice.com"),
    ],
)
def test_published_environments_have_protocol_urls(name: str, host: str) -> None:
    env = load_environment(settings(SUPEROFFICE_ENVIRONMENT=name))
    assert env.issuer == host
    assert env.discovery_url == f"{host}/login/.well-known/openid-configuration"
    assert env.authorize_url == f"{host}/login/common/oauth/authorize"
    assert env.token_url == f"{host}/login/common/oauth/tokens"
    assert env.jwks_url == f"{host}/login/.well-known/jwks"
    assert env.system_user_url == f"{host}/Login/api/PartnerSystemUser/Authenticate"
    assert env.state_api_url("Cust12345") == f"{host}/api/state/Cust12345"
    assert env.tenant_authorize_url("Cust1") == f"{host}/login/Cust1/oauth/authorize"
    assert env.maintenance_windows


def test_state_api_url_escapes_the_tenant() -> None:
    env = load_environment(settings(SUPEROFFICE_ENVIRONMENT="sod"))
    assert env.state_api_url("../x?y") == "https://sod.superoffice.com/api/state/..%2Fx%3Fy"


@pytest.mark.parametrize(
    ("name", "thumbprint"),
    [
        ("sod", "16B7FB8C3F9AB06885A800C64E64C97C4AB5E98C"),
        ("stage", "484903A7732B928C7980A39D38E947EA119F1089"),
    ],
)
def test_published_certificates_are_the_documented_ones(name: str, thumbprint: str) -> None:
    env = load_environment(settings(SUPEROFFICE_ENVIRONMENT=name))
    (key,) = env.published_keys
    assert thumbprint_hex(dict(key)) == thumbprint == env.certificate_thumbprint
    assert key["kty"] == "RSA"
    assert key["use"] == "sig"


def test_published_keys_file_matches_the_certificates() -> None:
    """published-keys.json is derived data: it must equal what the .crt files give."""
    from superoffice_app.certificates import _published

    assert generate_published_keys() == _published()


def test_production_without_certificate_fails_naming_the_setting() -> None:
    with pytest.raises(ConfigError, match="SUPEROFFICE_SIGNING_CERTIFICATE"):
        load_config(settings(SUPEROFFICE_ENVIRONMENT="production"))


def test_production_takes_its_certificate_from_configuration() -> None:
    pem = (CERTIFICATES / "stage-federated-login.crt").read_text()
    escaped = pem.strip().replace("\n", "\\n")  # as it arrives through a one-line setting
    config = load_config(
        settings(SUPEROFFICE_ENVIRONMENT="production", SUPEROFFICE_SIGNING_CERTIFICATE=escaped)
    )
    (key,) = config.environment.published_keys
    assert thumbprint_hex(dict(key)) == "484903A7732B928C7980A39D38E947EA119F1089"
    assert config.environment.issuer == "https://online.superoffice.com"


def test_a_broken_certificate_fails_naming_the_setting() -> None:
    with pytest.raises(ConfigError, match="SUPEROFFICE_SIGNING_CERTIFICATE: not a PEM"):
        load_config(
            settings(SUPEROFFICE_ENVIRONMENT="production", SUPEROFFICE_SIGNING_CERTIFICATE="x")
        )


def test_configured_certificate_already_published_is_not_duplicated() -> None:
    pem = (CERTIFICATES / "sod-federated-login.crt").read_text()
    env = load_environment(
        settings(SUPEROFFICE_ENVIRONMENT="sod", SUPEROFFICE_SIGNING_CERTIFICATE=pem)
    )
    assert len(env.published_keys) == 1


def test_local_environment_points_at_the_simulator() -> None:
    env = load_environment(
        settings(
            SUPEROFFICE_ENVIRONMENT="local", SUPEROFFICE_LOCAL_BASE_URL="http://127.0.0.1:3001/"
        )
    )
    assert env.issuer == "http://127.0.0.1:3001"
    assert env.jwks_url == "http://127.0.0.1:3001/login/.well-known/jwks"
    assert env.published_keys == ()
    assert env.maintenance_windows == ()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({}, "SUPEROFFICE_ENVIRONMENT is not set"),
        ({"SUPEROFFICE_ENVIRONMENT": "prod"}, "SUPEROFFICE_ENVIRONMENT='prod' is not one of"),
        ({"SUPEROFFICE_ENVIRONMENT": "local"}, "SUPEROFFICE_LOCAL_BASE_URL is not set"),
        (
            {"SUPEROFFICE_ENVIRONMENT": "local", "SUPEROFFICE_LOCAL_BASE_URL": "ftp://x"},
            "SUPEROFFICE_LOCAL_BASE_URL must be",
        ),
        (
            {"SUPEROFFICE_ENVIRONMENT": "sod", "SUPEROFFICE_CLIENT_ID": ""},
            "SUPEROFFICE_CLIENT_ID is not set",
        ),
        (
            {"SUPEROFFICE_ENVIRONMENT": "sod", "SUPEROFFICE_CLIENT_ID": "a b"},
            "SUPEROFFICE_CLIENT_ID",
        ),
        ({"SUPEROFFICE_ENVIRONMENT": "sod", "APP_BASE_URL": ""}, "APP_BASE_URL is not set"),
        (
            {"SUPEROFFICE_ENVIRONMENT": "sod", "APP_BASE_URL": "http://app.example.com"},
            "APP_BASE_URL must be an https URL",
        ),
        (
            {"SUPEROFFICE_ENVIRONMENT": "sod", "APP_BASE_URL": "https://a.example.com/?x=1"},
            "APP_BASE_URL must be",
        ),
    ],
)
def test_bad_configuration_fails_with_one_clear_message(
    overrides: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message.replace("?", r"\?")):
        load_config({**BASE, **overrides})


def test_environment_is_immutable() -> None:
    env = load_environment(settings(SUPEROFFICE_ENVIRONMENT="sod"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        env.issuer = "https://evil.example.com"  # type: ignore[misc]
    with pytest.raises(TypeError):
        env.published_keys[0]["n"] = "AQAB"  # type: ignore[index]


def test_app_base_url_gives_session_issuer_and_jwks() -> None:
    config = load_config(
        settings(SUPEROFFICE_ENVIRONMENT="sod", APP_BASE_URL="https://app.example.com/")
    )
    assert config.session_issuer == "https://app.example.com"
    assert config.session_jwks_url == "https://app.example.com/.well-known/jwks.json"
