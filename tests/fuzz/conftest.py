"""The local stack the fuzz tests attack: one per test module, with one tenant installed.

`local_stack` is the e2e tests' fixture (`python -m local up` on free ports, tied to
this process); `fuzz_target` installs the app on it (`fuzz_target.prepare_target`).
"""

from __future__ import annotations

import pytest

from local.demo import StackUrls
from tests.e2e.conftest import local_stack  # noqa: F401 - the stack fixture, re-exported
from tests.fuzz.fuzz_target import FuzzTarget, prepare_target


@pytest.fixture(scope="module")
def fuzz_target(local_stack: StackUrls) -> FuzzTarget:  # noqa: F811
    return prepare_target(local_stack)
