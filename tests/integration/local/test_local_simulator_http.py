"""The simulator over real HTTP: discovery, JWKS, health, errors, and its command line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest

from local import defaults
from local.simulator import RunningSimulator, start_simulator
from superoffice_app.config import load_environment

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("state")


@pytest.fixture(scope="module")
def log_lines() -> list[str]:
    return []


@pytest.fixture(scope="module")
def simulator(state_dir: Path, log_lines: list[str]) -> Iterator[RunningSimulator]:
    with start_simulator(port=0, state_dir=state_dir, log=log_lines.append) as running:
        yield running


@pytest.fixture
def client(simulator: RunningSimulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=simulator.base_url, timeout=5) as http:
        yield http


def test_discovery_document(client: httpx.Client, simulator: RunningSimulator) -> None:
    response = client.get("/login/.well-known/openid-configuration")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    document = response.json()
    base = simulator.base_url
    assert base.startswith("http://127.0.0.1:")
    assert document["issuer"] == base
    assert document["authorization_endpoint"] == f"{base}/login/common/oauth/authorize"
    assert document["token_endpoint"] == f"{base}/login/common/oauth/tokens"
    assert document["jwks_uri"] == f"{base}/login/.well-known/jwks"
    assert document["subject_types_supported"] == ["public"]


def test_jwks_holds_the_signing_key(client: httpx.Client, state_dir: Path) -> None:
    from local.superid_keys import load_or_create_signing_key

    jwks = client.get("/login/.well-known/jwks").json()
    assert jwks == {"keys": [load_or_create_signing_key(state_dir).public_jwk]}
    assert "kid" not in jwks["keys"][0]


def test_token_from_the_command_line_verifies_against_the_served_jwks(
    client: httpx.Client, simulator: RunningSimulator, state_dir: Path
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "local", "token", "--ctx", "Cust10001", "--admin"],
        cwd=defaults.REPO_ROOT,
        env={
            **os.environ,
            "LOCAL_STATE_DIR": str(state_dir),
            "SUPEROFFICE_LOCAL_BASE_URL": simulator.base_url,
        },
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    token = result.stdout.strip()
    discovery = client.get("/login/.well-known/openid-configuration").json()
    jwks = httpx.get(discovery["jwks_uri"], timeout=5).json()
    header = jwt.get_unverified_header(token)
    assert "kid" not in header
    # Choose the key as a relying party must without kid: by x5t.
    (jwk,) = [key for key in jwks["keys"] if key["x5t"] == header["x5t"]]
    claims = jwt.decode(
        token,
        jwt.PyJWK(jwk).key,
        algorithms=["RS256"],
        audience=defaults.LOCAL_CLIENT_ID,
        issuer=discovery["issuer"],
    )
    assert claims["http://schemes.superoffice.net/identity/ctx"] == "Cust10001"
    assert claims["http://schemes.superoffice.net/identity/is_administrator"] == "True"


def test_functions_configured_with_the_local_certificate_trust_the_served_key(
    client: httpx.Client, simulator: RunningSimulator, state_dir: Path
) -> None:
    from local.superid_keys import load_or_create_signing_key

    key = load_or_create_signing_key(state_dir)
    environment = load_environment(
        {
            "SUPEROFFICE_ENVIRONMENT": "local",
            "SUPEROFFICE_LOCAL_BASE_URL": simulator.base_url,
            "SUPEROFFICE_SIGNING_CERTIFICATE": key.certificate_pem,
        }
    )
    assert environment.jwks_url == f"{simulator.base_url}/login/.well-known/jwks"
    assert environment.published_jwks() == client.get(environment.jwks_url).json()


def test_health(client: httpx.Client) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    head = client.head("/health")
    assert head.status_code == 200
    assert head.content == b""


def test_unknown_path_and_wrong_method_answer_json(client: httpx.Client) -> None:
    missing = client.get("/nowhere")
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"
    wrong = client.post("/login/.well-known/jwks", json={})
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "GET"
    assert wrong.json()["error"] == "method_not_allowed"


def test_malformed_request_gets_json_not_html(simulator: RunningSimulator) -> None:
    host, port = simulator.server.server_address[:2]
    with socket.create_connection((str(host), port), timeout=5) as connection:
        connection.sendall(b"BROKEN\r\n\r\n")
        received = b""
        while chunk := connection.recv(65536):  # the server closes the connection
            received += chunk
    answer = received.decode()
    assert answer.startswith("HTTP/1.1 400 Bad Request\r\n")
    assert '"error": "bad_request"' in answer
    assert "<html" not in answer.lower()


def test_a_failing_route_answers_500_without_traceback(
    client: httpx.Client, simulator: RunningSimulator, log_lines: list[str]
) -> None:
    from local.simulator.routing import Request, Response

    def broken(_request: Request) -> Response:
        raise RuntimeError("deliberate failure")

    simulator.server.router.add("GET", "/test/broken", broken)
    response = client.get("/test/broken")
    assert response.status_code == 500
    assert response.json()["error"] == "internal_error"
    assert "deliberate" not in response.text
    assert "Traceback" not in response.text
    assert any("deliberate failure" in line for line in log_lines)


def test_every_request_is_logged_in_one_line(client: httpx.Client, log_lines: list[str]) -> None:
    client.get("/health?probe=1")
    (line,) = [line for line in log_lines if "/health?probe=1" in line]
    assert '"GET /health?probe=1" 200' in line
    assert "\n" not in line


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_command_line_serves_and_refuses_a_taken_port(state_dir: Path) -> None:
    port = free_port()
    env = {**os.environ, "LOCAL_STATE_DIR": str(state_dir)}
    command = [sys.executable, "-m", "local", "simulator", "--port", str(port)]
    server = subprocess.Popen(
        command, cwd=defaults.REPO_ROOT, env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        assert server.stderr is not None
        first_line = server.stderr.readline()
        assert first_line.strip() == f"SuperOffice simulator listening on http://127.0.0.1:{port}"
        assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200

        second = subprocess.run(
            command,
            cwd=defaults.REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert second.returncode == 2
        assert second.stdout == ""
        assert second.stderr.strip() == (
            f"python -m local simulator: error: cannot listen on 127.0.0.1:{port}: "
            "address already in use"
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert server.returncode == 0
