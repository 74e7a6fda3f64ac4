"""`python -m local up --superoffice sod|stage|URL --credentials FILE [--public-url URL]`.

What the runner makes of the options: the template parameters and secrets that point the
functions at a real SuperOffice (the functions' own configuration must accept them), and
clear command-line errors for what cannot work. The whole sign-in and install against a
SuperOffice at a URL is tests/integration/runner/test_runner_custom_superoffice.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from local import defaults
from local.app_credentials import AppCredentials, load_or_create_app_credentials
from local.cli import main
from local.runner.public_url import public_url
from local.runner.real_superoffice import RealSuperOffice, superoffice_target
from local.runner.stack import stack_parameters
from local.template import load_template
from superoffice_app.config import AppConfig, ConfigError, load_config

CERTIFICATES = Path(__file__).parents[3] / "layers/shared/superoffice_app/data"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> AppCredentials:
    """A real key pair, as the Developer Portal hands it out (RSA XML) and as PEM."""
    return load_or_create_app_credentials(tmp_path_factory.mktemp("portal"))


def credentials_file(tmp_path: Path, **data: Any) -> Path:
    path = tmp_path / "superoffice-app.json"
    path.write_text(json.dumps(data))
    return path


def valid_file(tmp_path: Path, app: AppCredentials, **extra: Any) -> Path:
    return credentials_file(
        tmp_path,
        client_id="abcdef0123456789",
        client_secret="s3cret-value",
        private_key=app.private_key_xml,
        **extra,
    )


def functions_config(parameters: dict[str, str]) -> AppConfig:
    """The configuration TokenValidationFunction reads at its cold start."""
    function = load_template(defaults.TEMPLATE_PATH, parameters=parameters).function(
        "TokenValidationFunction"
    )
    return load_config(function.environment)


def test_sod_credentials_give_parameters_and_secrets(tmp_path: Path, app: AppCredentials) -> None:
    real = RealSuperOffice.from_file("sod", valid_file(tmp_path, app))
    assert "s3cret-value" not in repr(real)
    assert app.private_key_xml not in repr(real)
    parameters, secrets = stack_parameters(
        tmp_path,
        app_url=defaults.APP_BASE_URL,
        simulator_url="http://127.0.0.1:3001",
        superoffice=real,
    )
    assert parameters["EnvironmentName"] == "sod"
    assert parameters["ClientId"] == "abcdef0123456789"
    assert secrets["client_secret"] == "s3cret-value"
    assert secrets["private_key"] == app.private_key_xml
    # The functions accept it: SOD's certificate ships in the layer, and the app on a
    # loopback address may use plain http. SuperOffice cannot call it back there.
    config = functions_config(parameters)
    assert config.environment.issuer == "https://sod.superoffice.com"
    assert config.app_base_url == defaults.APP_BASE_URL
    assert not config.superoffice_can_call_back


def test_a_base_url_is_a_custom_superoffice(tmp_path: Path, app: AppCredentials) -> None:
    real = RealSuperOffice.from_file("https://so.partner-test.example/", valid_file(tmp_path, app))
    parameters, _ = stack_parameters(
        tmp_path,
        app_url=defaults.APP_BASE_URL,
        simulator_url="http://127.0.0.1:3001",
        superoffice=real,
    )
    assert parameters["EnvironmentName"] == "custom"
    assert parameters["SuperOfficeBaseUrl"] == "https://so.partner-test.example"
    assert parameters["LocalBaseUrl"] == ""
    config = functions_config(parameters)
    assert config.environment.name == "custom"
    assert (
        config.environment.token_url == "https://so.partner-test.example/login/common/oauth/tokens"
    )
    assert config.environment.state_api_url("Cust1") == (
        "https://so.partner-test.example/api/state/Cust1"
    )
    assert config.environment.published_keys == ()  # its JWKS is read on first use


def test_a_signing_certificate_in_the_file_is_trusted(tmp_path: Path, app: AppCredentials) -> None:
    pem = (CERTIFICATES / "stage-federated-login.crt").read_text()
    real = RealSuperOffice.from_file(
        "https://so.example", valid_file(tmp_path, app, signing_certificate=pem)
    )
    assert pem.strip() not in repr(real)
    parameters, _ = stack_parameters(
        tmp_path,
        app_url=defaults.APP_BASE_URL,
        simulator_url="http://127.0.0.1:3001",
        superoffice=real,
    )
    (key,) = functions_config(parameters).environment.published_keys
    assert key["kty"] == "RSA"


def test_a_pem_private_key_is_accepted(tmp_path: Path, app: AppCredentials) -> None:
    path = credentials_file(
        tmp_path,
        client_id="abcdef0123456789",
        client_secret="s",
        private_key=app.private_key_pem.replace("\n", "\\n"),  # pasted into one JSON line
    )
    assert RealSuperOffice.from_file("stage", path).environment == "stage"


def test_a_public_url_becomes_the_apps_base_url(tmp_path: Path, app: AppCredentials) -> None:
    real = RealSuperOffice.from_file("sod", valid_file(tmp_path, app))
    parameters, _ = stack_parameters(
        tmp_path,
        app_url=defaults.APP_BASE_URL,
        simulator_url="http://127.0.0.1:3001",
        superoffice=real,
        public_url=public_url("https://abc123.tunnel.example/"),
    )
    assert parameters["AppBaseUrl"] == "https://abc123.tunnel.example"
    config = functions_config(parameters)
    assert config.session_issuer == "https://abc123.tunnel.example"
    assert config.superoffice_can_call_back


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("sod", ("sod", "")),
        ("STAGE", ("stage", "")),
        ("https://so.example/", ("custom", "https://so.example")),
        ("https://so.example:8443", ("custom", "https://so.example:8443")),
        ("http://127.0.0.1:4001", ("custom", "http://127.0.0.1:4001")),
        ("http://localhost:4001/", ("custom", "http://localhost:4001")),
    ],
)
def test_superoffice_targets(value: str, expected: tuple[str, str]) -> None:
    assert superoffice_target(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("production", "use sod, stage, or SuperOffice's base URL"),
        ("so.example", "use sod, stage, or SuperOffice's base URL"),
        ("ftp://so.example", "use sod, stage"),
        ("https://u:p@so.example", "use sod, stage"),
        ("https://so.example/?x=1", "use sod, stage"),
        ("https://so.example:port", "use sod, stage"),
        ("http://so.example", "http only on a loopback address"),
        ("https://sod.superoffice.com/", "use --superoffice sod"),
        ("https://QAonline.superoffice.com", "use --superoffice stage"),
        ("https://online.superoffice.com", "does not offer"),
    ],
)
def test_unusable_superoffice_targets(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        superoffice_target(value)


@pytest.mark.parametrize(
    "value",
    [
        "http://tunnel.example",
        "https://127.0.0.1:3000",
        "https://localhost",
        "https://app.localhost",
        "https://192.168.1.20",
        "https://tunnel.example/app",
        "https://tunnel.example?x=1",
        "https://u:p@tunnel.example",
        "tunnel.example",
    ],
)
def test_unusable_public_urls(value: str) -> None:
    with pytest.raises(ValueError, match="--public-url"):
        public_url(value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "client_id, client_secret and private_key"),
        ("[]", "client_id, client_secret and private_key"),
        ('{"client_id": "x"}', "client_secret is missing"),
        (
            '{"client_id": "abcdef0123", "client_secret": "s", "private_key": "k", "secret": 1}',
            "unknown: secret",
        ),
        (
            '{"client_id": "abcdef0123", "client_secret": "s", "private_key": "<RSAKeyValue/>"}',
            "private_key is neither RSA XML nor",
        ),
        (
            '{"client_id": "abcdef0123", "client_secret": "s", "private_key": "sekrit-key"}',
            "private_key is neither RSA XML nor",
        ),
    ],
)
def test_a_bad_credentials_file_is_a_clear_cli_error(
    tmp_path: Path, content: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    assert main(["up", "--superoffice", "sod", "--credentials", str(path)]) == 2
    error = capsys.readouterr().err
    assert message in error
    assert "sekrit-key" not in error


def test_a_bad_certificate_in_the_file_is_a_clear_cli_error(
    tmp_path: Path, app: AppCredentials, capsys: pytest.CaptureFixture[str]
) -> None:
    path = valid_file(tmp_path, app, signing_certificate="MIIB...")
    assert main(["up", "--superoffice", "https://so.example", "--credentials", str(path)]) == 2
    assert "signing_certificate is not a PEM certificate" in capsys.readouterr().err


def test_superoffice_needs_credentials(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["up", "--superoffice", "https://so.example"]) == 2
    assert "needs --credentials" in capsys.readouterr().err


def test_credentials_need_superoffice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["up", "--credentials", str(tmp_path / "x.json")]) == 2
    assert "--credentials goes with --superoffice" in capsys.readouterr().err


def test_an_unusable_superoffice_url_is_a_clear_cli_error(
    tmp_path: Path, app: AppCredentials, capsys: pytest.CaptureFixture[str]
) -> None:
    path = valid_file(tmp_path, app)
    assert main(["up", "--superoffice", "http://so.example", "--credentials", str(path)]) == 2
    assert "http only on a loopback address" in capsys.readouterr().err


def test_a_loopback_public_url_is_a_clear_cli_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["up", "--public-url", "https://127.0.0.1:3000"]) == 2
    assert "SuperOffice cannot reach that address" in capsys.readouterr().err


def test_http_app_url_is_refused_off_loopback() -> None:
    settings = {
        "SUPEROFFICE_ENVIRONMENT": "sod",
        "SUPEROFFICE_CLIENT_ID": "abcdef0123456789",
        "APP_BASE_URL": "http://app.example.com",
    }
    with pytest.raises(ConfigError, match="APP_BASE_URL must be an https URL"):
        load_config(settings)
