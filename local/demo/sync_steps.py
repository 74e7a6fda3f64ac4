"""The sync, step by step: the worker mirrors, the dispatcher queues, the bus tells.

The install's last step queues a full sync; later changes come with the schedule, which
fires every 15 minutes (`SyncScheduleRate`): the demo does not wait for it but runs the
dispatcher itself with the schedule's event, as the runner does when the schedule fires.
Records are changed in SuperOffice quietly (no webhook), so what reaches the mirror came
through the scheduled sync; the delete in the user interface comes through the webhook.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any, Final

from local.demo.failures import expect
from local.demo.polling import wait_until
from local.demo.session import DemoSession
from local.demo.superoffice import mirror_differences

# A sync of the demo's tenants takes seconds; the bound also covers a message the
# stack's own schedule queued meanwhile (jittered by up to a minute) or one re-queued
# because the tenant was busy (30 s).
WORKER_TIMEOUT_SECONDS: Final = 90.0
EVENT_TIMEOUT_SECONDS: Final = 15.0
WEBHOOK_TIMEOUT_SECONDS: Final = 30.0
# The stream relay publishes a change within about 3 s locally: waiting longer than that
# shows that nothing more is coming.
STREAM_SETTLE_SECONDS: Final = 5.0


def mirror_and_superoffice(session: DemoSession, ctx: str) -> tuple[int, list[str]]:
    """How many records SuperOffice holds for `ctx`, and how the mirror differs from them."""
    superoffice = session.superoffice().records(ctx)
    mirror = {entity: session.aws().mirror(ctx, entity) for entity in superoffice}
    total = sum(len(records) for records in superoffice.values())
    return total, mirror_differences(mirror, superoffice)


def wait_for_matching_mirror(session: DemoSession, ctx: str, *, timeout: float = 20) -> int:
    """Until the mirror of `ctx` holds exactly SuperOffice's records; how many."""

    def probe() -> tuple[bool, str]:
        total, differences = mirror_and_superoffice(session, ctx)
        if not differences:
            return True, str(total)
        shown = "; ".join(differences[:3])
        return False, f"{len(differences)} differences, e.g. {shown}"

    return int(wait_until(f"the mirror of {ctx} matches SuperOffice", probe, timeout=timeout))


def run_schedule(session: DemoSession) -> dict[str, Any]:
    """The dispatcher as the schedule fires it, then the worker until SyncQueue is empty."""
    started = time.monotonic()
    schedule = session.aws().dispatch_schedule or "its schedule"
    report = session.aws().dispatch()
    session.aws().wait_for_worker(timeout=WORKER_TIMEOUT_SECONDS)
    session.say(
        f"the schedule's dispatcher (run now, as {schedule} runs it): "
        f"{report['tenants']} active tenant(s), {report['queued']} sync message(s) queued; "
        f"SyncWorkerFunction done in {time.monotonic() - started:.1f} s"
    )
    return report


def install_sync_mirrors(session: DemoSession) -> None:
    """The install queued a full sync as its last step; the worker mirrors everything."""
    ctx, aws = session.ctx, session.aws()
    started = time.monotonic()
    aws.wait_for_worker(timeout=WORKER_TIMEOUT_SECONDS)
    total = wait_for_matching_mirror(session, ctx)
    queued = [
        event
        for event in aws.audit_events(ctx)
        if str(event.get("kind", "")).startswith("initial_sync")
    ]
    if queued:
        session.say(f"audit trail: {queued[-1].get('summary')!r}")
    counts = aws.mirror_counts(ctx)
    shown = ", ".join(f"{count} {entity}" for entity, count in counts.items())
    session.say(
        f"SyncWorkerFunction done (waited {time.monotonic() - started:.1f} s); RecordsTable "
        f"holds {shown}: all {total} records of {ctx}, as in SuperOffice"
    )
    events = Counter(event["detail-type"] for event in session.bus().of(ctx))
    if events:
        said = ", ".join(f"{count} {kind!r}" for kind, count in sorted(events.items()))
        session.say(f"on the bus: {said}")


