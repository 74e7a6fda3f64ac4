"""aws_clients: every boto3 client fails within seconds when its service does not answer.

botocore's defaults wait 60 s to connect and 60 s per answer, with up to 10 attempts
for DynamoDB: an unreachable table held a page far past API Gateway's 30 s. These tests
talk to servers on 127.0.0.1 that refuse connections or never answer.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from local.tables import load_local_template
from superoffice_app import aws_clients
from superoffice_app.aws_clients import DEFAULT_LIMITS, ClientLimits, client, config, limits_for
from superoffice_app.outages import is_outage
from superoffice_app.tokens.fetch import FETCH_TIMEOUT_SECONDS
from tests.conftest import REPO

FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "eu-west-1",
}


class SilentServer:
    """Accepts connections and reads requests, and never answers a byte."""

    def __init__(self) -> None:
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(16)
        self._held: list[socket.socket] = []
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._socket.getsockname()[1]}"

    def _accept(self) -> None:
        self._socket.settimeout(0.1)
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            self._held.append(connection)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        for connection in self._held:
            connection.close()
        self._socket.close()


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


@pytest.fixture
def fake_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in FAKE_AWS.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_DYNAMODB"):
        monkeypatch.delenv(name, raising=False)


def test_the_config_carries_the_limits() -> None:
    built = config("dynamodb")
    assert built.connect_timeout == DEFAULT_LIMITS.connect_timeout_seconds
    assert built.read_timeout == DEFAULT_LIMITS.read_timeout_seconds
    assert built.retries == {
        "mode": "standard",
        "total_max_attempts": DEFAULT_LIMITS.max_attempts,
    }
    secrets = config("secretsmanager")
    assert secrets.read_timeout == limits_for("secretsmanager").read_timeout_seconds
    assert secrets.retries["total_max_attempts"] == limits_for("secretsmanager").max_attempts


def test_the_limits_fit_the_functions_and_api_gateway() -> None:
    template = load_local_template()
    redirect = template.function("RedirectCallbackFunction").timeout
    # A page can meet two slow services in a row (a swallowed SQS send, then the table)
    # and still answer its 503 before the function's timeout and API Gateway's 30 s.
    assert 2 * DEFAULT_LIMITS.worst_case_seconds < redirect < 30
    # The session JWKS route answers 503 before the authorizer's download gives up.
    assert limits_for("secretsmanager").worst_case_seconds < FETCH_TIMEOUT_SECONDS - 1


def test_a_silent_service_fails_within_the_worst_case_as_an_outage(
    fake_aws: None, silent_server: SilentServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    quick = ClientLimits(connect_timeout_seconds=0.5, read_timeout_seconds=0.3, max_attempts=2)
    monkeypatch.setattr(aws_clients, "DEFAULT_LIMITS", quick)
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", silent_server.url)
    dynamodb = client("dynamodb")
    started = time.monotonic()
    with pytest.raises(Exception) as failed:  # noqa: PT011 - botocore's own class
        dynamodb.get_item(TableName="t", Key={"PK": {"S": "x"}})
    elapsed = time.monotonic() - started
    assert is_outage(failed.value), type(failed.value)
    assert silent_server.connections == quick.max_attempts  # retried, and only so often
    # Bounded by the limits (botocore's defaults would wait a minute per attempt).
    assert elapsed < quick.worst_case_seconds + 5


def test_a_refused_connection_is_an_outage(fake_aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL_KMS", f"http://127.0.0.1:{port}")
    with pytest.raises(Exception) as failed:  # noqa: PT011 - botocore's own class
        client("kms").decrypt(CiphertextBlob=b"x")
    assert is_outage(failed.value)


def test_importing_the_module_imports_no_boto3() -> None:
    code = (
        "import sys\n"
        "sys.path[:0] = ['layers/shared']\n"
        "import superoffice_app.aws_clients\n"
        "print(sorted(m for m in ('boto3', 'botocore') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_worst_case_counts_every_attempt() -> None:
    limits: Any = ClientLimits(connect_timeout_seconds=1, read_timeout_seconds=2, max_attempts=3)
    assert limits.worst_case_seconds == pytest.approx(9.2)
