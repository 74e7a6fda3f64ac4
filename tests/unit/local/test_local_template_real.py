"""The repository's own template.yaml, resolved with the local defaults."""

from __future__ import annotations

from pathlib import Path

from local import defaults
from local.naming import LocalNames
from local.template import load_template

CERTIFICATE = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def test_token_validation_function_environment() -> None:
    template = load_template(
        defaults.TEMPLATE_PATH,
        parameters=defaults.template_parameters(signing_certificate=CERTIFICATE),
        names=LocalNames(),
    )
    function = template.function("TokenValidationFunction")
    env = function.environment
    assert env["SUPEROFFICE_ENVIRONMENT"] == "local"
    assert env["SUPEROFFICE_CLIENT_ID"] == defaults.LOCAL_CLIENT_ID == "local-dev-client"
    assert env["SUPEROFFICE_SIGNING_CERTIFICATE"] == CERTIFICATE
    assert env["SUPEROFFICE_LOCAL_BASE_URL"] == "http://127.0.0.1:3001"
    assert env["APP_BASE_URL"] == "http://127.0.0.1:3000"
    assert env["CLIENT_SECRET_NAME"] == "local/client-secret"
    assert env["PRIVATE_KEY_SECRET_NAME"] == "local/private-key"
    assert env["SESSION_KEY_SECRET_NAME"] == "local/session-keys"
    assert env["TENANTS_TABLE"] == "superoffice-app-local-TenantsTable"
    assert env["POWERTOOLS_SERVICE_NAME"] == "token-validation"
    assert env["POWERTOOLS_LOG_LEVEL"] == "INFO"
    assert function.code_uri == defaults.REPO_ROOT / "functions" / "token_validation"
    assert function.layers == (defaults.REPO_ROOT / "layers" / "shared",)
    assert function.handler == "app.lambda_handler"
    assert function.timeout == 10
    assert function.memory == 1024


def test_every_function_of_the_template_resolves() -> None:
    template = load_template(
        defaults.TEMPLATE_PATH,
        parameters=defaults.template_parameters(signing_certificate=CERTIFICATE),
        names=LocalNames(),
    )
    functions = template.functions()
    assert "TokenValidationFunction" in functions
    for function in functions.values():
        assert function.environment["SUPEROFFICE_ENVIRONMENT"] == "local"
        assert all(layer.is_relative_to(defaults.REPO_ROOT) for layer in function.layers)
    assert template.condition("IsProduction") is False


def test_local_defaults() -> None:
    assert defaults.APP_PORT == 3000
    assert defaults.SIMULATOR_PORT == 3001
    assert defaults.DYNAMODB_PORT == 8000
    assert defaults.MOTO_PORT == 5000
    assert defaults.APP_BASE_URL == "http://127.0.0.1:3000"
    assert defaults.SIMULATOR_BASE_URL == "http://127.0.0.1:3001"
    parameters = defaults.template_parameters(signing_certificate=CERTIFICATE)
    assert parameters["AuthorizerCacheSeconds"] == "0"
    assert parameters["LogLevel"] == "INFO"
    assert parameters["LocalBaseUrl"] == defaults.SIMULATOR_BASE_URL


def test_state_dir_and_base_url_settings(tmp_path: Path) -> None:
    assert defaults.local_state_dir({}) == defaults.REPO_ROOT / ".local"
    assert defaults.local_state_dir({"LOCAL_STATE_DIR": str(tmp_path)}) == tmp_path.resolve()
    assert defaults.simulator_base_url({}) == "http://127.0.0.1:3001"
    assert (
        defaults.simulator_base_url({"SUPEROFFICE_LOCAL_BASE_URL": "http://127.0.0.1:9/"})
        == "http://127.0.0.1:9"
    )
    assert defaults.local_region({"AWS_DEFAULT_REGION": "us-east-2"}) == "us-east-2"
    assert defaults.local_region({}) == "eu-west-1"


def test_the_sync_worker_resolves_with_its_queue_and_concurrency() -> None:
    template = load_template(
        defaults.TEMPLATE_PATH,
        parameters=defaults.template_parameters(signing_certificate=CERTIFICATE),
        names=LocalNames(region=defaults.LOCAL_REGION),
    )
    worker = template.function("SyncWorkerFunction")
    assert worker.handler == "worker.lambda_handler"
    assert worker.reserved_concurrency == 5
    assert worker.timeout == 120
    assert worker.environment["RECORDS_TABLE"] == "superoffice-app-local-RecordsTable"
    assert worker.events["Queue"]["Type"] == "SQS"
    dispatcher = template.function("ScheduledSyncDispatcherFunction")
    assert dispatcher.handler == "dispatch.lambda_handler"
    assert dispatcher.reserved_concurrency is None
    assert dispatcher.events["Schedule"]["Type"] == "ScheduleV2"
