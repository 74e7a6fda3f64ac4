"""Pending logins: created with a 10-minute TTL, consumed once even under contention."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from store_testkit import START, FakeClock

from superoffice_app.store import DynamoTable, LoginPurpose, LoginRecord, LoginStore
from superoffice_app.tokens.secret import Secret

pytestmark = pytest.mark.integration

VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"


def create(logins: LoginStore, **overrides: Any) -> str:
    arguments: dict[str, Any] = {
        "purpose": "install",
        "nonce": "n-0S6_WzA2Mj",
        "code_verifier": VERIFIER,
        "ctx_hint": "Cust10001",
        "return_path": "/tenants/Cust10001",
    }
    arguments.update(overrides)
    return logins.create(**arguments)


def test_a_login_is_stored_and_consumed_once(logins: LoginStore) -> None:
    state = create(logins)
    assert len(state) == 43
    record = logins.consume(state)
    assert record == LoginRecord(
        purpose=LoginPurpose.INSTALL,
        nonce="n-0S6_WzA2Mj",
        code_verifier=Secret(VERIFIER),
        ctx_hint="Cust10001",
        return_path="/tenants/Cust10001",
        created_at=START,
        expires_at=START + timedelta(minutes=10),
    )
    assert VERIFIER not in repr(record)
    assert logins.consume(state) is None


def test_the_item_expires_through_ttl_and_carries_no_tenant_attributes(
    logins: LoginStore, tenants_table: DynamoTable
) -> None:
    state = create(logins, ctx_hint=None, return_path=None, purpose=LoginPurpose.SIGNIN)
    item = tenants_table.client.get_item(
        TableName=tenants_table.name,
        Key={"PK": {"S": f"LOGIN#{state}"}, "SK": {"S": "LOGIN"}},
    )["Item"]
    assert item["expires_at"] == {"N": str(int((START + timedelta(minutes=10)).timestamp()))}
    # Neither `status` nor `ctx`: logins never show in the ByStatus index.
    assert set(item) == {
        "PK",
        "SK",
        "purpose",
        "nonce",
        "code_verifier",
        "created_at",
        "expires_at",
    }


def test_an_expired_login_is_refused_even_before_ttl_removes_it(
    logins: LoginStore, clock: FakeClock
) -> None:
    fresh = create(logins)
    stale = create(logins)
    clock.advance(minutes=9, seconds=59)
    assert logins.consume(fresh) is not None
    clock.advance(seconds=1)
    assert logins.consume(stale) is None
    assert logins.consume(stale) is None  # and it is gone


def test_twenty_concurrent_callbacks_one_winner(logins: LoginStore) -> None:
    state = create(logins)
    barrier = threading.Barrier(20)

    def callback(_: int) -> LoginRecord | None:
        barrier.wait()
        return logins.consume(state)

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(callback, range(20)))
    winners = [result for result in results if result is not None]
    assert len(winners) == 1
    assert winners[0].code_verifier == Secret(VERIFIER)


@pytest.mark.parametrize("state", ["", "short", "x" * 43 + "#", "a" * 42 + "!", "LOGIN#x"])
def test_states_we_never_issued_are_refused_without_a_lookup(
    logins: LoginStore, state: str
) -> None:
    assert logins.consume(state) is None


def test_unknown_well_formed_state(logins: LoginStore) -> None:
    assert logins.consume("A" * 43) is None


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"return_path": "https://evil.example/"}, "return_path"),
        ({"return_path": "//evil.example/"}, "return_path"),
        ({"return_path": "/\\evil.example"}, "return_path"),
        ({"return_path": "/ok\r\nSet-Cookie: x"}, "return_path"),
        ({"code_verifier": "too-short"}, "code_verifier"),
        ({"nonce": ""}, "nonce"),
        ({"ctx_hint": "Cust1#LOGIN"}, "context identifier"),
        ({"purpose": "admin"}, "admin"),
    ],
)
def test_what_is_stored_is_checked(
    logins: LoginStore, overrides: Mapping[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        create(logins, **overrides)


def test_the_store_reprs_show_no_secrets(logins: LoginStore) -> None:
    assert "LoginStore(table=" in repr(logins)
