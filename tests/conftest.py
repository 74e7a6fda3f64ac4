"""Fixtures shared by every test: loading a function's handler module as Lambda would.

Also the order tests run in: the longest first (see `pytest_collection_modifyitems`), and
two caches for the test process of what it would otherwise build hundreds of times:
botocore's parsed models and httpx's default SSL context.
"""

from __future__ import annotations

import importlib.util
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

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


@pytest.fixture(scope="session", autouse=True)
def _botocore_models_parsed_once() -> Iterator[None]:
    """botocore's JSON data files (service models, endpoints), parsed once per test process.

    Every boto3 Session has a loader of its own that reads and parses them again, tens of
    milliseconds a service, and the function modules the tests import afresh make new
    sessions (each test wiring makes its clients afresh): a fifth of the
    onboarding and lifecycle tests' time went there. Within a session botocore already
    hands one parsed file to all its clients, so sharing it between sessions is as safe.
    Keyed by the file's full path; the function processes of the local stack are not
    touched.
    """
    from botocore.loaders import JSONFileLoader

    read = JSONFileLoader.load_file
    parsed: dict[str, Any] = {}

    def load_file(loader: JSONFileLoader, file_path: str) -> Any:
        if file_path not in parsed:
            parsed[file_path] = read(loader, file_path)
        return parsed[file_path]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(JSONFileLoader, "load_file", load_file)
        yield


@pytest.fixture(scope="session", autouse=True)
def _httpx_default_ssl_context_made_once() -> Iterator[None]:
    """One default SSL context per test process for httpx, instead of one per client.

    httpx builds a context for every Client (and every `httpx.get`), loading the whole CA
    bundle: about 45 ms, whether or not the client ever speaks TLS. The tests speak plain
    HTTP to 127.0.0.1 and make hundreds of clients (the onboarding tests alone about 180,
    a sixth of their time). Only the default (`verify=True`, no client certificate) is
    shared, keyed by the settings it is built from; anything else is built as before.
    """
    import os

    from httpx._transports import default as transports

    build = transports.create_ssl_context
    built: dict[tuple[bool, str | None, str | None], Any] = {}

    def create_ssl_context(verify: Any = True, cert: Any = None, trust_env: bool = True) -> Any:
        if verify is not True or cert is not None:
            return build(verify=verify, cert=cert, trust_env=trust_env)
        key = (trust_env, os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
        if key not in built:
            built[key] = build(verify=verify, cert=cert, trust_env=trust_env)
        return built[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(transports, "create_ssl_context", create_ssl_context)
        yield


# Test files that take half a minute to a few minutes each, driving a whole local
# stack: run first, so that with several workers (`make test`) they overlap the many
# short tests instead of being the last ones left. Otherwise collection order.
LONG_RUNNING_FIRST = ("tests/e2e/", "tests/fuzz/", "tests/integration/runner/")


def _run_order(item: pytest.Item) -> int:
    path = item.path.relative_to(REPO).as_posix()
    return next(
        (rank for rank, prefix in enumerate(LONG_RUNNING_FIRST) if path.startswith(prefix)),
        len(LONG_RUNNING_FIRST),
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_run_order)  # stable: each file's tests stay together and in order
