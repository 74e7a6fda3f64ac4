"""Packages that load their public names on first use (``lazy_exports``): every name
resolves from the module that defines it, and importing the package loads nothing else.
"""

from __future__ import annotations

import sys
from types import ModuleType

import pytest

from superoffice_app import provisioning, store, superoffice, tokens
from tests.fresh_imports import loaded_after

PACKAGES = (tokens, superoffice, store, provisioning)


def names_of(package: ModuleType) -> list[tuple[ModuleType, str, str]]:
    return [(package, module, name) for module, names in package._MODULES.items() for name in names]


@pytest.mark.parametrize(
    ("package", "module", "name"),
    [entry for package in PACKAGES for entry in names_of(package)],
    ids=lambda value: getattr(value, "__name__", value),
)
def test_every_public_name_resolves_from_its_module(
    package: ModuleType, module: str, name: str
) -> None:
    value = getattr(package, name)
    assert value is getattr(sys.modules[f"{package.__name__}.{module}"], name)


@pytest.mark.parametrize("package", PACKAGES, ids=lambda package: package.__name__)
def test_every_public_name_has_a_module_and_nothing_more(package: ModuleType) -> None:
    assert sorted(name for _, _, name in names_of(package)) == sorted(package.__all__)
    assert set(package.__all__) <= set(dir(package))


@pytest.mark.parametrize("package", PACKAGES, ids=lambda package: package.__name__)
def test_an_unknown_name_is_an_attribute_error(package: ModuleType) -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = package.no_such_name


def test_the_authorizers_validators_do_not_load_issuance_or_the_back_ends_validators() -> None:
    watched = (
        "superoffice_app.tokens.session",
        "superoffice_app.tokens.server_tokens",
        "dataclasses",
        "hashlib",
    )
    statement = "from superoffice_app.tokens import IdTokenValidator, SessionTokenValidator"
    assert loaded_after(statement, watched) == []


def test_superoffices_date_formats_do_not_load_its_http_client() -> None:
    watched = ("httpx", "superoffice_app.superoffice.rest", "superoffice_app.superoffice.oidc")
    statement = "from superoffice_app.superoffice import parse_valid_until"
    assert loaded_after(statement, watched) == []


def test_the_stores_errors_and_statuses_do_not_load_the_store() -> None:
    # RedirectCallbackFunction's error handler and its pages need only these at cold start.
    watched = (
        "superoffice_app.store.tenants",
        "superoffice_app.store.models",
        "superoffice_app.store.audit",
        "hashlib",
    )
    statement = "from superoffice_app.store import StoreError, TenantNotFoundError, TenantStatus"
    assert loaded_after(statement, watched) == []


def test_reading_the_spec_does_not_load_the_provisioning_engine() -> None:
    # The pages name the app from the spec at cold start; the engine is for an install.
    watched = (
        "superoffice_app.provisioning.engine",
        "superoffice_app.provisioning.webhooks",
        "superoffice_app.superoffice.rest",
        "superoffice_app.superoffice.http",
    )
    statement = (
        "from superoffice_app.provisioning.spec import load_spec\n"
        "load_spec(app_base_url='https://app.example.com')"
    )
    assert loaded_after(statement, watched) == []
