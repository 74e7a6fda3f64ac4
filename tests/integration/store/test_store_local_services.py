"""local/services: clear failures, data kept on disk, and nothing left running afterwards."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from local import defaults
from local.services import (
    PortInUseError,
    ServiceStartError,
    find_java,
    start_dynamodb_local,
    start_moto,
)
from local.services.process import launch

pytestmark = pytest.mark.integration

# Found now: one test runs with a PATH that has nothing on it.
PS = shutil.which("ps") or "ps"
PGREP = shutil.which("pgrep") or "pgrep"


def _alive(pid: int) -> bool:
    """Running, and not a zombie waiting for a parent that never reaps (PID 1 in some
    containers). `ps` works the same on Linux and macOS."""
    answer = subprocess.run(
        [PS, "-o", "stat=", "-p", str(pid)], capture_output=True, text=True, check=False
    )
    state = answer.stdout.strip()
    return bool(state) and not state.startswith("Z")


def _wait_until_gone(pids: list[int], timeout: float = 10) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = [pid for pid in pids if _alive(pid)]
        if not alive:
            return []
        time.sleep(0.05)
    return alive


def test_a_taken_port_is_refused_with_a_clear_message() -> None:
    with socket.socket() as taken:
        taken.bind((defaults.LOCAL_HOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(PortInUseError) as refused:
            start_moto(port)
        with pytest.raises(PortInUseError):
            start_dynamodb_local(port, data_dir=None)
    assert f"port {port}" in str(refused.value)
    assert "already in use" in str(refused.value)


def test_a_service_that_dies_at_start_reports_its_log() -> None:
    with pytest.raises(ServiceStartError) as failed:
        launch(
            name="broken",
            engine="test",
            command=[sys.executable, "-c", "print('no config found'); raise SystemExit(3)"],
            host=defaults.LOCAL_HOST,
            port=1,
            ready_timeout=10,
        )
    message = str(failed.value)
    assert "exited with code 3" in message
    assert "| no config found" in message


def test_services_die_with_the_process_that_started_them() -> None:
    """Even a SIGKILLed parent (no cleanup code runs) leaves no service behind."""
    script = textwrap.dedent(
        """
        import sys
        from local.services import start_moto
        service = start_moto(0)
        print(service.pid, service.log_path, flush=True)
        sys.stdin.read()
        """
    )
    with subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=defaults.REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(defaults.REPO_ROOT)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as parent:
        try:
            assert parent.stdout is not None
            pid, log = parent.stdout.readline().split()
            guardian = int(pid)
            service = _children_of(guardian)
            assert service, "the guardian runs the service as its child"
            assert Path(log).is_file()
            parent.send_signal(signal.SIGKILL)
            parent.wait()
            assert _wait_until_gone([guardian, *service]) == []
            assert not Path(log).exists()  # its temporary log went with it
        finally:
            if parent.poll() is None:
                parent.kill()


@pytest.mark.skipif(find_java() is None, reason="needs Java for DynamoDB Local")
def test_dynamodb_local_keeps_one_database_file_in_the_data_dir(tmp_path: Path) -> None:
    import boto3

    data_dir = tmp_path / "dynamodb"
    with start_dynamodb_local(0, data_dir=data_dir) as service:
        assert service.engine.startswith("DynamoDB Local")
        boto3.client(
            "dynamodb",
            endpoint_url=service.endpoint,
            region_name="us-east-2",
            aws_access_key_id="any",
            aws_secret_access_key="any",
        ).create_table(
            TableName="kept-table",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
        )
    # -sharedDb: one file whatever the credentials and region, so every function and
    # tool of the local stack sees the same tables (and a restart finds them again).
    (database,) = data_dir.iterdir()
    assert database.name == "shared-local-instance.db"
    assert b"kept-table" in database.read_bytes()


def test_without_java_moto_plays_dynamodb_and_says_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no java here; moto runs on sys.executable
    notes: list[str] = []
    with start_dynamodb_local(0, data_dir=tmp_path / "unused", log=notes.append) as service:
        assert service.engine == "moto"
        assert service.name == "dynamodb"
        assert service.is_running()
    # Leaving the block stopped it, and freed its port.
    assert not service.is_running()
    assert _wait_until_gone([service.pid]) == []
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((defaults.LOCAL_HOST, service.port))
    service.stop()  # again: nothing happens
    assert len(notes) == 1
    assert "java not found" in notes[0]
    assert "moto instead of DynamoDB Local" in notes[0]
    assert "is not used" in notes[0]


def _children_of(pid: int) -> list[int]:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        answer = subprocess.run(
            [PGREP, "-P", str(pid)], capture_output=True, text=True, check=False
        )
        found = [int(line) for line in answer.stdout.split()]
        if found:
            return found
        time.sleep(0.05)
    return []