def changes_reach_the_mirror(session: DemoSession) -> None:
    ctx, superoffice = session.ctx, session.superoffice()
    records = superoffice.records(ctx)
    expect(records.get("contact"), f"{ctx} has no contacts in SuperOffice to change")
    contact_key = min(records["contact"])
    old_name = records["contact"][contact_key].get("name")
    new_name = f"Nordlys Renamed {time.strftime('%H:%M:%S')}"
    superoffice.save_record(ctx, "contact", {"name": new_name}, key=contact_key)
    person = superoffice.save_record(
        ctx,
        "person",
        {
            "firstname": "Demo",
            "lastname": f"Person {time.strftime('%H%M%S')}",
            "contact_id": contact_key,
            "title": "Buyer",
        },
    )
    person_key = int(person["primaryKey"])
    session.say(
        f"changed in SuperOffice, no webhook sent: contact {contact_key} renamed "
        f"{old_name!r} -> {new_name!r}; person {person_key} created"
    )
    mark = session.bus().mark()
    run_schedule(session)
    total = wait_for_matching_mirror(session, ctx)
    contact = session.aws().mirror(ctx, "contact").get(contact_key, {})
    expect(contact.get("name") == new_name, f"the mirror's contact {contact_key}: {contact}")
    expect(person_key in session.aws().mirror(ctx, "person"), f"person {person_key} not mirrored")
    session.say(
        f"the mirror: contact {contact_key} is {new_name!r}, person {person_key} is there; "
        f"all {total} records match SuperOffice"
    )

    wanted = {("contact", contact_key, "changed"), ("person", person_key, "created")}

    def probe() -> tuple[bool, str]:
        seen = {
            (event["detail"]["entity"], event["detail"]["primaryKey"], event["detail"]["change"])
            for event in session.bus().of(ctx, since=mark)
        }
        missing = wanted - seen
        return not missing, f"missing {sorted(missing)}"

    wait_until("the bus carries both changes", probe, timeout=EVENT_TIMEOUT_SECONDS)
    for event in session.bus().of(ctx, since=mark):
        detail = event["detail"]
        key = (detail["entity"], detail["primaryKey"], detail["change"])
        if key in wanted:
            wanted.discard(key)
            session.say(
                f"on the bus: {event['detail-type']!r} from {event['source']}: "
                f"{detail['entity']} {detail['primaryKey']}, updated {detail['updated']}"
            )


def delete_in_the_user_interface(session: DemoSession) -> None:
    """A person deleted in SuperOffice's user interface (soft: `DeletedDate` set) leaves the
    mirror through the webhook at once, published as deleted once; SuperOffice's later
    purge (`person.deleted`) finds nothing left to delete and publishes nothing."""
    ctx, aws, superoffice = session.lifecycle_ctx, session.aws(), session.superoffice()
    persons = superoffice.records(ctx).get("person") or {}
    mirrored = aws.mirror(ctx, "person")
    keys = sorted(key for key in persons if key in mirrored)
    expect(keys, f"{ctx} has no mirrored person to delete")
    key = keys[0]
    mark = session.bus().mark()
    answer = superoffice.soft_delete_record(ctx, "person", key, notify=True)
    expect(
        answer.get("webhooks"),
        "SuperOffice queued person.softdeleted for no webhook: the install subscribes to it",
    )
    session.say(
        f"a user deletes person {key} in SuperOffice: the row stays with DeletedDate "
        f"{answer['fieldValues'].get('DeletedDate')}; {answer['event']} for webhook(s) "
        f"{answer['webhooks']}"
    )

    def gone() -> tuple[bool, Any]:
        return key not in aws.mirror(ctx, "person"), f"person {key} still mirrored"

    wait_until(f"person {key} leaves the mirror", gone, timeout=WEBHOOK_TIMEOUT_SECONDS)

    def deletions() -> list[dict[str, Any]]:
        return [
            event
            for event in session.bus().of(ctx, since=mark)
            if (event["detail"]["entity"], event["detail"]["primaryKey"]) == ("person", key)
            and event["detail"]["change"] == "deleted"
        ]

    wait_until(
        "the bus carries the deletion",
        lambda: (bool(deletions()), "no deletion yet"),
        timeout=EVENT_TIMEOUT_SECONDS,
    )
    session.say(f"the targeted sync removed person {key} from the mirror; on the bus: deleted")
    purged = superoffice.purge_record(ctx, "person", key, notify=True)

    def delivered() -> tuple[bool, Any]:
        for hook in superoffice.webhooks(ctx):
            for attempt in hook["attempts"]:
                if attempt.get("event") == "person.deleted" and attempt.get("status") == 200:
                    return True, attempt
        return False, "no answered delivery of person.deleted yet"

    wait_until("SuperOffice delivers the purge", delivered, timeout=WEBHOOK_TIMEOUT_SECONDS)
    aws.wait_for_worker(timeout=WORKER_TIMEOUT_SECONDS)
    time.sleep(STREAM_SETTLE_SECONDS)
    count = len(deletions())
    expect(count == 1, f"person {key} was published as deleted {count} times, not once")
    session.say(
        f"SuperOffice purges person {key} later ({purged['event']}, delivered, the app "
        "answered 200): nothing left to delete, and the deletion is on the bus once"
    )
