"""Installing the app for a tenant, after an administrator signed in and consented.

Order matters for "nothing lost, nothing half-written": the tenant and its sealed secrets
are written together (status `installing`) before anything is created in SuperOffice;
every item provisioned is recorded the moment it exists; only then is the tenant
`active`. A failure after the first write marks the tenant `install_failed` with the
reason in its audit trail, and the next install completes it. Reinstalling an installed
tenant refreshes its credentials and re-verifies provisioning without duplicating anything.

An install ends with the initial full sync queued on SyncQueue (when a queue is handed
in). The queue is not part of the install's promise: if SQS refuses, the install still
succeeds, the audit trail says so and the scheduled sync picks the tenant up. The
administrator's pause survives a reinstall, and a paused tenant gets no sync queued.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from superoffice_app.onboarding import errors
from superoffice_app.provisioning.engine import PublishWait, provision
from superoffice_app.provisioning.recorder import (
    WEBHOOK_SECRET_NAMES,
    StoreRecorder,
    StoreWebhookSecrets,
)
from superoffice_app.provisioning.reports import ProvisioningReport
from superoffice_app.provisioning.spec import ProvisioningSpec
from superoffice_app.provisioning.steps import step_of
from superoffice_app.queues.messages import SyncMessage
from superoffice_app.queues.sqs import SyncSender, send_sync
from superoffice_app.store import PURGED_STATUSES, Installer, TenantStatus, TenantStore
from superoffice_app.superoffice.http import (
    AccessRevoked,
    SuperOfficeError,
    SuperOfficeUnavailable,
    UnexpectedResponse,
)
from superoffice_app.superoffice.rest import TenantApi
from superoffice_app.superoffice.state_api import StateApiClient, TenantNotFound, TenantState
from superoffice_app.superoffice.system_user import SystemUserClient, SystemUserRefused
from superoffice_app.superoffice.tickets import SYSTEM_TOKEN, TICKET
from superoffice_app.tokens import IdTokenClaims, Secret

REFRESH_TOKEN = "refresh_token"  # noqa: S105 - the name of a stored secret
# The sign-in happens inside an API Gateway request (29 s at most): wait for a layout
# publish only briefly; if SuperOffice is still publishing, the install is marked
# incomplete and the next one continues (PublishStillBusy is a SuperOfficeUnavailable).
INSTALL_PUBLISH_WAIT = PublishWait(timeout_seconds=10, interval_seconds=1)


@dataclass(frozen=True)
class InstallResult:
    ctx: str
    report: ProvisioningReport
    reinstall: bool
    # True: the initial full sync is queued; False: SQS refused it (the schedule takes
    # over); None: none was queued (no queue configured, or syncing is paused).
    sync_queued: bool | None = None


class Installation:
    """Everything an install needs, handed in so tests can use local services."""

    def __init__(
        self,
        *,
        environment: str,
        tenants: TenantStore,
        state_api: StateApiClient,
        system_users: SystemUserClient,
        tenant_api: Callable[[str], TenantApi],
        spec: ProvisioningSpec,
        publish_wait: PublishWait = INSTALL_PUBLISH_WAIT,
        sync_queue: SyncSender | None = None,
        webhooks_skipped: str | None = None,
    ) -> None:
        self._environment = environment
        self._tenants = tenants
        self._state_api = state_api
        self._system_users = system_users
        self._tenant_api = tenant_api
        self._spec = spec
        self._publish_wait = publish_wait
        self._sync_queue = sync_queue
        # Why `spec` has no webhooks although the app declares some (SuperOffice cannot
        # reach the app): said in every install's audit trail.
        self._webhooks_skipped = webhooks_skipped

    def install(self, claims: IdTokenClaims, *, refresh_token: Secret | None) -> InstallResult:
        ctx = claims.ctx
        if claims.system_token is None:
            raise errors.SystemUserMissing()
        if not claims.serial:
            raise errors.SignInFailed("the id_token carries no tenant serial")
        state = self._running_state(ctx)
        try:
            ticket = self._system_users.exchange(ctx, claims.system_token, claims.serial)
        except SystemUserRefused as error:
            raise errors.ServerAccessRefused(error.reason) from error
        except SuperOfficeUnavailable as error:
            raise errors.SuperOfficeUnreachable() from error
        except SuperOfficeError as error:
            raise errors.SignInFailed("the system-user service answered unexpectedly") from error

        previous = self._tenants.get(ctx)
        reinstall = previous is not None and previous.status is TenantStatus.ACTIVE
        secrets: dict[str, str | Secret] = {SYSTEM_TOKEN: claims.system_token, TICKET: ticket.value}
        if refresh_token is not None:
            secrets[REFRESH_TOKEN] = refresh_token
        if previous is not None:
            # begin_install deletes every secret it is not given; the webhook secret is
            # the one SuperOffice signs with, so it is carried over (a reinstall or the
            # completion of a failed install must not break the registered webhook).
            for name in WEBHOOK_SECRET_NAMES:
                kept = self._tenants.get_secret(ctx, name)
                if kept is not None:
                    secrets[name] = kept
        self._tenants.begin_install(
            ctx,
            environment=self._environment,
            api_base=state.api or "",
            endpoint=state.endpoint,
            version=state.version,
            serial=claims.serial,
            company_name=claims.company_name,
            installed_by=Installer(
                associate_id=claims.associate_id, name=claims.upn, email=claims.email
            ),
            secrets=secrets,
            secret_expires_at={TICKET: ticket.expires_at},
            state_answer=dict(state.raw),
            state_valid_until=state.valid_until,
        )
        # begin_install writes a new profile; the administrator's pause is carried over
        # at once (a production sandbox paused once must not start syncing because of a
        # reinstall, nor lose its pause to a reinstall that fails half-way).
        paused = (
            previous is not None and previous.status not in PURGED_STATUSES and previous.sync_paused
        )
        if paused:
            self._tenants.update_fields(ctx, sync_paused=True)
        actor = _actor(claims)
        self._tenants.append_event(
            ctx,
            "reinstall_started" if reinstall else "install_started",
            "Installation started" if not reinstall else "Reinstallation started",
            actor=actor,
        )
        if self._webhooks_skipped:
            self._tenants.append_event(ctx, "webhooks_skipped", self._webhooks_skipped, actor=actor)
        try:
            report = provision(
                self._spec,
                self._tenant_api(ctx),
                StoreRecorder(self._tenants, ctx),
                publish_wait=self._publish_wait,
                webhook_secrets=StoreWebhookSecrets(self._tenants, ctx),
            )
        except AccessRevoked as error:
            self._fail(ctx, "SuperOffice revoked the app's access during the installation", actor)
            raise errors.ServerAccessRefused("access revoked") from error
        except SuperOfficeUnavailable as error:
            self._fail(ctx, "SuperOffice did not answer during provisioning", actor)
            raise errors.SuperOfficeUnreachable() from error
        except UnexpectedResponse as error:
            # Not a refusal: SuperOffice answered, in a shape the app cannot read. The
            # function logs the operation, status and an excerpt (the error's cause).
            step = step_of(error.operation)
            self._fail(
                ctx,
                f"SuperOffice answered something the app did not expect while {step}",
                actor,
                details={"operation": error.operation, "status": error.status},
            )
            raise errors.InstallAnswerUnexpected(step) from error
        except SuperOfficeError as error:
            self._fail(ctx, "SuperOffice refused a provisioning step", actor)
            raise errors.InstallIncomplete("SuperOffice refused a provisioning step") from error
        self._tenants.transition(ctx, TenantStatus.ACTIVE, allowed_from={TenantStatus.INSTALLING})
        self._tenants.append_event(
            ctx,
            "installed",
            "Installed" if not reinstall else "Reinstalled: credentials refreshed, items verified",
            details={
                "created": len(report.created),
                "found": len(report.found),
                "requests": report.requests,
            },
            actor=actor,
        )
        sync_queued = self._queue_full_sync(ctx, reinstall=reinstall, paused=paused, actor=actor)
        return InstallResult(ctx=ctx, report=report, reinstall=reinstall, sync_queued=sync_queued)

    def _queue_full_sync(
        self, ctx: str, *, reinstall: bool, paused: bool, actor: str
    ) -> bool | None:
        """The install's last step: the initial full sync, recorded whatever SQS says."""
        if self._sync_queue is None:
            return None
        if paused:
            self._tenants.append_event(
                ctx,
                "initial_sync_waiting",
                "Syncing is paused for this tenant: the full sync waits until an "
                "administrator resumes it",
                actor=actor,
            )
            return None
        queued = send_sync(self._sync_queue, SyncMessage(ctx, "install", None, True))
        if queued:
            summary = (
                "Full sync queued after the reinstall" if reinstall else "Initial full sync queued"
            )
            self._tenants.append_event(ctx, "initial_sync_queued", summary, actor=actor)
        else:
            self._tenants.append_event(
                ctx,
                "initial_sync_not_queued",
                "The full sync could not be queued; the scheduled sync picks the tenant up",
                actor=actor,
            )
        return queued

    def _running_state(self, ctx: str) -> TenantState:
        try:
            state = self._state_api.get(ctx, refresh=True)
        except TenantNotFound as error:
            raise errors.TenantNotRunning("unknown") from error
        except SuperOfficeUnavailable as error:
            raise errors.SuperOfficeUnreachable() from error
        if not state.is_running or not state.api:
            raise errors.TenantNotRunning(state.state)
        return state

    def _fail(
        self, ctx: str, reason: str, actor: str, *, details: dict[str, object] | None = None
    ) -> None:
        self._tenants.transition(
            ctx, TenantStatus.INSTALL_FAILED, allowed_from={TenantStatus.INSTALLING}
        )
        self._tenants.append_event(ctx, "install_failed", reason, details=details, actor=actor)


def _actor(claims: IdTokenClaims) -> str:
    who = claims.upn or claims.email or claims.sub
    return f"{who} (associate {claims.associate_id})" if claims.associate_id else who
