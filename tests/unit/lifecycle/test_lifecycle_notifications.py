"""Notifications: strict parsing, and a plan that never moves a tenant backwards."""

from __future__ import annotations

import json

import pytest

from superoffice_app.lifecycle.notifications import (
    BadNotification,
    ChangeType,
    FollowUp,
    parse_notification,
    plan,
)
from superoffice_app.store import TenantStatus

A, S, U = TenantStatus.ACTIVE, TenantStatus.SUSPENDED, TenantStatus.UPGRADING


def body(change: int = 2, **extra: object) -> bytes:
    return json.dumps(
        {"ChangeType": change, "ContextIdentifier": "Cust12345", "Token": "a.b.c", **extra}
    ).encode()


def test_parses_the_documented_shape() -> None:
    n = parse_notification(body(5, PublicEndpoint="sod3.superoffice.com", VersionName="R1"))
    assert n.known_type is ChangeType.MOVE
    assert n.public_endpoint == "sod3.superoffice.com"
    assert "a.b.c" not in repr(n)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b"[]",
        json.dumps({"ChangeType": "2", "ContextIdentifier": "Cust1", "Token": "t"}).encode(),
        json.dumps({"ChangeType": True, "ContextIdentifier": "Cust1", "Token": "t"}).encode(),
        json.dumps({"ChangeType": 2**40, "ContextIdentifier": "Cust1", "Token": "t"}).encode(),
        json.dumps({"ChangeType": 2, "ContextIdentifier": "../x", "Token": "t"}).encode(),
        json.dumps({"ChangeType": 2, "ContextIdentifier": "Cust1"}).encode(),
        json.dumps(
            {"ChangeType": 2, "ContextIdentifier": "Cust1", "Token": "t", "VersionName": 5}
        ).encode(),
        b"[" * 100_000,
        b"{" + b" " * 20_000 + b"}",
    ],
)
def test_malformed_bodies_are_refused_with_a_reason(raw: bytes) -> None:
    with pytest.raises(BadNotification):
        parse_notification(raw)


@pytest.mark.parametrize(
    ("change", "status", "new_status", "follow_up"),
    [
        (ChangeType.UPGRADE, A, U, FollowUp.WAIT_FOR_RUNNING),
        (ChangeType.BACKUP_RESTORED, A, None, FollowUp.FULL_RESYNC),
        (ChangeType.SUSPEND, A, S, FollowUp.NONE),
        (ChangeType.SUSPEND, U, S, FollowUp.NONE),
        (ChangeType.RESUME, S, A, FollowUp.SYNC_SOON),
        (ChangeType.RESUME, U, A, FollowUp.SYNC_SOON),
        (ChangeType.DELETE, S, TenantStatus.DELETED, FollowUp.PURGE),
        (ChangeType.MOVE, A, None, FollowUp.REFRESH_ENDPOINT),
    ],
)
def test_each_change_type_plans_its_transition(
    change: ChangeType, status: TenantStatus, new_status: TenantStatus | None, follow_up: FollowUp
) -> None:
    decided = plan(
        parse_notification(body(change)), issued_at=20, status=status, last_applied_at=10
    )
    assert decided.apply
    assert decided.new_status is new_status
    assert decided.follow_up is follow_up


def test_a_duplicate_or_older_notification_changes_nothing() -> None:
    resume = parse_notification(body(ChangeType.RESUME))
    assert not plan(resume, issued_at=10, status=S, last_applied_at=10).apply
    late_suspend = parse_notification(body(ChangeType.SUSPEND))
    # Resume (t=20) was applied; the Suspend issued at t=15 arrives late: ignored.
    assert not plan(late_suspend, issued_at=15, status=A, last_applied_at=20).apply
    old_upgrade = parse_notification(body(ChangeType.UPGRADE))
    assert not plan(old_upgrade, issued_at=5, status=A, last_applied_at=20).apply


def test_unknown_types_and_unknown_tenants_change_nothing() -> None:
    assert not plan(
        parse_notification(body(42)), issued_at=20, status=A, last_applied_at=None
    ).apply
    assert not plan(
        parse_notification(body(2)), issued_at=20, status=None, last_applied_at=None
    ).apply


def test_lifecycle_never_revives_an_uninstalled_or_deleted_tenant() -> None:
    for status in (TenantStatus.UNINSTALLED, TenantStatus.DELETED, TenantStatus.REVOKED):
        decided = plan(
            parse_notification(body(ChangeType.RESUME)),
            issued_at=20,
            status=status,
            last_applied_at=None,
        )
        assert not decided.apply
    again = plan(
        parse_notification(body(ChangeType.DELETE)),
        issued_at=20,
        status=TenantStatus.DELETED,
        last_applied_at=None,
    )
    assert not again.apply
