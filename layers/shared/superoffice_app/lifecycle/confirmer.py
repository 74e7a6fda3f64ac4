"""Applying a queued notification once SuperOffice's state API bears it out.

For each NotificationQueue message: read the tenant, ask the state API afresh (never
the cache: the notification says the cache is stale), decide (``decisions``), and then

- apply: the status change and the notification's time in one conditional write (a
  concurrent writer makes it read and decide again), the follow-up queued on SyncQueue
  for the worker (a resync, a purge, waiting for an upgrade), all in the audit trail;
- unconfirmed: SuperOffice may announce a change before its state API shows it, so
  ask again after a minute, five and fifteen; then record it and change nothing;
- state API unreachable: the message waits on the queue (re-sent with a growing delay),
  for up to a week; never applied blindly, never dropped silently.

A message handled twice (SQS delivers at least once; a crash between the write and the
follow-up) finds its own notification applied, and only queues the follow-up again:
every follow-up confirms with the state API itself, so a second one is harmless.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Final, Protocol

from superoffice_app.queues.messages import FollowUp, FollowUpMessage
from superoffice_app.store import (
    AppliedNotification,
    ConflictError,
    TenantProfile,
    TenantStore,
    TransitionError,
)
from superoffice_app.superoffice.http import SuperOfficeError
from superoffice_app.superoffice.state_api import TenantNotFound, TenantState

from .confirmations import ConfirmationStatus
from .decisions import Decision, Observed, Verdict, decide, follow_up_of, precheck
from .messages import NotificationMessage
from .notifications import change_name
from .service import MessageQueue

__all__ = [
    "MAX_WAIT_SECONDS",
    "RECHECK_DELAYS",
    "Confirmation",
    "ConfirmationStatus",
    "NotificationConfirmer",
]

# When SuperOffice announces a change ahead of its state API, ask again after these.
RECHECK_DELAYS: Final = (60, 300, 900)
# How long a notification waits for an unreachable state API before it is recorded as
# not confirmed (the idempotency records of deliveries last as long).
MAX_WAIT_SECONDS: Final = 7 * 24 * 3600
# SQS delays a message at most 15 minutes.
_MAX_DELAY_SECONDS: Final = 900
_FIRST_RETRY_SECONDS: Final = 30
_MAX_ATTEMPTS: Final = 5


class StateReader(Protocol):
    """``superoffice_app.superoffice.state_api.StateApiClient``."""

    def get(self, ctx: str, *, refresh: bool = False) -> TenantState: ...


@dataclass(frozen=True)
class Confirmation:
    ctx: str
    change: str
    status: ConfirmationStatus
    reason: str
    follow_up: FollowUp | None = None


class NotificationConfirmer:
    def __init__(
        self,
        tenants: TenantStore,
        state_api: StateReader,
        follow_ups: MessageQueue,
        waiting: MessageQueue,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._tenants = tenants
        self._state_api = state_api
        self._follow_ups = follow_ups
        self._waiting = waiting
        self._clock = clock

    def handle(self, message: NotificationMessage) -> Confirmation:
        ctx = message.ctx
        profile = self._tenants.get(ctx)
        if profile is not None and _already_applied(profile, message):
            follow_up = self._repeat_follow_up(message)
            return self._result(message, ConfirmationStatus.APPLIED, "already applied", follow_up)
        early = precheck(
            message.change_type,
            issued_at=message.issued_at,
            status=profile.status if profile else None,
            last_applied_at=_last_applied_at(profile),
        )
        if early is not None:
            return self._ignored(message, early, profile)
        try:
            observed = _observe(self._state_api.get(ctx, refresh=True))
        except TenantNotFound:
            observed = None
        except SuperOfficeError as error:
            return self._wait(message, str(error))
        for _ in range(_MAX_ATTEMPTS):
            decision = decide(
                message.change_type,
                issued_at=message.issued_at,
                status=profile.status if profile else None,
                last_applied_at=_last_applied_at(profile),
                observed=observed,
            )
            if decision.verdict is Verdict.IGNORE:
                return self._ignored(message, decision, profile)
            if decision.verdict is Verdict.UNCONFIRMED:
                return self._unconfirmed(message, decision.reason)
            assert profile is not None  # decide() ignores unknown tenants
            try:
                self._write(profile, message, decision, observed)
            except (ConflictError, TransitionError):
                profile = self._tenants.get(ctx)  # someone wrote first: decide again
                continue
            follow_up = self._queue_follow_up(message, decision.follow_up)
            self._record_applied(message, decision, follow_up, observed)
            return self._result(message, ConfirmationStatus.APPLIED, decision.reason, follow_up)
        return self._wait(message, "the tenant kept changing")

    # -- outcomes -------------------------------------------------------------------------

    def _result(
        self,
        message: NotificationMessage,
        status: ConfirmationStatus,
        reason: str,
        follow_up: FollowUp | None = None,
    ) -> Confirmation:
        return Confirmation(
            message.ctx, change_name(message.change_type), status, reason, follow_up
        )

    def _details(self, message: NotificationMessage, **more: Any) -> dict[str, Any]:
        return {"change_type": message.change_type, "token_id": message.token_id, **more}

    def _summary(self, message: NotificationMessage) -> str:
        return f"SuperOffice: {change_name(message.change_type)}"

    def _ignored(
        self, message: NotificationMessage, decision: Decision, profile: TenantProfile | None
    ) -> Confirmation:
        if profile is not None:  # unknown tenants leave no trace
            self._tenants.append_event(
                message.ctx,
                "notification_ignored",
                self._summary(message),
                self._details(message, reason=decision.reason),
            )
        return self._result(message, ConfirmationStatus.IGNORED, decision.reason)

    def _unconfirmed(self, message: NotificationMessage, reason: str) -> Confirmation:
        if message.checks < len(RECHECK_DELAYS):
            self._waiting.send(message.checked_again().to_body(), RECHECK_DELAYS[message.checks])
            return self._result(message, ConfirmationStatus.RECHECKING, reason)
        self._tenants.append_event(
            message.ctx,
            "notification_not_confirmed",
            f"{self._summary(message)} not confirmed by SuperOffice's state API; "
            "nothing was changed",
            self._details(message, reason=reason),
        )
        return self._result(message, ConfirmationStatus.UNCONFIRMED, reason)

    def _wait(self, message: NotificationMessage, reason: str) -> Confirmation:
        waited = self._clock() - message.received_at
        if waited > MAX_WAIT_SECONDS:
            return self._unconfirmed(
                replace(message, checks=len(RECHECK_DELAYS)),
                f"the state API could not be asked for {waited / 86400:.0f} days ({reason})",
            )
        delay = min(_MAX_DELAY_SECONDS, _FIRST_RETRY_SECONDS * 2**message.retries)
        self._waiting.send(message.retried().to_body(), delay)
        return self._result(
            message, ConfirmationStatus.WAITING, f"{reason}; asking again in {delay} s"
        )

    # -- applying -------------------------------------------------------------------------

    def _write(
        self,
        profile: TenantProfile,
        message: NotificationMessage,
        decision: Decision,
        observed: Observed | None,
    ) -> None:
        fields: dict[str, object] = {
            "last_notification": AppliedNotification(
                change_type=message.change_type,
                at=datetime.fromtimestamp(message.issued_at, UTC),
            )
        }
        if decision.refresh_endpoint and observed is not None:
            fields["api_base"] = observed.api or profile.api_base
            fields["endpoint"] = observed.endpoint or profile.endpoint
        if decision.new_status is not None:
            self._tenants.transition(
                message.ctx,
                decision.new_status,
                allowed_from={profile.status},
                expected_revision=profile.revision,
                **fields,
            )
        else:
            self._tenants.update_fields(message.ctx, expected_revision=profile.revision, **fields)

    def _queue_follow_up(
        self, message: NotificationMessage, follow_up: FollowUp | None
    ) -> FollowUp | None:
        if follow_up is not None:
            self._follow_ups.send(
                FollowUpMessage(message.ctx, follow_up, message.change_type).to_body()
            )
        return follow_up

    def _repeat_follow_up(self, message: NotificationMessage) -> FollowUp | None:
        """The follow-up of a notification applied before (a redelivery, a crash between
        the write and the queue): queued again, since each follow-up asks the state API
        again before it acts and a second one finds nothing left to do."""
        return self._queue_follow_up(message, follow_up_of(message.change_type))

    def _record_applied(
        self,
        message: NotificationMessage,
        decision: Decision,
        follow_up: FollowUp | None,
        observed: Observed | None,
    ) -> None:
        self._tenants.append_event(
            message.ctx,
            "notification_applied",
            self._summary(message),
            self._details(
                message,
                reason=decision.reason,
                follow_up=follow_up,
                state=observed.state if observed else None,
            ),
        )
        if decision.refresh_endpoint and observed is not None:
            self._tenants.append_event(
                message.ctx, "endpoint_refreshed", f"Tenant moved: API base now {observed.api}"
            )


def _observe(state: TenantState) -> Observed:
    return Observed(
        state=state.state, is_running=state.is_running, api=state.api, endpoint=state.endpoint
    )


def _last_applied_at(profile: TenantProfile | None) -> float | None:
    last = profile.last_notification if profile else None
    return last.at.timestamp() if last else None


def _already_applied(profile: TenantProfile, message: NotificationMessage) -> bool:
    last = profile.last_notification
    return (
        last is not None
        and last.change_type == message.change_type
        and abs(last.at.timestamp() - message.issued_at) < 0.001
    )
