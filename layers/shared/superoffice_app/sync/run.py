"""One tenant's sync run: page changed records per entity into the mirror, checkpointing.

The caller holds the tenant lease and has checked the tenant is active and running.
Scheduled incremental syncs, full resyncs (BackupRestored, first install) and targeted
syncs of one record (webhooks) all go through ``_apply``: read from SuperOffice, compare
with the mirror, write what changed (the table's stream publishes it), then checkpoint.

A contact or person deleted in SuperOffice's user interface (``DeletedDate`` set) is
deleted from the mirror at once, whichever way the app learns of it: the webhook's
targeted sync, a change page, or the daily key reconciliation. When SuperOffice later
removes it for good there is nothing left to delete, so ``deleted`` is published once. A
record restored from such a delete is missing from the mirror, so it comes back as
``created``, through the webhook or the reconciliation (a restore need not move
``updated``, so the change pages may never show it).

An answer that does not fit (``UnexpectedResponse``) or a refused request stops that
entity only: nothing is written from it, the cursor stays where the last good page left
it, the error is kept as the entity's last error (and the answer's excerpt goes to the
log through the report's ``detail``), and the next run starts there again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from superoffice_app.superoffice.http import SuperOfficeApiError, UnexpectedResponse

from .archive import ArchiveReader, TenantCalls
from .budget import Budget, Deferred, RetryPolicy, RetryStats
from .cursor import Cursor
from .entities import EntitySpec
from .lease import TenantLease
from .mirror import MirrorChange, RecordsMirror
from .state import EntitySyncState, SyncStateStore

__all__ = ["EntityReport", "RunReport", "TenantSync"]

# Time kept back before each page: a page (query, compare, write) must fit.
PAGE_RESERVE_SECONDS: Final = 5.0
LEASE_SECONDS: Final = 180.0


@dataclass
class EntityReport:
    entity: str
    pages: int = 0
    created: int = 0
    changed: int = 0
    deleted: int = 0
    requests: int = 0
    complete: bool = False
    error: str | None = None
    # For the log line only: the operation, status and answer excerpt of an answer that
    # did not fit (never stored: the excerpt may hold customer data).
    detail: dict[str, Any] | None = None
    lag_seconds: float | None = None

    @property
    def records(self) -> int:
        return self.created + self.changed + self.deleted


@dataclass
class RunReport:
    ctx: str
    entities: list[EntityReport] = field(default_factory=list)
    deferred: Deferred | None = None
    # Entities not finished (the one interrupted first): what a continuation must do.
    remaining: list[str] = field(default_factory=list)
    stats: RetryStats = field(default_factory=RetryStats)

    @property
    def records(self) -> int:
        return sum(report.records for report in self.entities)

    @property
    def requests(self) -> int:
        return sum(report.requests for report in self.entities)


class TenantSync:
    def __init__(
        self,
        *,
        ctx: str,
        api: TenantCalls,
        mirror: RecordsMirror,
        states: SyncStateStore,
        lease: TenantLease,
        budget: Budget,
        clock: Callable[[], datetime],
        sleep: Callable[[float], None],
        policy: RetryPolicy | None = None,
        page_size: int = 500,
        reconcile_every: timedelta = timedelta(hours=24),
    ) -> None:
        self.ctx = ctx
        self._api = api
        self._mirror = mirror
        self._states = states
        self._lease = lease
        self._budget = budget
        self._clock = clock
        self._reconcile_every = reconcile_every
        self.report = RunReport(ctx)
        self._reader = ArchiveReader(
            api,
            budget=budget,
            policy=policy or RetryPolicy(),
            stats=self.report.stats,
            sleep=sleep,
            page_size=page_size,
        )

    # -- incremental and full ------------------------------------------------------------

    def sync(self, entities: Sequence[EntitySpec], *, full: bool = False) -> RunReport:
        """Sync ``entities`` in order; stops at the first deferral (the rest remain)."""
        states = {
            state.entity: state
            for state in self._states.entities(self.ctx, [entity.name for entity in entities])
        }
        for position, entity in enumerate(entities):
            state = states[entity.name]
            if full and not state.full_resync and state.last_success_at is not None:
                # A full pass over an entity that never synced is simply its first sync.
                state = state.with_(full_resync=True, in_progress=False)
            try:
                self._sync_entity(entity, state)
            except Deferred as deferred:
                self.report.deferred = deferred
                self.report.remaining = [spec.name for spec in entities[position:]]
                return self.report
        return self.report

    def _sync_entity(self, entity: EntitySpec, state: EntitySyncState) -> None:
        report = EntityReport(entity.name)
        self.report.entities.append(report)
        accounting = _Accounting(self._api.request_count, self.report.stats.throttles)
        state = state.with_(last_attempt_at=self._clock())
        # A full pass keeps its exact position; an incremental one never moves backwards
        # (its rewound start re-reads records the cursor is already past).
        full = state.full_resync or state.cursor is None
        if state.in_progress and state.cursor is not None:
            position: Cursor | None = state.cursor
        elif full or state.cursor is None:
            position = None
        else:
            position = state.cursor.rewound()
        try:
            while True:
                if self._budget.remaining() < PAGE_RESERVE_SECONDS:
                    raise Deferred(
                        "the run's time is up; the rest continues in a new message",
                        out_of_time=True,
                    )
                page = self._reader.changed_after(entity, position)
                report.pages += 1
                changes = self._mirror.changes(
                    self.ctx, entity.name, page.records, restored=state.full_resync
                )
                if page.removed:  # deleted in the user interface since last seen
                    changes += self._mirror.deletions(self.ctx, entity.name, page.removed)
                self._apply(changes, report)
                position = page.cursor or position
                state = state.with_(
                    cursor=position if full else _later(state.cursor, position),
                    in_progress=not page.last,
                    records_mirrored=max(0, state.records_mirrored + _net(changes)),
                )
                if page.last:
                    break  # every way out of the loop saves the state once, below
                state = self._save(state, report, accounting)
            if state.last_success_at is None and not state.full_resync:
                # A first sync: the mirror holds only what this sync wrote, so there is
                # nothing to reconcile yet; the daily clock starts now.
                state = state.with_(reconciled_at=self._clock())
            elif state.full_resync or self._reconcile_due(state):
                created_before, deleted_before = report.created, report.deleted
                self._reconcile(entity, report)
                found = report.created - created_before  # restored: back in the mirror
                state = state.with_(
                    reconciled_at=self._clock(),
                    records_mirrored=max(
                        0, state.records_mirrored + found - (report.deleted - deleted_before)
                    ),
                )
        except Deferred as deferred:
            state = state.with_(last_error=_plain_words(deferred), last_error_at=self._clock())
            self._save(state, report, accounting)
            raise
        except (SuperOfficeApiError, UnexpectedResponse) as error:
            report.error, report.detail = str(error), _log_detail(error)
            state = state.with_(last_error=str(error), last_error_at=self._clock())
            self._save(state, report, accounting)
            return
        now = self._clock()
        if state.last_success_at is not None:
            report.lag_seconds = (now - state.last_success_at).total_seconds()
        state = state.with_(
            last_success_at=now,
            full_resync=False,
            in_progress=False,
            last_error=None,
            last_error_at=None,
        )
        report.complete = True
        self._save(state, report, accounting)

    def _reconcile_due(self, state: EntitySyncState) -> bool:
        if state.reconciled_at is None:
            return True
        return self._clock() - state.reconciled_at >= self._reconcile_every

    def _reconcile(self, entity: EntitySpec, report: EntityReport) -> None:
        """Make the mirror's keys SuperOffice's: walk both key sets in ascending order.

        Mirrored records SuperOffice no longer has, or has only as deleted in the user
        interface, are deleted (deletions leave no trace in the change queries); records
        it has that the mirror lacks (restored from a delete, with their old ``updated``
        behind the cursor) are read and mirrored.
        """
        mirrored = self._mirror.keys(self.ctx, entity.name)
        pending = next(mirrored, None)
        after = 0
        while True:
            if self._budget.remaining() < PAGE_RESERVE_SECONDS:
                raise Deferred("the run's time is up during reconciliation", out_of_time=True)
            page = self._reader.keys_after(entity, after)
            ceiling = page.last_key if not page.last else None
            held: set[int] = set()
            while pending is not None and (ceiling is None or pending <= ceiling):
                held.add(pending)
                pending = next(mirrored, None)
            gone = sorted(held.difference(page.live))
            if gone:
                self._apply(self._mirror.deletions(self.ctx, entity.name, gone), report)
            missing = [key for key in page.live if key not in held]
            if missing:
                found = self._reader.some(entity, missing)
                self._apply(self._mirror.changes(self.ctx, entity.name, found), report)
            if page.last or page.last_key is None:
                return
            after = page.last_key

    # -- targeted ------------------------------------------------------------------------

    def sync_record(self, entity: EntitySpec, key: int) -> EntityReport:
        """Bring one record up to date (a webhook said it changed, or was deleted).

        A record SuperOffice no longer has, or has as deleted in the user interface, is
        deleted from the mirror; one the mirror lacks is created (also after a restore).
        An answer that does not fit, or a refused read, is kept as the entity's last error
        and the message is done with: the scheduled sync reads the record again.
        """
        report = EntityReport(entity.name)
        self.report.entities.append(report)
        before = self._api.request_count
        error: SuperOfficeApiError | UnexpectedResponse | None = None
        changes: list[MirrorChange] = []
        try:
            record = self._reader.one(entity, key)
        except (SuperOfficeApiError, UnexpectedResponse) as failed:
            error = failed
            report.error, report.detail = str(failed), _log_detail(failed)
        else:
            if record is None:
                changes = self._mirror.deletions(self.ctx, entity.name, [key])
            else:
                changes = self._mirror.changes(self.ctx, entity.name, [record])
            self._apply(changes, report)
            report.complete = True
        report.requests = self._api.request_count - before
        if changes or error is not None:
            state = self._states.entity(self.ctx, entity.name)
            state = state.with_(
                records_mirrored=max(0, state.records_mirrored + _net(changes)),
                requests_total=state.requests_total + report.requests,
            )
            if error is not None:
                state = state.with_(last_error=str(error), last_error_at=self._clock())
            self._states.save(self.ctx, state)
        return report

    # -- shared --------------------------------------------------------------------------

    def _apply(self, changes: list[MirrorChange], report: EntityReport) -> None:
        """Write what changed; RecordsTable's stream publishes it (``stream_events``)."""
        if not changes:
            return
        self._lease.renew(self.ctx, LEASE_SECONDS)
        self._mirror.write(self.ctx, changes)
        for change in changes:
            setattr(report, change.change, getattr(report, change.change) + 1)

    def _save(
        self, state: EntitySyncState, report: EntityReport, accounting: _Accounting
    ) -> EntitySyncState:
        """Checkpoint: the cursor and what this run cost so far (added to the totals).

        The lease is renewed first: a worker whose tenant was purged meanwhile (the
        purge deletes the lease) must not write its sync state back.
        """
        self._lease.renew(self.ctx, LEASE_SECONDS)
        requests = self._api.request_count - accounting.requests_at_start
        throttles = self.report.stats.throttles - accounting.throttles_at_start
        state = state.with_(
            requests_last_run=requests,
            requests_total=state.requests_total + requests - accounting.requests_saved,
            throttles_total=state.throttles_total + throttles - accounting.throttles_saved,
            last_run_changes=report.records,
        )
        accounting.requests_saved, accounting.throttles_saved = requests, throttles
        report.requests = requests
        self._states.save(self.ctx, state)
        return state


@dataclass
class _Accounting:
    """Counters at the start of an entity's run, and how much of them is saved."""

    requests_at_start: int
    throttles_at_start: int
    requests_saved: int = 0
    throttles_saved: int = 0


def _log_detail(error: SuperOfficeApiError | UnexpectedResponse) -> dict[str, Any] | None:
    """What a log line shows of an answer that did not fit: operation, status, excerpt."""
    if isinstance(error, UnexpectedResponse):
        return error.log_fields()
    return None


def _later(stored: Cursor | None, position: Cursor | None) -> Cursor | None:
    if stored is None:
        return position
    if position is None:
        return stored
    return max(stored, position, key=lambda cursor: (cursor.updated, cursor.key))


def _net(changes: Sequence[MirrorChange]) -> int:
    return sum(1 if c.change == "created" else -1 if c.change == "deleted" else 0 for c in changes)


def _plain_words(deferred: Deferred) -> str:
    if deferred.retry_after_seconds is not None or deferred.throttled:
        return "SuperOffice asked the app to slow down; the sync continues later"
    if deferred.out_of_time:
        return "more records than one run could take; the sync continues in the next run"
    return "SuperOffice did not answer in time; the sync continues later"
