"""SuperOffice changes the second tenant's life; the app follows (issue 5 section 4).

Each change goes through the simulator's control API as SuperOffice makes it: the tenant
changes, the app gets the customer-state-change notification (its answer is checked), asks
SuperOffice's state API whether the change is real (NotificationQueue), and its follow-up
runs on SyncQueue. What the app did is read where it keeps it: the tenant's
profile and audit trail in TenantsTable, the records mirror, SuperOffice's counters.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any, Final

from local.demo.failures import expect
from local.demo.polling import wait_until
from local.demo.session import DemoSession
from local.demo.sync_steps import (
    EVENT_TIMEOUT_SECONDS,
    WORKER_TIMEOUT_SECONDS,
    run_schedule,
    wait_for_matching_mirror,
)

# The app applies a notification only if its token was issued after the last one it
# applied, counted in whole seconds: changes are sent at least this far apart.
CHANGE_SPACING_SECONDS: Final = 1.1
STATUS_TIMEOUT_SECONDS: Final = 30.0
WEBHOOK_TIMEOUT_SECONDS: Final = 30.0
# The stream relay publishes a change within about 3 s locally (poll, 1 s batching window,
# a function process); waiting longer than that shows nothing more is coming.
STREAM_SETTLE_SECONDS: Final = 5.0


def notify_change(session: DemoSession, change: str, **details: Any) -> dict[str, Any]:
    """SuperOffice makes `change` to the second tenant and notifies the app, which answers 202
    (queued until SuperOffice's state API confirms it; NotificationConfirmFunction applies it)."""
    ctx, superoffice = session.lifecycle_ctx, session.superoffice()
    if session.last_change_at is not None:
        pause = CHANGE_SPACING_SECONDS - (time.monotonic() - session.last_change_at)
        if pause > 0:
            time.sleep(pause)
    events_before = len(session.aws().audit_events(ctx))
    answer = superoffice.change(ctx, change, **details)
    session.last_change_at = time.monotonic()
    notifications = [
        entry
        for entry in answer.get("notifications") or []
        if str(entry.get("url", "")).startswith(session.app_url + "/")
    ]
    expect(notifications, f"SuperOffice sent the app no {change} notification (no URL set?)")
    notification = notifications[0]
    sent = superoffice.wait_for_answer(notification)
    status = sent.get("status")
    expect(
        status == 202,
        f"the {change} notification to {notification['url']} got "
        f"{'HTTP ' + str(status) if status else sent.get('error')}",
    )
    session.say(
        f"SuperOffice: {change} (ChangeType {notification['changeType']}); the app answered "
        f"HTTP {status} at {_path(notification['url'])}"
    )
    # Applied once the state API confirmed it; its follow-up (if any) is on SyncQueue
    # before this event is written, so waiting for the worker afterwards sees it.
    wait_for_audit_event(session, "notification_applied", after=events_before)
    session.say("the app asked SuperOffice's state API, which confirmed it: applied")
    return answer


def wait_for_status(session: DemoSession, status: str) -> dict[str, Any]:
    ctx = session.lifecycle_ctx

    def probe() -> tuple[bool, Any]:
        profile = session.aws().profile(ctx) or {}
        done = profile.get("status") == status and not profile.get("purge_pending")
        return done, profile if done else profile.get("status")

    profile: dict[str, Any] = wait_until(
        f"the app's profile of {ctx} says {status!r}", probe, timeout=STATUS_TIMEOUT_SECONDS
    )
    return profile


def wait_for_audit_event(session: DemoSession, kind: str, *, after: int) -> dict[str, Any]:
    """The first audit event of `kind` among the tenant's events after the first `after`."""
    ctx = session.lifecycle_ctx

    def probe() -> tuple[bool, Any]:
        events = session.aws().audit_events(ctx)[after:]
        found = next((event for event in events if event.get("kind") == kind), None)
        return found is not None, found or [event.get("kind") for event in events]

    event: dict[str, Any] = wait_until(
        f"the audit trail of {ctx} records {kind!r}", probe, timeout=STATUS_TIMEOUT_SECONDS
    )
    return event


# -- the steps -----------------------------------------------------------------------------


def suspend(session: DemoSession) -> None:
    ctx, aws, superoffice = session.lifecycle_ctx, session.aws(), session.superoffice()
    notify_change(session, "Suspend")
    wait_for_status(session, "suspended")
    session.say(f"the app's profile of {ctx}: status 'suspended'")
    superoffice.reset_counters(ctx)
    before = aws.mirror_counts(ctx)
    # A sync attempt from both sides: the schedule (the dispatcher reads only active
    # tenants) and a sync message for the tenant already on the queue (a webhook's, say).
    aws.send_to_sync_queue({"kind": "sync", "ctx": ctx, "reason": "manual"})
    report = run_schedule(session)
    counters = superoffice.counters(ctx)
    expect(
        counters["total"] == 0,
        f"the app called SuperOffice for {ctx} while it was suspended: {counters['byPath']}",
    )
    expect(aws.mirror_counts(ctx) == before, f"the mirror of {ctx} changed while suspended")
    expect((aws.profile(ctx) or {}).get("status") == "suspended", f"{ctx} is no longer suspended")
    session.say(
        f"a sync message for {ctx} was on SyncQueue and the dispatcher ran "
        f"({report['tenants']} other tenant(s) active): the worker handled both"
    )
    session.say(
        f"SuperOffice's counters for {ctx}: {counters['total']} requests "
        f"(REST {counters['byArea'].get('rest', 0)}, state API "
        f"{counters['byArea'].get('stateApi', 0)}, system user "
        f"{counters['byArea'].get('systemUser', 0)}): the app left it alone"
    )


def resume(session: DemoSession) -> None:
    ctx, aws, superoffice = session.lifecycle_ctx, session.aws(), session.superoffice()
    superoffice.reset_counters(ctx)
    notify_change(session, "Resume")
    wait_for_status(session, "active")
    aws.wait_for_worker(timeout=WORKER_TIMEOUT_SECONDS)
    total = wait_for_matching_mirror(session, ctx)
    counters = superoffice.counters(ctx)
    expect(counters["byArea"].get("rest", 0) > 0, f"the app made no REST call for {ctx}")
    session.say(
        f"status 'active' again; its follow-up synced {ctx} at once: "
        f"{counters['byArea']['rest']} REST calls, the mirror matches SuperOffice "
        f"({total} records)"
    )


def move(session: DemoSession) -> None:
    ctx, aws, superoffice = session.lifecycle_ctx, session.aws(), session.superoffice()
    tenant = superoffice.tenant(ctx)
    old_host, old_api = tenant["host"], tenant["api"]
    new_host = "sod7" if old_host != "sod7" else "sod8"
    events_before = len(aws.audit_events(ctx))
    answer = notify_change(session, "Move", host=new_host)
    new_api = answer["api"]
    expect(f"/{new_host}/" in new_api, f"SuperOffice's API of {ctx} is still {new_api}")
    session.say(f"SuperOffice moved {ctx}: {_path(old_api)} -> {_path(new_api)}")
    event = wait_for_audit_event(session, "endpoint_refreshed", after=events_before)
    aws.wait_for_worker(timeout=WORKER_TIMEOUT_SECONDS)
    state = (aws.profile(ctx) or {}).get("state_answer") or "{}"
    stored = _json(state).get("Api")
    expect(stored == new_api, f"the app's stored state answer names {stored}, not {new_api}")
    session.say(f"the follow-up asked the state API again; the profile's answer: Api {stored}")
    session.say(f"audit trail: {event.get('summary')!r}")


def backup_restored(session: DemoSession) -> None:
    ctx, aws, superoffice = session.lifecycle_ctx, session.aws(), session.superoffice()
    records = superoffice.records(ctx)
    expect(records.get("contact") and records.get("person"), f"{ctx} has too few records")
    # The backup holds an older copy of a contact (older than the mirror's: an
    # incremental sync, which follows `updated` forwards, would never pick it up) and
    # lacks a person created after it was taken.
    contact_key = max(records["contact"])
    contact = records["contact"][contact_key]
    older = _day_before(contact["updated"])
    suffix = " (as in the backup)"  # an earlier demo may have left it on the name
    restored_name = str(contact.get("name")).removesuffix(suffix) + suffix
    superoffice.save_record(ctx, "contact", {"name": restored_name}, key=contact_key, updated=older)
    person_key = max(records["person"])
    superoffice.delete_record(ctx, "person", person_key)
    session.say(
        f"the restored database: contact {contact_key} back to {restored_name!r} of "
        f"{older} (the mirror has a newer copy), person {person_key} gone"
    )
    events_before = len(aws.audit_events(ctx))
    notify_change(session, "BackupRestored")
    event = wait_for_audit_event(session, "restore_reverified", after=events_before)
    aws.wait_for_worker(timeout=WORKER_TIMEOUT_SECONDS)
    total = wait_for_matching_mirror(session, ctx)
    mirrored = aws.mirror(ctx, "contact").get(contact_key, {})
    expect(mirrored.get("name") == restored_name, f"contact {contact_key}: {mirrored}")
    expect(person_key not in aws.mirror(ctx, "person"), f"person {person_key} still mirrored")
    session.say(f"audit trail: {event.get('summary')!r}")
    session.say(
        f"full resync: the mirror matches SuperOffice again ({total} records): contact "
        f"{contact_key} as restored, person {person_key} removed"
    )


def record_change_through_webhook(session: DemoSession) -> None:
    ctx, aws, superoffice = session.lifecycle_ctx, session.aws(), session.superoffice()
    contacts = superoffice.records(ctx).get("contact") or {}
    expect(contacts, f"{ctx} has no contacts")
    contact_key = min(contacts)
    new_name = f"Fjellvik Webhook {time.strftime('%H:%M:%S')}"
    hooks = superoffice.webhooks(ctx)
    attempts_before = {hook["WebhookId"]: len(hook["attempts"]) for hook in hooks}
    expect(attempts_before, f"{ctx} has no webhook in SuperOffice: the install registers one")
    superoffice.reset_counters(ctx)
    mark = session.bus().mark()
    fields = {"name": new_name}
    answer = superoffice.save_record(ctx, "contact", fields, key=contact_key, notify=True)
    expect(answer.get("webhooks"), "SuperOffice queued the change for no webhook")
    session.say(
        f"a user renames contact {contact_key} in SuperOffice to {new_name!r}: "
        f"{answer['event']} for webhook(s) {answer['webhooks']}"
    )

    def delivered() -> tuple[bool, Any]:
        for hook in superoffice.webhooks(ctx):
            for attempt in hook["attempts"][attempts_before.get(hook["WebhookId"], 0) :]:
                if attempt.get("event") == "contact.changed":
                    return True, (hook, attempt)
        return False, "no delivery yet"

    hook, attempt = wait_until(
        "SuperOffice delivers the webhook", delivered, timeout=WEBHOOK_TIMEOUT_SECONDS
    )
    expect(
        attempt.get("status") == 200,
        f"the app answered the webhook with {attempt.get('status')} ({attempt.get('error')})",
    )
    session.say(f"SuperOffice POSTed it to {_path(hook['TargetUrl'])}: HTTP 200")

    def mirrored() -> tuple[bool, Any]:
        record = aws.mirror(ctx, "contact").get(contact_key, {})
        return record.get("name") == new_name, record.get("name")

    wait_until(f"the mirror shows contact {contact_key} renamed", mirrored, timeout=30)
    aws.wait_for_worker(timeout=WORKER_TIMEOUT_SECONDS)
    calls = superoffice.counters(ctx)["byPath"]
    reads = ", ".join(f"{path} x{count}" for path, count in sorted(calls.items()))
    session.say(
        f"a targeted sync was queued and ran: the mirror shows {new_name!r} "
        f"(no schedule involved); it read {reads or 'nothing'}"
    )

    def published() -> tuple[bool, Any]:
        changed = [
            event
            for event in session.bus().of(ctx, since=mark)
            if event["detail"]["primaryKey"] == contact_key
            and event["detail"]["entity"] == "contact"
        ]
        return bool(changed), changed or f"no event about contact {contact_key} yet"

    # RecordEventsFunction publishes from RecordsTable's stream, a moment after the write.
    changed = wait_until("the bus carries the change", published, timeout=EVENT_TIMEOUT_SECONDS)
    session.say(f"on the bus: {changed[0]['detail-type']!r} contact {contact_key}")


def delete(session: DemoSession) -> None:
    ctx, aws = session.lifecycle_ctx, session.aws()
    events_before = len(aws.audit_events(ctx))
    mark = session.bus().mark()
    notify_change(session, "Delete")
    profile = wait_for_status(session, "deleted")
    aws.wait_for_worker(timeout=WORKER_TIMEOUT_SECONDS)
    purged = wait_for_audit_event(session, "tenant_purged", after=events_before)
    profile = aws.profile(ctx) or profile
    left = Counter(
        str(item["SK"]).split("#", 1)[0]
        for item in aws.tenant_items(ctx)
        if not str(item["SK"]).startswith(("EVENT#", "PROFILE"))
    )
    expect(not left, f"the app still holds for {ctx}: {dict(left)}")
    mirrored = aws.mirror_counts(ctx)
    expect(not any(mirrored.values()), f"mirrored records of {ctx} remain: {mirrored}")
    trail = aws.audit_events(ctx)
    expect(len(trail) > events_before, f"the audit trail of {ctx} was not kept")
    removed = profile.get("removed") or {}
    said = ", ".join(f"{count} {kind}" for kind, count in sorted(removed.items()))
    session.say(
        f"the profile is a tombstone: status {profile.get('status')!r}, purged at "
        f"{profile.get('purged_at')} (removed: {said or 'nothing counted'})"
    )
    session.say(
        f"no secrets, provisioning records or sync state left; RecordsTable holds no "
        f"{ctx} records; audit trail kept: {len(trail)} events, the last "
        f"{purged.get('summary')!r}"
    )
    # The purge's removals went through RecordsTable's stream too: they are not deletions
    # in SuperOffice, so none may reach the bus. Give the relay the time it takes to
    # publish a change before saying so.
    time.sleep(STREAM_SETTLE_SECONDS)
    deleted = [
        event
        for event in session.bus().of(ctx, since=mark)
        if event["detail"]["change"] == "deleted"
    ]
    expect(not deleted, f"the purge was published as {len(deleted)} deletions")
    session.say("the purge's removals were not published as deletions on the bus")


# -- helpers -------------------------------------------------------------------------------


def _path(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).path


def _json(text: Any) -> dict[str, Any]:
    import json

    if isinstance(text, dict):
        return text
    value = json.loads(str(text))
    return value if isinstance(value, dict) else {}


def _day_before(updated: str) -> str:
    import datetime

    moment = datetime.datetime.fromisoformat(updated) - datetime.timedelta(days=1)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")
