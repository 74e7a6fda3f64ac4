"""`python -m local smoke`: bad arguments are exit 2 with one clear line, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from local.cli import main
from local.smoke.target import parse_target

REPO = Path(__file__).resolve().parents[3]


def refused(capsys: pytest.CaptureFixture[str], *arguments: str) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main(["smoke", *arguments])
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Traceback" not in captured.err
    return captured.err.strip().splitlines()[-1]


def test_the_url_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    assert "the following arguments are required: --url" in refused(capsys)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("ftp://example.com", "is not an http(s) URL with a host"),
        ("https://", "is not an http(s) URL with a host"),
        ("example.com", "is not an http(s) URL with a host"),
        ("http://example.com", "plain http only on a loopback address"),
        ("http://10.0.0.5:3000", "plain http only on a loopback address"),
        ("https://app.example.com/?x=1", "has a query or fragment"),
        ("https://app.example.com/#top", "has a query or fragment"),
        ("https://user:pw@app.example.com", "must not carry credentials"),
        ("https://app.example.com:http", "has an invalid port"),
    ],
)
def test_a_url_that_is_no_stack_is_refused(
    capsys: pytest.CaptureFixture[str], url: str, says: str
) -> None:
    line = refused(capsys, "--url", url)
    assert line.startswith("python -m local smoke: error: argument --url:")
    assert says in line
    assert "pw@" not in line  # a URL's credentials are never echoed


def test_an_unknown_environment_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    line = refused(capsys, "--url", "https://app.example.com", "--environment", "custom")
    assert "argument --environment: invalid choice: 'custom'" in line


@pytest.mark.parametrize("timeout", ["0", "-1", "soon", "nan", "inf"])
def test_a_timeout_must_be_positive_seconds(
    capsys: pytest.CaptureFixture[str], timeout: str
) -> None:
    line = refused(capsys, "--url", "https://app.example.com", "--timeout", timeout)
    assert "argument --timeout:" in line


def test_the_command_line_exits_2_without_a_traceback() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "local", "smoke", "--url", "http://example.com"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert "plain http only on a loopback address" in done.stderr


@pytest.mark.parametrize(
    ("url", "base"),
    [
        ("https://app.example.com/", "https://app.example.com"),
        ("https://app.example.com/prod/", "https://app.example.com/prod"),
        ("http://127.0.0.1:3000", "http://127.0.0.1:3000"),
        ("http://localhost:3000/", "http://localhost:3000"),
        ("http://[::1]:3000", "http://[::1]:3000"),
    ],
)
def test_a_stack_url_is_its_base_without_a_trailing_slash(url: str, base: str) -> None:
    assert parse_target(url).base_url == base
