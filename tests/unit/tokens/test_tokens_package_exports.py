"""The tokens package loads its public names on first use (the authorizer's cold start)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from superoffice_app import tokens
from tests.conftest import REPO


@pytest.mark.parametrize("name", tokens.__all__)
def test_every_public_name_resolves_from_its_module(name: str) -> None:
    value = getattr(tokens, name)
    module = tokens._MODULE_OF[name]
    assert value is getattr(sys.modules[f"superoffice_app.tokens.{module}"], name)


def test_every_public_name_has_a_module_and_nothing_more() -> None:
    assert sorted(tokens._MODULE_OF) == sorted(tokens.__all__)
    assert set(tokens.__all__) <= set(dir(tokens))


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = tokens.no_such_name  # type: ignore[attr-defined]


def test_the_authorizers_validators_do_not_load_issuance_or_the_back_ends_validators() -> None:
    """In a fresh interpreter: this test process has loaded every module already."""
    code = (
        "import sys\n"
        "from superoffice_app.tokens import IdTokenValidator, SessionTokenValidator\n"
        "print(sorted(m for m in ('superoffice_app.tokens.session',"
        " 'superoffice_app.tokens.server_tokens', 'dataclasses', 'hashlib')"
        " if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO / "layers" / "shared",
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "[]"
