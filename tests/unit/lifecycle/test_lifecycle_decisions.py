"""What a notification may do once the state API has answered: the state API decides."""

from __future__ import annotations

import pytest

from superoffice_app.lifecycle.decisions import (
    Decision,
    Observed,
    Verdict,
    decide,
    follow_up_of,
    precheck,
)
from superoffice_app.lifecycle.notifications import ChangeType
from superoffice_app.queues.messages import FollowUp
from superoffice_app.store import TenantStatus

A, S, U = TenantStatus.ACTIVE, TenantStatus.SUSPENDED, TenantStatus.UPGRADING
RUNNING = Observed("Running", True, "https://online2.superoffice.com/Cust1/api")
SUSPENDED = Observed("Suspended", False, "https://online2.superoffice.com/Cust1/api")
OFFLINE = Observed("OfflineMaintenance", False, "https://online2.superoffice.com/Cust1/api")
DELETED = Observed("Deleted", False, None)
MOVED = Observed("Running", True, "https://online7.superoffice.com/Cust1/api")
UNKNOWN = None  # the state API answered 404


def decision(
    change: int, status: TenantStatus | None, observed: Observed | None, last: float | None = 10
) -> Decision:
    return decide(change, issued_at=20, status=status, last_applied_at=last, observed=observed)


@pytest.mark.parametrize(
    ("change", "status", "observed", "new_status", "follow_up"),
    [
        (ChangeType.SUSPEND, A, SUSPENDED, S, None),
        (ChangeType.SUSPEND, U, OFFLINE, S, None),
        (ChangeType.RESUME, S, RUNNING, A, FollowUp.SYNC_SOON),
        (ChangeType.RESUME, U, RUNNING, A, FollowUp.SYNC_SOON),
        (ChangeType.RESUME, A, RUNNING, None, FollowUp.SYNC_SOON),
        (ChangeType.UPGRADE, A, OFFLINE, U, FollowUp.WAIT_FOR_RUNNING),
        (ChangeType.BACKUP_RESTORED, A, RUNNING, None, FollowUp.FULL_RESYNC),
        (ChangeType.DELETE, S, DELETED, None, FollowUp.PURGE),
        (ChangeType.DELETE, A, UNKNOWN, None, FollowUp.PURGE),
        (ChangeType.MOVE, A, MOVED, None, None),
    ],
)
def test_what_the_state_api_confirms_is_applied(
    change: ChangeType,
    status: TenantStatus,
    observed: Observed | None,
    new_status: TenantStatus | None,
    follow_up: FollowUp | None,
) -> None:
    decided = decision(change, status, observed)
    assert decided.verdict is Verdict.APPLY
    assert decided.new_status is new_status
    assert decided.follow_up is follow_up
    assert decided.refresh_endpoint is (change is ChangeType.MOVE)
    # A redelivered notification queues the same follow-up (the confirmer's repeat).
    assert follow_up_of(change) is follow_up


@pytest.mark.parametrize(
    ("change", "status", "observed"),
    [
        # Finding of issue 11: a Suspend while SuperOffice says the tenant runs.
        (ChangeType.SUSPEND, A, RUNNING),
        (ChangeType.RESUME, S, SUSPENDED),
        (ChangeType.UPGRADE, A, RUNNING),
        (ChangeType.DELETE, A, RUNNING),
        (ChangeType.DELETE, S, SUSPENDED),
        (ChangeType.SUSPEND, A, UNKNOWN),
        (ChangeType.MOVE, A, UNKNOWN),
        (ChangeType.MOVE, A, Observed("Running", True, None)),
        (ChangeType.BACKUP_RESTORED, A, UNKNOWN),
    ],
)
def test_what_the_state_api_does_not_bear_out_changes_nothing(
    change: ChangeType, status: TenantStatus, observed: Observed | None
) -> None:
    decided = decision(change, status, observed)
    assert decided.verdict is Verdict.UNCONFIRMED
    assert (decided.new_status, decided.follow_up) == (None, None)
    assert not decided.refresh_endpoint
    assert "state API" in decided.reason


@pytest.mark.parametrize(
    ("change", "status", "observed", "reason"),
    [
        (42, A, RUNNING, "unknown change type"),
        (ChangeType.SUSPEND, None, SUSPENDED, "does not know this tenant"),
        (ChangeType.SUSPEND, S, SUSPENDED, "already suspended"),
        (ChangeType.UPGRADE, U, OFFLINE, "already upgrading"),
        (ChangeType.UPGRADE, S, OFFLINE, "suspended"),
        (ChangeType.SUSPEND, A, DELETED, "a Delete will follow"),
        (ChangeType.RESUME, TenantStatus.UNINSTALLED, RUNNING, "uninstalled"),
        (ChangeType.RESUME, TenantStatus.REVOKED, RUNNING, "revoked"),
        (ChangeType.DELETE, TenantStatus.DELETED, DELETED, "already purged"),
        (ChangeType.DELETE, TenantStatus.UNINSTALLED, DELETED, "already purged"),
    ],
)
def test_what_never_applies_is_ignored(
    change: int, status: TenantStatus | None, observed: Observed | None, reason: str
) -> None:
    decided = decision(change, status, observed)
    assert decided.verdict is Verdict.IGNORE
    assert reason in decided.reason


def test_an_older_or_equal_token_never_moves_a_tenant_backwards() -> None:
    for last in (20, 25):
        decided = decision(ChangeType.SUSPEND, A, SUSPENDED, last=last)
        assert decided.verdict is Verdict.IGNORE
        assert "not newer" in decided.reason


def test_precheck_answers_without_the_state_api_only_when_it_can() -> None:
    assert precheck(ChangeType.SUSPEND, issued_at=20, status=A, last_applied_at=10) is None
    assert precheck(ChangeType.DELETE, issued_at=20, status=S, last_applied_at=None) is None
    for status, last in ((None, None), (A, 30), (TenantStatus.UNINSTALLED, None)):
        early = precheck(ChangeType.RESUME, issued_at=20, status=status, last_applied_at=last)
        assert early is not None
        assert early.verdict is Verdict.IGNORE


def test_unknown_change_types_have_no_follow_up() -> None:
    assert follow_up_of(42) is None
    assert follow_up_of(ChangeType.SUSPEND) is None
