"""Sending customer state change notifications to the apps (protocol section 5).

One notification per app with a URL, each sent once on a background thread (10 s timeout)
and logged with the app's answer. A notification can be made without sending it (held) and
sent later, or sent again: the control API's tools for late and duplicate arrivals.
"""

from __future__ import annotations

import json

from local.simulator.context import SimulatorContext
from local.simulator.notification_tokens import VALID, notification_token
from local.simulator.notifications import Notification, notification_body
from local.simulator.outbound import in_background, post
from local.simulator.routing import NotFound
from local.simulator.tenants import Tenant


def notify(
    context: SimulatorContext,
    tenant: Tenant,
    change_type: int,
    *,
    client_id: str | None = None,
    token_kind: str = VALID,
    hold: bool = False,
    issued_seconds_ago: float = 0,
) -> list[Notification]:
    """Make (and unless `hold`, send) the notification for every app, or only `client_id`.

    `issued_seconds_ago` backdates the token's `iat`: apps order notifications by it, and
    tests want a definite order without waiting for the clock to tick over a second.
    """
    state = context.state
    with state.lock:
        apps = state.apps()
        if client_id is not None:
            apps = [app for app in apps if app.client_id == client_id]
            if not apps:
                raise NotFound(f"there is no app with client id {client_id!r}")
        token = notification_token(
            context.signing_key,
            issuer=context.base_url,
            ctx=tenant.ctx,
            now=state.now() - issued_seconds_ago,
            kind=token_kind,
        )
        body = notification_body(change_type, tenant.ctx, tenant.version, token, tenant.host)
        made = []
        for app in apps:
            url = state.notifications.url(app.client_id)
            if url is None:
                continue
            entry = state.notifications.add(app.client_id, url, body, token_kind, held=hold)
            made.append(entry)
            if not hold:
                send(context, entry)
        return made


def send(context: SimulatorContext, entry: Notification) -> None:
    """Send the stored body (again) on a background thread; the log says first/late/duplicate."""
    log = context.state.notifications
    index = log.start_send(entry)
    timeout = context.state.outbound.timeout_seconds

    def deliver() -> None:
        answer = post(entry.url, _encode(entry), {"Content-Type": "application/json"}, timeout)
        log.finish_send(entry, index, answer)

    in_background(f"notification-{entry.id}", deliver)


def _encode(entry: Notification) -> bytes:
    return json.dumps(entry.body).encode("utf-8")
