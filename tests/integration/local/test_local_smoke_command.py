"""`python -m local smoke` against a local stack, and against a stack that is not there.

Run as a user runs it, in a separate process, so its output and exit code are what
`make smoke` shows. The local stack is http, so its TLS checks must say SKIP.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from local import defaults
from local.runner import RunningStack, StackPorts, start_local_stack
from local.services.ports import free_port

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[3]


def smoke(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "local", "smoke", *arguments],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def outcomes(stdout: str) -> dict[str, str]:
    """Check name -> PASS/FAIL/SKIP, from the command's lines."""
    lines = [line for line in stdout.splitlines() if line]
    assert lines, "no output"
    result = {}
    for line in lines:
        outcome, _, rest = line.partition(" ")
        assert outcome in ("PASS", "FAIL", "SKIP"), line
        name = rest.split(":", 1)[0]
        assert name not in result, f"{name} reported twice"
        result[name] = outcome
    return result


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with start_local_stack(
        ports=StackPorts.free(),
        state_dir=tmp_path_factory.mktemp("state"),
        persistent=False,
        event_sources=False,
        write_stack_json=False,
        log=lambda _line: None,
    ) as running:
        yield running


def test_every_check_passes_against_the_local_stack(stack: RunningStack) -> None:
    done = smoke("--url", stack.app_url, "--environment", "local")
    results = outcomes(done.stdout)
    assert "Traceback" not in done.stderr
    failed = {name for name, outcome in results.items() if outcome == "FAIL"}
    assert failed == set(), done.stdout
    assert done.returncode == 0, done.stdout
    for name in (
        "health",
        "session JWKS",
        "install redirect",
        "install OIDC parameters",
        "login cookie",
        "forged notification",
        "forged webhook",
        "unknown route",
        "pages",
        "header X-Frame-Options or CSP frame-ancestors",
        "header Cache-Control",
    ):
        assert results[name] == "PASS", done.stdout
    # http: TLS and HSTS cannot be checked, and are not passed either.
    for name in ("TLS certificate", "plain http", "header Strict-Transport-Security"):
        assert results[name] == "SKIP", done.stdout


def test_the_environment_is_inferred_and_said_so(stack: RunningStack) -> None:
    done = smoke("--url", stack.app_url)
    line = next(line for line in done.stdout.splitlines() if "install redirect:" in line)
    assert line.startswith("PASS"), done.stdout
    assert "environment local, inferred from the Location host" in line


def test_the_wrong_environment_fails_the_install_redirect(stack: RunningStack) -> None:
    done = smoke("--url", stack.app_url, "--environment", "sod")
    line = next(line for line in done.stdout.splitlines() if "install redirect:" in line)
    assert line.startswith("FAIL"), done.stdout
    assert "https://sod.superoffice.com/login/common/oauth/authorize" in line
    assert done.returncode == 1


def test_a_stack_that_is_not_there_fails_clearly() -> None:
    url = f"http://{defaults.LOCAL_HOST}:{free_port(defaults.LOCAL_HOST)}"
    done = smoke("--url", url, "--timeout", "2")
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("FAIL health: ")
    assert "Connection refused" in lines[0]
    assert all(line.startswith("FAIL ") for line in lines)
    assert all(f"not checked: {url} did not answer" in line for line in lines[1:])
    assert "0 passed" in done.stderr
