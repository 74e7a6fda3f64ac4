"""Fixtures shared by every test: loading a function's handler module as Lambda would.

Also the order tests run in: the longest first (see `pytest_collection_modifyitems`).
"""

from __future__ import annotations

import importlib.util
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]


@dataclass
class LambdaContext:
    """The attributes Powertools and our handlers read from Lambda's context object."""

    function_name: str = "test-function"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:test-function"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/test-function"
    log_stream_name: str = "2026/11/22/[$LATEST]test"

    def get_remaining_time_in_millis(self) -> int:
        return 5_000


def load_function_module(folder: str, module: str = "app") -> ModuleType:
    """Import functions/<folder>/<module>.py fresh, under a unique name.

    Every function has an `app.py`, so importing them by their plain name would make one
    test's module shadow another's.
    """
    path = REPO / "functions" / folder / f"{module}.py"
    name = f"_function_{folder}_{module}_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(loaded)
    finally:
        sys.path.remove(str(path.parent))
    return loaded


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()


# Test files that take half a minute to a minute and more each, driving a whole local
# stack: run first, so that with several workers (`make test`) they overlap the many
# short tests instead of being the last ones left. Otherwise collection order.
LONG_RUNNING_FIRST = ("tests/e2e/", "tests/integration/runner/")


def _run_order(item: pytest.Item) -> int:
    path = item.path.relative_to(REPO).as_posix()
    return next(
        (rank for rank, prefix in enumerate(LONG_RUNNING_FIRST) if path.startswith(prefix)),
        len(LONG_RUNNING_FIRST),
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_run_order)  # stable: each file's tests stay together and in order
