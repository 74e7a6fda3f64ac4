"""`python -m local up --superoffice sod --credentials FILE`: the local stack against real SOD."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from local import defaults
from local.cli import main
from local.runner.stack import RealSuperOffice
from local.template import load_template
from superoffice_app.config import ConfigError, load_config


def credentials_file(tmp_path: Path, **data: str) -> Path:
    path = tmp_path / "sod.json"
    path.write_text(json.dumps(data))
    return path


def test_credentials_file_gives_parameters_and_secrets(tmp_path: Path) -> None:
    real = RealSuperOffice.from_file(
        "sod",
        credentials_file(
            tmp_path,
            client_id="abcdef0123456789",
            client_secret="s3cret",
            private_key="<RSAKeyValue/>",
        ),
    )
    assert "s3cret" not in repr(real)
    parameters = {**defaults.template_parameters(signing_certificate="x"), **real.parameters()}
    function = load_template(defaults.TEMPLATE_PATH, parameters=parameters).function(
        "TokenValidationFunction"
    )
    environment = function.environment
    assert environment["SUPEROFFICE_ENVIRONMENT"] == "sod"
    assert environment["SUPEROFFICE_CLIENT_ID"] == "abcdef0123456789"
    # The functions' configuration accepts it: SOD's certificate ships in the layer, and
    # the app on a loopback address may use plain http.
    config = load_config(environment)
    assert config.environment.issuer == "https://sod.superoffice.com"
    assert config.app_base_url == defaults.APP_BASE_URL
    assert real.secret_values() == {"client_secret": "s3cret", "private_key": "<RSAKeyValue/>"}


@pytest.mark.parametrize("content", ["not json", "[]", '{"client_id": "x"}'])
def test_a_bad_credentials_file_is_a_clear_cli_error(
    tmp_path: Path, content: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    assert main(["up", "--superoffice", "sod", "--credentials", str(path)]) == 2
    assert "client_id, client_secret and private_key" in capsys.readouterr().err


def test_superoffice_needs_credentials(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["up", "--superoffice", "sod"]) == 2
    assert "needs --credentials" in capsys.readouterr().err


def test_http_app_url_is_refused_off_loopback() -> None:
    settings = {
        "SUPEROFFICE_ENVIRONMENT": "sod",
        "SUPEROFFICE_CLIENT_ID": "abcdef0123456789",
        "APP_BASE_URL": "http://app.example.com",
    }
    with pytest.raises(ConfigError, match="APP_BASE_URL must be an https URL"):
        load_config(settings)
