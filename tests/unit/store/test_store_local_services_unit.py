"""local/services without starting anything: finding Java and the jar, ports, the guardian."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from local.services import (
    DynamoDBLocalNotInstalledError,
    PortInUseError,
    ServiceStartError,
    find_dynamodb_local,
    find_java,
)
from local.services.ports import ensure_port_free, free_port, start_on_port
from local.services.process import GUARDIAN, log_tail


def test_a_missing_jar_says_to_run_npm_ci(tmp_path: Path) -> None:
    with pytest.raises(DynamoDBLocalNotInstalledError, match="npm ci"):
        find_dynamodb_local(tmp_path)


def test_the_newest_bundled_release_is_used(tmp_path: Path) -> None:
    for release in ("2025-01-01", "2026-01-16"):
        folder = tmp_path / "lib" / f"dynamodb_local_{release}"
        folder.mkdir(parents=True)
        (folder / "DynamoDBLocal.jar").write_bytes(b"")
    found = find_dynamodb_local(tmp_path)
    assert found.release == "2026-01-16"
    assert found.library_dir == found.jar.parent / "DynamoDBLocal_lib"


def test_java_home_wins_over_path(tmp_path: Path) -> None:
    java = tmp_path / "jdk" / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text("#!/bin/sh\n")
    java.chmod(0o755)
    assert find_java({"JAVA_HOME": str(tmp_path / "jdk"), "PATH": ""}) == java
    assert find_java({"JAVA_HOME": "", "PATH": str(java.parent)}) == java
    assert find_java({"PATH": str(tmp_path)}) is None


def test_a_listening_port_is_refused() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with pytest.raises(PortInUseError, match=f"port {port} on 127.0.0.1"):
            ensure_port_free("moto", "127.0.0.1", port)
    ensure_port_free("moto", "127.0.0.1", port)  # closed: free again


def test_a_lost_race_for_a_free_port_is_retried() -> None:
    tried: list[int] = []

    def start(port: int) -> object:
        tried.append(port)
        if len(tried) < 3:
            raise ServiceStartError("java.net.BindException: Address already in use")
        return "started"

    assert start_on_port("dynamodb", "127.0.0.1", 0, start) == "started"  # type: ignore[arg-type]
    assert len(tried) == 3


def test_other_start_failures_are_not_retried() -> None:
    calls: list[int] = []

    def start(port: int) -> object:
        calls.append(port)
        raise ServiceStartError("UnsupportedClassVersionError")

    with pytest.raises(ServiceStartError):
        start_on_port("dynamodb", "127.0.0.1", 0, start)  # type: ignore[arg-type]
    assert len(calls) == 1
    assert free_port("127.0.0.1") > 0


@pytest.mark.parametrize(
    "arguments",
    [[], ["--"], ["sleep", "1"], ["--bogus", "--", "true"], ["--remove-if-orphaned", "--", "x"]],
)
def test_the_guardian_refuses_what_it_does_not_understand(arguments: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, str(GUARDIAN), *arguments], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "usage" in result.stderr


def test_the_guardian_passes_the_exit_code_on() -> None:
    # stdin stays open while it runs: end-of-file would mean "the parent is gone".
    with subprocess.Popen(
        [sys.executable, str(GUARDIAN), "--", sys.executable, "-c", "raise SystemExit(7)"],
        stdin=subprocess.PIPE,
    ) as guardian:
        assert guardian.wait(timeout=20) == 7


def test_the_guardian_stops_the_service_when_its_stdin_closes() -> None:
    with subprocess.Popen(
        [sys.executable, str(GUARDIAN), "--", "sleep", "60"], stdin=subprocess.PIPE
    ) as guardian:
        assert guardian.stdin is not None
        guardian.stdin.close()
        assert guardian.wait(timeout=20) == 128 + 15  # the service ended by SIGTERM


def test_log_tail_quotes_the_last_lines(tmp_path: Path) -> None:
    log = tmp_path / "service.log"
    log.write_text("".join(f"line {number}\n" for number in range(40)))
    tail = log_tail(log, lines=2)
    assert tail == "  | line 38\n  | line 39"
    assert log_tail(tmp_path / "missing.log") == "  (no log)"
