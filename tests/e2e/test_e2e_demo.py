"""`make demo` against a stack of its own: every step passes, and the exit codes hold."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from local.cli import main
from local.demo import STEPS, StackUrls
from local.services.ports import free_port
from tests.e2e.conftest import REPO

pytestmark = pytest.mark.e2e


def test_every_step_of_the_demo_passes(
    fresh_superoffice: StackUrls, capsys: pytest.CaptureFixture[str]
) -> None:
    # Through the command's own entry point, so its options and exit code are covered too
    # (a second full run as a subprocess would cost as much of the e2e budget again).
    code = main(
        [
            "demo",
            "--app-url",
            fresh_superoffice.app_url,
            "--simulator-url",
            fresh_superoffice.simulator_url,
        ]
    )
    report = capsys.readouterr().out
    lines = report.splitlines()
    assert code == 0, report
    assert lines[-1] == f"demo: {len(STEPS)}/{len(STEPS)} steps passed", report
    for number in range(1, len(STEPS) + 1):
        step_line = next(line for line in lines if line.startswith(f"step {number}/"))
        assert " ... ok (" in step_line, report
    # Step 4 lists every item with its SuperOffice id and where to find it.
    assert "MyPartnerApp:CustomerScore" in report
    assert "My Partner App status" in report
    assert "Settings and maintenance" in report
    # The sync and lifecycle steps say what they proved.
    assert "on the bus: 'CRM record changed' from superoffice-app.sync" in report
    assert "SuperOffice's counters for Cust10002: 0 requests" in report
    assert "/sod7/Cust10002/api" in report
    assert "full resync: the mirror matches SuperOffice again" in report
    assert "SuperOffice POSTed it to /webhooks/crm/Cust10002: HTTP 200" in report
    assert "the profile is a tombstone: status 'deleted'" in report
    # Issue 12: the whole lifecycle (install, first sync, targeted and scheduled syncs,
    # notifications, webhooks, uninstall) asked SuperOffice nothing it would refuse.
    refusals = httpx.get(
        f"{fresh_superoffice.simulator_url}/_control/contract-refusals", timeout=10
    ).json()
    assert (refusals["mode"], refusals["total"]) == ("enforce", 0), refusals


def test_the_command_exits_2_with_a_clear_message_when_no_stack_answers() -> None:
    nowhere = f"http://127.0.0.1:{free_port('127.0.0.1')}"
    done = subprocess.run(
        [sys.executable, "-m", "local", "demo", "--app-url", nowhere],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"no stack answers at {nowhere}/_local/health" in done.stderr
