"""The layer's import architecture (`.importlinter`): its packages depend downwards only,
the features never import each other, and no package's modules import each other in a
cycle. Checked with import-linter on the layer as it is, and on copies with one upward
import or one cycle added, so the check is shown to fail when it should.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
LAYER = REPO / "layers" / "shared"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(layer: Path) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(layer)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(REPO / ".importlinter")],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def layer_copy(tmp_path: Path) -> Path:
    shutil.copytree(
        LAYER / "superoffice_app",
        tmp_path / "superoffice_app",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return tmp_path


def test_the_layer_keeps_its_import_contracts() -> None:
    result = lint_imports(LAYER)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_an_import_upwards_breaks_the_layers_contract(layer_copy: Path) -> None:
    clock = layer_copy / "superoffice_app" / "store" / "clock.py"
    clock.write_text(clock.read_text() + "\nimport superoffice_app.wiring.settings\n")
    result = lint_imports(layer_copy)
    assert result.returncode == 1, result.stdout
    assert "superoffice_app.store is not allowed to import superoffice_app.wiring" in result.stdout


def test_one_feature_importing_another_breaks_the_layers_contract(layer_copy: Path) -> None:
    status = layer_copy / "superoffice_app" / "sync" / "status.py"
    status.write_text(status.read_text() + "\nimport superoffice_app.onboarding.management\n")
    result = lint_imports(layer_copy)
    assert result.returncode == 1, result.stdout
    assert "superoffice_app.sync is not allowed to import superoffice_app.onboarding" in (
        result.stdout
    )


def test_an_import_cycle_inside_a_package_breaks_the_acyclic_contract(layer_copy: Path) -> None:
    queues = layer_copy / "superoffice_app" / "queues"
    (queues / "ping.py").write_text("from superoffice_app.queues import pong\n")
    (queues / "pong.py").write_text("from superoffice_app.queues import ping\n")
    result = lint_imports(layer_copy)
    assert result.returncode == 1, result.stdout
    assert "No import cycle between the modules of any package of the layer BROKEN" in (
        result.stdout
    )


def test_a_new_top_level_package_must_be_placed_in_a_layer(layer_copy: Path) -> None:
    (layer_copy / "superoffice_app" / "misc.py").write_text("X = 1\n")
    result = lint_imports(layer_copy)
    assert result.returncode != 0
    assert "superoffice_app.misc" in result.stdout + result.stderr
