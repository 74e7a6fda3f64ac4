"""The store over DynamoDB Local and moto's KMS, with a clock the tests move by hand.

Shared values and helpers live in ``store_testkit.py``; this folder goes on ``sys.path``
so that ``import store_testkit`` works under every pytest import mode.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from superoffice_app.store import (
    DynamoTable,
    Installer,
    SecretBox,
    TenantProfile,
    TenantStore,
)

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from store_testkit import SYSTEM_TOKEN, TICKET, FakeClock, raw_items  # noqa: E402


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def store_kms_key_id(kms_client: Any) -> str:
    """One key for the store's tests: moto makes each key slowly (an RSA key pair), and
    tenants are kept apart by their tables here. SecretBox's own tests use fresh keys."""
    return str(kms_client.create_key(Description="store tests")["KeyMetadata"]["KeyId"])


@pytest.fixture
def secret_box(kms_client: Any, store_kms_key_id: str) -> SecretBox:
    return SecretBox(kms_client, store_kms_key_id)


@pytest.fixture
def store(tenants_table: DynamoTable, secret_box: SecretBox, clock: FakeClock) -> TenantStore:
    return TenantStore(tenants_table, secret_box, clock=clock)


Install = Callable[..., TenantProfile]


@pytest.fixture
def install(store: TenantStore) -> Install:
    """begin_install with realistic defaults; keyword arguments override them."""

    def begin(ctx: str = "Cust10001", **overrides: Any) -> TenantProfile:
        arguments: dict[str, Any] = {
            "environment": "local",
            "serial": "1234567890",
            "company_name": "Acme AS",
            "api_base": f"https://online.example/{ctx}/api",
            "endpoint": f"https://online.example/{ctx}",
            "installed_by": Installer(associate_id=5, name="Ada Admin", email="ada@acme.example"),
            "secrets": {"system_token": SYSTEM_TOKEN, "ticket": TICKET},
        }
        arguments.update(overrides)
        return store.begin_install(ctx, **arguments)

    return begin


@pytest.fixture
def items_of(tenants_table: DynamoTable) -> Callable[[str], Mapping[str, dict[str, Any]]]:
    return lambda ctx: raw_items(tenants_table, ctx)
