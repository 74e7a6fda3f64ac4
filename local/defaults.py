"""The values every local tool agrees on: ports, base URLs, client id, template parameters.

One place, so that the simulator, the token command, the function runner and the tests
all talk about the same URLs and the same client without passing them around.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Final

REPO_ROOT: Final = Path(__file__).resolve().parent.parent
TEMPLATE_PATH: Final = REPO_ROOT / "template.yaml"

# Everything local listens on the loopback interface only.
LOCAL_HOST: Final = "127.0.0.1"
APP_PORT: Final = 3000
SIMULATOR_PORT: Final = 3001
DYNAMODB_PORT: Final = 8000
MOTO_PORT: Final = 5000

APP_BASE_URL: Final = f"http://{LOCAL_HOST}:{APP_PORT}"
SIMULATOR_BASE_URL: Final = f"http://{LOCAL_HOST}:{SIMULATOR_PORT}"
DYNAMODB_ENDPOINT: Final = f"http://{LOCAL_HOST}:{DYNAMODB_PORT}"
MOTO_ENDPOINT: Final = f"http://{LOCAL_HOST}:{MOTO_PORT}"

# The app's client id in the simulated SuperOffice environment (matches the template's
# AllowedPattern for ClientId).
LOCAL_CLIENT_ID: Final = "local-dev-client"

# Fake AWS identity of the local stack; the account id is the one AWS documents as an
# example, so it can never be mistaken for a real account.
LOCAL_REGION: Final = "eu-west-1"
LOCAL_ACCOUNT_ID: Final = "123456789012"
LOCAL_STACK_NAME: Final = "superoffice-app-local"

# Settings read from the environment.
STATE_DIR_SETTING: Final = "LOCAL_STATE_DIR"
SIMULATOR_BASE_URL_SETTING: Final = "SUPEROFFICE_LOCAL_BASE_URL"
REGION_SETTING: Final = "AWS_DEFAULT_REGION"


def local_state_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where local data lives (keys, databases): `$LOCAL_STATE_DIR` or `<repo>/.local`."""
    source = os.environ if environ is None else environ
    configured = source.get(STATE_DIR_SETTING, "").strip()
    return Path(configured).expanduser().resolve() if configured else REPO_ROOT / ".local"


def simulator_base_url(environ: Mapping[str, str] | None = None) -> str:
    """The simulator's base URL (its id_token issuer): the configured one or the default."""
    source = os.environ if environ is None else environ
    configured = source.get(SIMULATOR_BASE_URL_SETTING, "").strip()
    return (configured or SIMULATOR_BASE_URL).rstrip("/")


def local_region(environ: Mapping[str, str] | None = None) -> str:
    source = os.environ if environ is None else environ
    return source.get(REGION_SETTING, "").strip() or LOCAL_REGION


def template_parameters(
    *,
    signing_certificate: str,
    app_base_url: str = APP_BASE_URL,
    local_base_url: str = SIMULATOR_BASE_URL,
) -> dict[str, str]:
    """The values of `template.yaml`'s parameters for the local stack.

    `signing_certificate` is the PEM of the simulator's signing certificate: the functions
    trust exactly the key the simulator signs with, through the same setting production
    uses for its non-public certificate.
    """
    return {
        "EnvironmentName": "local",
        "ClientId": LOCAL_CLIENT_ID,
        "AppBaseUrl": app_base_url,
        "LocalBaseUrl": local_base_url,
        "SigningCertificate": signing_certificate,
        "ClientSecretName": "local/client-secret",
        "PrivateKeySecretName": "local/private-key",
        "SessionKeySecretName": "local/session-keys",
        # Every request reaches the authorizer, so a change in its code shows at once.
        "AuthorizerCacheSeconds": "0",
        "LogLevel": "INFO",
    }
