"""The SyncQueue worker: one message at a time, every path ending acknowledged or re-queued.

Per tenant it takes the lease (a second worker backs off), confirms the tenant is active
and its API running (state API, cached until ``ValidUntil``), reuses the stored ticket,
and runs ``TenantSync``. Work that cannot finish now (time budget, throttling, another
worker holding the tenant) is re-queued with a delay and the message acknowledged, so a
healthy message never climbs towards the dead-letter queue; only messages the worker
cannot understand, and unexpected failures, are left to SQS's redrive.

Lifecycle follow-ups confirm with a fresh state-API answer before they act: a
notification is a hint (protocol section 5).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final, Protocol

from superoffice_app.queues.messages import (
    FollowUp,
    FollowUpMessage,
    Message,
    RecordMessage,
    SyncMessage,
)
from superoffice_app.queues.sqs import SyncQueue
from superoffice_app.store import PURGED_STATUSES, TenantProfile, TenantStatus, TenantStore
from superoffice_app.store.errors import StoreError
from superoffice_app.superoffice.http import AccessRevoked, SuperOfficeError
from superoffice_app.superoffice.rest import TenantApi, TenantNotRunning
from superoffice_app.superoffice.state_api import StateApiClient, TenantNotFound, TenantState

from .budget import Budget, Deferred, RetryPolicy, RetryStats, with_retries
from .entities import EntitySpec
from .lease import LeaseLost, TenantLease
from .mirror import RecordsMirror
from .run import EntityReport, RunReport, TenantSync
from .state import SyncStateStore

__all__ = ["Outcome", "OutcomeStatus", "SyncWorker", "TenantUpkeep", "WorkerSettings"]

# How long a message waits when another worker holds the tenant.
BUSY_DELAY_SECONDS: Final = 30
# After throttling without a Retry-After, come back after about a minute.
DEFAULT_DEFER_SECONDS: Final = 60
# Statuses the dispatcher's `wait_for_running` checks bring back to active once the state
# API says SuperOffice runs the tenant (dispatcher.py).
_WAITING_FOR_RUNNING: Final = frozenset({TenantStatus.UPGRADING, TenantStatus.SUSPENDED})
_GONE_STATES: Final = frozenset({"Deleted", "Deleting"})
_SUSPENDED: Final = "Suspended"
# States that do not pass by themselves: the app's status must follow them.
_SETTLED_NOT_RUNNING: Final = _GONE_STATES | {_SUSPENDED}


class TenantUpkeep(Protocol):
    """Provisioning and webhook checks the worker runs (wired to the provisioning code)."""

    def check_webhooks(self, ctx: str, api: TenantApi) -> str: ...

    def verify_provisioning(self, ctx: str, api: TenantApi) -> str: ...


@dataclass(frozen=True)
class WorkerSettings:
    entities: tuple[EntitySpec, ...]
    page_size: int = 500
    reconcile_every: timedelta = timedelta(hours=24)
    webhook_check_every: timedelta = timedelta(hours=1)
    lease_seconds: float = 180.0
    policy: RetryPolicy = field(default_factory=RetryPolicy)

    def entity(self, name: str) -> EntitySpec | None:
        return next((spec for spec in self.entities if spec.name == name), None)


class OutcomeStatus(StrEnum):
    """How handling one message ended (the value is what the function logs)."""

    DONE = "done"
    SKIPPED = "skipped"  # nothing to do now (the reason says why)
    REQUEUED = "requeued"  # sent again with a delay; this delivery is acknowledged
    REVOKED = "revoked"  # the tenant took the app's access away
    PURGED = "purged"  # a confirmed Delete removed what the app held for the tenant


@dataclass
class Outcome:
    """What handling one message did (for the log line and the metrics)."""

    kind: str
    ctx: str
    status: OutcomeStatus
    reason: str = ""
    records: int = 0
    requests: int = 0
    throttles: int = 0
    lag_seconds: float | None = None
    errors: int = 0
    entities: list[dict[str, Any]] = field(default_factory=list)


class SyncWorker:
    def __init__(
        self,
        *,
        tenants: TenantStore,
        states: SyncStateStore,
        mirror: RecordsMirror,
        state_api: StateApiClient,
        tenant_api: Callable[[str], TenantApi],
        queue: SyncQueue,
        lease: TenantLease,
        settings: WorkerSettings,
        clock: Callable[[], datetime],
        sleep: Callable[[float], None],
        upkeep: TenantUpkeep | None = None,
    ) -> None:
        self._tenants = tenants
        self._states = states
        self._mirror = mirror
        self._state_api = state_api
        self._tenant_api = tenant_api
        self._queue = queue
        self._lease = lease
        self._settings = settings
        self._clock = clock
        self._sleep = sleep
        self._upkeep = upkeep

    def handle(self, message: Message, budget: Budget) -> Outcome:
        if isinstance(message, FollowUpMessage):
            return self._follow_up(message, budget)
        kind = "record" if isinstance(message, RecordMessage) else "sync"
        refusal = self._refusal(message.ctx)
        if refusal is not None:
            return Outcome(kind, message.ctx, OutcomeStatus.SKIPPED, refusal)
        return self._with_lease(message, budget, lambda: self._work(message, budget))

    # -- syncs ---------------------------------------------------------------------------

    def _refusal(self, ctx: str) -> str | None:
        profile = self._tenants.get(ctx)
        if profile is None:
            return "the app does not know this tenant"
        if profile.status is not TenantStatus.ACTIVE:
            return f"the tenant is {profile.status}"
        if profile.sync_paused:
            return "syncing is paused for this tenant"
        return None

    def _with_lease(
        self,
        message: SyncMessage | RecordMessage | FollowUpMessage,
        budget: Budget,
        work: Callable[[], Outcome],
    ) -> Outcome:
        kind = _kind(message)
        if not self._lease.acquire(message.ctx, self._lease_seconds(budget)):
            if isinstance(message, SyncMessage) and message.reason == "schedule":
                # The tenant is being synced right now; this run would only repeat it.
                return Outcome(
                    kind, message.ctx, OutcomeStatus.SKIPPED, "another worker is syncing it"
                )
            self._queue.send(message.to_body(), BUSY_DELAY_SECONDS)
            return Outcome(
                kind, message.ctx, OutcomeStatus.REQUEUED, "another worker holds the tenant"
            )
        try:
            return work()
        except LeaseLost as lost:
            return Outcome(kind, message.ctx, OutcomeStatus.SKIPPED, str(lost))
        finally:
            self._lease.release(message.ctx)

    def _work(self, message: SyncMessage | RecordMessage, budget: Budget) -> Outcome:
        kind = _kind(message)
        stats = RetryStats()
        try:
            state = self._state(message.ctx, budget, stats, refresh=False)
            if not state.is_running:
                return self._not_running(kind, message.ctx, state, budget, stats)
            api = self._tenant_api(message.ctx)
            runner = self._runner(message.ctx, api, budget)
            if isinstance(message, RecordMessage):
                spec = self._settings.entity(message.entity)
                if spec is None:
                    return Outcome(
                        kind, message.ctx, OutcomeStatus.SKIPPED, f"{message.entity} is not synced"
                    )
                report = runner.sync_record(spec, message.primary_key)
                return _outcome(kind, message.ctx, runner.report, [report])
            entities = self._entities(message.entities)
            run = runner.sync(entities, full=message.full)
            self._after_run(message, run, api)
            return self._finish(message, run)
        except Deferred as deferred:
            self._queue.send(message.to_body(), _defer_seconds(deferred))
            return Outcome(
                kind, message.ctx, OutcomeStatus.REQUEUED, str(deferred), throttles=stats.throttles
            )
        except TenantNotRunning as not_running:
            return Outcome(kind, message.ctx, OutcomeStatus.SKIPPED, str(not_running))
        except TenantNotFound:
            return Outcome(
                kind, message.ctx, OutcomeStatus.SKIPPED, "the state API does not know the tenant"
            )
        except AccessRevoked:
            self._mark_revoked(message.ctx)
            return Outcome(
                kind, message.ctx, OutcomeStatus.REVOKED, "the tenant revoked the app's access"
            )

    def _not_running(
        self, kind: str, ctx: str, state: TenantState, budget: Budget, stats: RetryStats
    ) -> Outcome:
        """An active tenant that SuperOffice's state API says does not run.

        Suspended or deleted without the notification reaching the app (it was lost, or
        the app's own tables were restored from before it): the state API, asked afresh,
        decides as it does for a notification. A suspended tenant is marked so (the
        dispatcher's check of suspended tenants brings it back once SuperOffice runs it);
        a deleted one gets the purge a Delete notification would have queued, which asks
        the state API once more before it removes anything. Passing states (maintenance,
        provisioning) only skip this run.
        """
        skipped = Outcome(kind, ctx, OutcomeStatus.SKIPPED, f"SuperOffice says {state.state}")
        if state.state not in _SETTLED_NOT_RUNNING:
            return skipped
        fresh = self._state(ctx, budget, stats, refresh=True)
        if fresh.is_running:
            return Outcome(kind, ctx, OutcomeStatus.SKIPPED, "SuperOffice runs it again")
        if fresh.state in _GONE_STATES:
            self._tenants.append_event(
                ctx,
                "deleted_by_state_check",
                f"SuperOffice's state API says the tenant is {fresh.state} (no Delete "
                "notification reached the app); its data is purged",
            )
            self._queue.send(FollowUpMessage(ctx, FollowUp.PURGE).to_body())
            return Outcome(
                kind, ctx, OutcomeStatus.SKIPPED, f"SuperOffice says {fresh.state}; purge queued"
            )
        if fresh.state != _SUSPENDED:
            return Outcome(kind, ctx, OutcomeStatus.SKIPPED, f"SuperOffice says {fresh.state}")
        try:
            self._tenants.transition(
                ctx, TenantStatus.SUSPENDED, allowed_from={TenantStatus.ACTIVE}
            )
        except StoreError:
            return Outcome(kind, ctx, OutcomeStatus.SKIPPED, "the tenant moved on meanwhile")
        self._tenants.append_event(
            ctx,
            "suspended_by_state_check",
            "SuperOffice's state API says the tenant is suspended (no Suspend notification "
            "reached the app); syncing stops until SuperOffice runs it again",
        )
        return Outcome(kind, ctx, OutcomeStatus.SKIPPED, f"SuperOffice says {_SUSPENDED}")

    def _entities(self, names: tuple[str, ...] | None) -> list[EntitySpec]:
        if names is None:
            return list(self._settings.entities)
        wanted = [self._settings.entity(name) for name in names]
        return [spec for spec in wanted if spec is not None]

    def _runner(self, ctx: str, api: TenantApi, budget: Budget) -> TenantSync:
        return TenantSync(
            ctx=ctx,
            api=api,
            mirror=self._mirror,
            states=self._states,
            lease=self._lease,
            budget=budget,
            clock=self._clock,
            sleep=self._sleep,
            policy=self._settings.policy,
            page_size=self._settings.page_size,
            reconcile_every=self._settings.reconcile_every,
        )

    def _after_run(self, message: SyncMessage, run: RunReport, api: TenantApi) -> None:
        """The periodic webhook check (re-activates TooManyErrors), when due.

        The first run after an install starts the clock (the install registered them);
        a failed check waits for the next period too, rather than cost every run.
        """
        tenant_state = self._states.tenant(message.ctx)
        now = self._clock()
        checked = tenant_state.webhooks_checked_at
        due = checked is not None and now - checked >= self._settings.webhook_check_every
        if checked is None:
            checked = now
        if due and self._upkeep is not None and run.deferred is None:
            checked = now
            try:
                outcome = self._upkeep.check_webhooks(message.ctx, api)
            except SuperOfficeError as error:
                self._tenants.append_event(
                    message.ctx, "webhooks_check_failed", f"Webhook check failed: {error}"
                )
            else:
                if outcome != "ok":
                    self._tenants.append_event(
                        message.ctx, "webhooks_repaired", f"CRM webhooks: {outcome}"
                    )
        self._states.save_tenant(
            message.ctx,
            tenant_state.with_(
                webhooks_checked_at=checked,
                last_run_at=now,
                last_run_reason=message.reason,
                requests_total=tenant_state.requests_total + run.requests,
                runs=tenant_state.runs + 1,
            ),
        )

    def _finish(self, message: SyncMessage, run: RunReport) -> Outcome:
        outcome = _outcome("sync", message.ctx, run, run.entities)
        if run.deferred is not None:
            continuation = SyncMessage(
                message.ctx, "continuation", tuple(run.remaining), message.full
            )
            self._queue.send(continuation.to_body(), _defer_seconds(run.deferred))
            outcome.status = OutcomeStatus.REQUEUED
            outcome.reason = run.deferred.reason
        return outcome

    def _state(self, ctx: str, budget: Budget, stats: RetryStats, *, refresh: bool) -> TenantState:
        return with_retries(
            lambda: self._state_api.get(ctx, refresh=refresh),
            budget=budget,
            policy=self._settings.policy,
            stats=stats,
            sleep=self._sleep,
        )

    def _mark_revoked(self, ctx: str) -> None:
        try:
            self._tenants.transition(
                ctx,
                TenantStatus.REVOKED,
                allowed_from={TenantStatus.ACTIVE, TenantStatus.UPGRADING},
            )
        except StoreError:
            return  # already moved on (uninstalled, deleted, revoked by another worker)
        self._tenants.append_event(
            ctx,
            "access_revoked",
            "The app lost its access to the tenant; syncing stopped until it is approved again",
        )

    def _lease_seconds(self, budget: Budget) -> float:
        return max(self._settings.lease_seconds, budget.remaining() + 60)

    # -- lifecycle follow-ups ------------------------------------------------------------

    def _follow_up(self, message: FollowUpMessage, budget: Budget) -> Outcome:
        ctx = message.ctx
        profile = self._tenants.get(ctx)
        if message.follow_up is FollowUp.SWEEP_MIRROR:
            return self._sweep_mirror(ctx, profile)
        purging = message.follow_up is FollowUp.PURGE
        if (
            purging
            and profile is not None
            and profile.purge_pending
            and profile.status is TenantStatus.DELETED
        ):
            # A delete's purge that stopped half way: finish it (SuperOffice confirmed
            # the delete before the tenant was marked).
            return self._with_lease(message, budget, lambda: self._purge(ctx))
        if profile is None or profile.status in (TenantStatus.DELETED, TenantStatus.UNINSTALLED):
            # Records a crash left between the tenant's purge and its mirror's.
            removed = self._purge_mirror(ctx) if purging and profile is not None else 0
            detail = f"; {removed} mirrored records left behind removed" if removed else ""
            return Outcome(
                "lifecycle",
                ctx,
                OutcomeStatus.SKIPPED,
                f"the app holds nothing for this tenant{detail}",
            )
        stats = RetryStats()
        try:
            state: TenantState | None = self._state(ctx, budget, stats, refresh=True)
        except TenantNotFound:
            state = None
        except Deferred as deferred:
            self._queue.send(message.to_body(), _defer_seconds(deferred))
            return Outcome("lifecycle", ctx, OutcomeStatus.REQUEUED, "the state API did not answer")
        follow_up = message.follow_up
        if follow_up is FollowUp.PURGE:
            if state is not None and state.state not in _GONE_STATES:
                self._tenants.append_event(
                    ctx,
                    "delete_not_confirmed",
                    f"Delete notification not confirmed: SuperOffice says {state.state}",
                )
                return Outcome(
                    "lifecycle", ctx, OutcomeStatus.SKIPPED, "the state API says it still exists"
                )
            return self._with_lease(message, budget, lambda: self._purge(ctx))
        if state is None:
            return Outcome(
                "lifecycle", ctx, OutcomeStatus.SKIPPED, "the state API does not know the tenant"
            )
        if not state.is_running:
            return Outcome(
                "lifecycle", ctx, OutcomeStatus.SKIPPED, f"SuperOffice says {state.state}"
            )
        if follow_up is FollowUp.WAIT_FOR_RUNNING and profile.status in _WAITING_FOR_RUNNING:
            try:
                self._tenants.transition(ctx, TenantStatus.ACTIVE, allowed_from={profile.status})
            except StoreError:
                return Outcome(
                    "lifecycle", ctx, OutcomeStatus.SKIPPED, "the tenant moved on meanwhile"
                )
            if profile.status is TenantStatus.UPGRADING:
                self._tenants.append_event(
                    ctx, "upgrade_finished", f"SuperOffice runs again ({state.version or 'new'})"
                )
            else:
                # No Resume notification brought it back (lost, or the app's tables were
                # restored from before it): SuperOffice's state API says it runs.
                self._tenants.append_event(
                    ctx,
                    "resumed_by_state_check",
                    "SuperOffice's state API says the tenant runs again (no Resume "
                    "notification brought it back); syncing resumes",
                )
        if follow_up is FollowUp.FULL_RESYNC:
            return self._with_lease(message, budget, lambda: self._full_resync(message, budget))
        return self._sync_now(message, budget, reason="resume")

    def _sync_now(self, message: FollowUpMessage, budget: Budget, *, reason: str) -> Outcome:
        sync = SyncMessage(message.ctx, reason)
        refusal = self._refusal(message.ctx)
        if refusal is not None:
            return Outcome("lifecycle", message.ctx, OutcomeStatus.SKIPPED, refusal)
        outcome = self._with_lease(sync, budget, lambda: self._work(sync, budget))
        outcome.kind = "lifecycle"
        return outcome

    def _full_resync(self, message: FollowUpMessage, budget: Budget) -> Outcome:
        ctx = message.ctx
        for spec in self._settings.entities:
            state = self._states.entity(ctx, spec.name)
            self._states.save(ctx, state.with_(full_resync=True, in_progress=False))
        notes: list[str] = []
        refusal = self._refusal(ctx)
        if refusal is not None:
            # The flags stay: the first sync once the tenant may be synced again is full.
            return Outcome("lifecycle", ctx, OutcomeStatus.SKIPPED, f"full resync waits: {refusal}")
        if self._upkeep is not None:
            api = self._tenant_api(ctx)
            try:
                notes.append(self._upkeep.verify_provisioning(ctx, api))
                notes.append(self._upkeep.check_webhooks(ctx, api))
            except AccessRevoked:
                self._mark_revoked(ctx)
                return Outcome(
                    "lifecycle", ctx, OutcomeStatus.REVOKED, "the tenant revoked the app's access"
                )
            except SuperOfficeError as error:
                notes.append(f"re-verification failed: {error}")
            self._tenants.append_event(
                ctx, "restore_reverified", "After a restore: " + "; ".join(notes)
            )
        sync = SyncMessage(ctx, "full_resync", None, True)
        outcome = self._work(sync, budget)
        outcome.kind = "lifecycle"
        return outcome

    def _purge(self, ctx: str) -> Outcome:
        # The tenant is marked deleted before its mirror is emptied: the stream relay
        # then knows these removals are a purge, not deletions to publish. Purging again
        # (a retry after a crash in between) finishes the mirror.
        try:
            self._tenants.purge(ctx, status=TenantStatus.DELETED)
        except StoreError as error:
            return Outcome("lifecycle", ctx, OutcomeStatus.SKIPPED, f"purge refused: {error}")
        removed = self._purge_mirror(ctx)
        self._tenants.append_event(
            ctx,
            "tenant_purged",
            "SuperOffice deleted the tenant: its secrets, mirrored records and sync state "
            "were removed",
            {"records_removed": removed},
        )
        return Outcome(
            "lifecycle", ctx, OutcomeStatus.PURGED, f"{removed} mirrored records removed"
        )

    def _sweep_mirror(self, ctx: str, profile: TenantProfile | None) -> Outcome:
        """After an uninstall: a sync that was between its lease renewal and its write
        when the tenant was purged may have written a page since. Only while the tenant
        is still purged (a reinstall meanwhile owns its mirror again)."""
        if profile is None or profile.status not in PURGED_STATUSES:
            status = profile.status if profile is not None else "unknown"
            return Outcome("lifecycle", ctx, OutcomeStatus.SKIPPED, f"the tenant is {status} again")
        removed = self._purge_mirror(ctx)
        if removed:
            self._tenants.append_event(
                ctx,
                "mirror_swept",
                f"{removed} mirrored records written during the uninstall were removed",
                {"records_removed": removed},
            )
        return Outcome(
            "lifecycle", ctx, OutcomeStatus.DONE, f"{removed} mirrored records left behind"
        )

    def _purge_mirror(self, ctx: str) -> int:
        return sum(self._mirror.purge(ctx, spec.name) for spec in self._settings.entities)


def _kind(message: Message) -> str:
    if isinstance(message, FollowUpMessage):
        return "lifecycle"
    return "record" if isinstance(message, RecordMessage) else "sync"


def _defer_seconds(deferred: Deferred) -> float:
    if deferred.retry_after_seconds is not None:
        return deferred.retry_after_seconds
    if deferred.out_of_time:
        return 0
    return DEFAULT_DEFER_SECONDS


def _outcome(kind: str, ctx: str, run: RunReport, reports: list[EntityReport]) -> Outcome:
    lags = [report.lag_seconds for report in reports if report.lag_seconds is not None]
    return Outcome(
        kind,
        ctx,
        OutcomeStatus.DONE,
        records=sum(report.records for report in reports),
        requests=sum(report.requests for report in reports),
        throttles=run.stats.throttles,
        lag_seconds=max(lags) if lags else None,
        errors=sum(1 for report in reports if report.error),
        entities=[
            {
                "entity": report.entity,
                "created": report.created,
                "changed": report.changed,
                "deleted": report.deleted,
                "requests": report.requests,
                "complete": report.complete,
                "error": report.error,
                **({"answer": report.detail} if report.detail else {}),
            }
            for report in reports
        ],
    )
