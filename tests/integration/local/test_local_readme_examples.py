"""The README's `token` and `invoke` examples, run as written, with and without a stack.

`token` signs for the simulator's address; `invoke` without a running stack starts an
embedded one whose simulator listens at that address, so the token it was handed is of
its issuer. With `python -m local up` running, `invoke` uses that stack instead.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from local import defaults
from local.runner import StackPorts, start_local_stack
from local.services.ports import free_port

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[3]
PYTHON_PREFIX = ".venv/bin/python -m local "


@dataclass(frozen=True)
class Example:
    arguments: list[str]
    output_file: str | None  # the `> FILE` of the line


def readme_examples() -> list[Example]:
    """The `python -m local` lines of the README's "Running locally" code block."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Running locally", 1)[1]
    block = section.split("```sh", 1)[1].split("```", 1)[0]
    examples = []
    for raw in block.splitlines():
        line = raw.split("  #", 1)[0].strip()
        if not line.startswith(PYTHON_PREFIX):
            continue
        command, _, output = line[len(PYTHON_PREFIX) :].partition(">")
        examples.append(Example(shlex.split(command), output.strip() or None))
    return examples


@dataclass
class Shell:
    environment: dict[str, str]
    scratch: Path

    def run(self, example: Example) -> subprocess.CompletedProcess[str]:
        # The README writes to /tmp; each test gets its own scratch folder instead.
        moved = {"/tmp/event.json": str(self.scratch / "event.json")}
        arguments = [moved.get(argument, argument) for argument in example.arguments]
        done = subprocess.run(
            [sys.executable, "-m", "local", *arguments],
            cwd=REPO,
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        if example.output_file is not None:
            Path(moved.get(example.output_file, example.output_file)).write_text(done.stdout)
        return done


@pytest.fixture
def shell(tmp_path: Path) -> Shell:
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("AWS_ENDPOINT_URL")  # as a developer's shell has them
    }
    port = free_port(defaults.LOCAL_HOST)
    environment[defaults.SIMULATOR_BASE_URL_SETTING] = f"http://{defaults.LOCAL_HOST}:{port}"
    environment["LOCAL_STATE_DIR"] = str(tmp_path / "state")
    return Shell(environment, tmp_path)


def check_every_example(shell: Shell) -> list[str]:
    """Runs the README's lines in order, checks each answer; the invokes' stderr."""
    examples = readme_examples()
    assert [example.arguments[0] for example in examples] == ["token", "token", "invoke", "invoke"]
    simulator = shell.environment[defaults.SIMULATOR_BASE_URL_SETTING]
    token, _event, authorizer, install = (shell.run(example) for example in examples)
    assert token.stdout.strip().count(".") == 2
    assert json.loads((shell.scratch / "event.json").read_text())["type"] == "REQUEST"
    decision = json.loads(authorizer.stdout)
    assert decision["isAuthorized"] is True, authorizer.stderr[-2000:]
    assert decision["context"]["ctx"] == "Cust10001"
    answer = json.loads(install.stdout)
    assert answer["statusCode"] == 303
    assert answer["headers"]["Location"].startswith(f"{simulator}/login/")
    return [authorizer.stderr, install.stderr]


def test_the_examples_work_without_a_running_stack(shell: Shell) -> None:
    for stderr in check_every_example(shell):
        assert "using the running stack" not in stderr


@pytest.fixture
def running_stack(shell: Shell) -> Iterator[None]:
    simulator_port = int(shell.environment[defaults.SIMULATOR_BASE_URL_SETTING].rsplit(":", 1)[1])
    with start_local_stack(
        ports=StackPorts(app=0, simulator=simulator_port, dynamodb=0, moto=0),
        state_dir=Path(shell.environment["LOCAL_STATE_DIR"]),
        persistent=False,
        event_sources=False,
        log=lambda _line: None,
    ):
        yield


@pytest.mark.usefixtures("running_stack")
def test_the_examples_work_with_a_running_stack(shell: Shell) -> None:
    for stderr in check_every_example(shell):
        assert "using the running stack" in stderr
