"""The management page's "Sync" section: the tenant's sync state in words people read.

Built from the ``SYNC#`` items the sync worker writes (``SyncStateStore``) and the
tenant's profile, never from SuperOffice, so it renders while SuperOffice is down and
before the first sync ran ("not synced yet"). Times are ISO 8601 for machines and
"5 minutes ago" for people; the last error is turned into plain words: the stored text
is the worker's, and may name an HTTP status or a protocol detail.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from superoffice_app.store import PURGED_STATUSES, TenantProfile, TenantStatus

from .state import EntitySyncState, SyncStateStore, TenantSyncState

__all__ = [
    "ENTITY_NAMES",
    "SyncSection",
    "ago",
    "duration_words",
    "entity_name",
    "plain_error",
    "sync_view",
]

ENTITY_NAMES: Final = {
    "contact": "Companies",
    "person": "Contact persons",
    "sale": "Sales",
    "project": "Projects",
}

REASON_TEXT: Final = {
    "schedule": "the regular schedule",
    "continuation": "continuing a run that had more to do",
    "install": "the first full sync after the installation",
    "resume": "SuperOffice running the tenant again",
    "full_resync": "a full resync (after SuperOffice restored the tenant)",
    "manual": "an administrator resuming syncing",
}

STATE_TEXT: Final = {
    "on": (
        "Syncing is on: the app reads the changes in SuperOffice regularly and whenever "
        "SuperOffice reports one."
    ),
    "paused": (
        "Syncing is paused: the app reads nothing from SuperOffice for this tenant until an "
        "administrator resumes it."
    ),
    "waiting": (
        "Syncing is on, but waits: the app syncs only while it is installed and the tenant "
        "is running."
    ),
    "off": "The app does not sync this tenant: it is not installed.",
}

# The longest server text quoted to people.
MAX_QUOTE: Final = 200
_API_ERROR: Final = re.compile(r"SuperOffice answered (\d{3})(?: [^:]*)?: (.*)", re.DOTALL)
# "archive query: the answer is not JSON" and the like (UnexpectedResponse).
_UNEXPECTED: Final = re.compile(r"^[A-Za-z][\w .-]{0,40}: .*\b(answer|row|key|column)", re.DOTALL)
_UNAVAILABLE: Final = re.compile(r"timed out|no connection|answered 5\d\d|answered 429")
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
_NO_DETAILS: Final = "no error details"


def entity_name(entity: str) -> str:
    return ENTITY_NAMES.get(entity, entity.replace("_", " ").capitalize())


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def duration_words(seconds: float) -> str:
    """A duration as people say it: "under a minute", "5 minutes", "3 hours", "2 days"."""
    whole = max(0, int(seconds))
    if whole < 60:
        return "under a minute"
    minutes = whole // 60
    if minutes < 60:
        return _plural(minutes, "minute")
    hours = minutes // 60
    if hours < 48:
        return _plural(hours, "hour")
    return _plural(hours // 24, "day")


def ago(moment: datetime | None, now: datetime) -> str | None:
    """ "5 minutes ago" ("just now" under a minute, and for a clock running slightly ahead)."""
    if moment is None:
        return None
    seconds = (now - moment).total_seconds()
    if seconds < 60:
        return "just now"
    return duration_words(seconds) + " ago"


def _clean(text: str) -> str:
    """One line, no control characters, at most MAX_QUOTE characters."""
    line = _CONTROL.sub(" ", text).strip()
    if len(line) > MAX_QUOTE:
        line = line[: MAX_QUOTE - 1].rstrip() + "…"
    return line


def _sentence(text: str) -> str:
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def plain_error(text: str | None, entity: str) -> str | None:
    """The worker's last error for ``entity`` as a sentence an administrator can act on."""
    if not text or not text.strip():
        return None
    what = entity_name(entity).lower()
    if "Traceback" in text or 'File "' in text:
        return f"The last sync of {what} failed; the app tries again at the next sync."
    api = _API_ERROR.search(text)
    if api is not None and not _UNAVAILABLE.search(text):
        status, message = int(api.group(1)), _clean(api.group(2))
        if status == 401:
            sentence = (
                "SuperOffice did not accept the app's credentials; the app renews them and "
                "tries again at the next sync."
            )
        elif status == 403:
            sentence = (
                f"SuperOffice did not let the app read {what}. An administrator may need to "
                "give the app's system user access to them."
            )
        elif status == 404:
            sentence = f"SuperOffice did not find what the app asked for while reading {what}."
        else:
            sentence = f"SuperOffice refused the app's request for {what} (error {status})."
        if message and message != _NO_DETAILS:
            sentence += f" SuperOffice said: “{message.rstrip('.')}”."
        return sentence
    if _UNAVAILABLE.search(text):
        return "SuperOffice did not answer in time; the sync continues later."
    if _UNEXPECTED.search(text):
        return (
            f"SuperOffice's answer for {what} was not what the app expected; it tries again "
            "at the next sync. If this keeps happening, contact support."
        )
    return _sentence(_clean(text))


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def sync_state(profile: TenantProfile) -> str:
    """``on``, ``paused``, ``waiting`` (installing, suspended, ...) or ``off`` (removed)."""
    if profile.status in PURGED_STATUSES:
        return "off"
    if profile.sync_paused:
        return "paused"
    return "on" if profile.status is TenantStatus.ACTIVE else "waiting"


def _entity_row(state: EntitySyncState, now: datetime) -> dict[str, Any]:
    success = state.last_success_at
    lag = (now - success).total_seconds() if success is not None else None
    notes: list[str] = []
    if state.in_progress:
        notes.append("a run stopped part-way and continues")
    if state.full_resync:
        notes.append("a full sync is pending")
    return {
        "entity": state.entity,
        "name": entity_name(state.entity),
        "synced": success is not None,
        "last_success_at": _iso(success),
        "last_success_ago": ago(success, now),
        "lag_seconds": max(0, int(lag)) if lag is not None else None,
        "lag": duration_words(lag) if lag is not None else None,
        "records_mirrored": state.records_mirrored,
        "last_error": plain_error(state.last_error, state.entity),
        "last_error_at": _iso(state.last_error_at) if state.last_error else None,
        "requests_last_run": state.requests_last_run,
        "requests_total": state.requests_total,
        "in_progress": state.in_progress,
        "full_sync_pending": state.full_resync,
        "note": "; ".join(notes) or None,
    }


def sync_view(
    profile: TenantProfile,
    entities: Sequence[EntitySyncState],
    tenant: TenantSyncState,
    *,
    now: datetime,
) -> dict[str, Any]:
    """The "sync" part of ``tenant_view``: switch state, one row per entity, totals."""
    state = sync_state(profile)
    reason = tenant.last_run_reason
    return {
        "state": state,
        "paused": profile.sync_paused,
        "status_text": STATE_TEXT[state],
        "can_pause": state in ("on", "waiting"),
        "can_resume": state == "paused",
        "synced_yet": tenant.runs > 0 or any(e.last_success_at for e in entities),
        "entities": [_entity_row(entity, now) for entity in entities],
        "totals": {
            "requests_total": tenant.requests_total,
            "runs": tenant.runs,
            "last_run_at": _iso(tenant.last_run_at),
            "last_run_ago": ago(tenant.last_run_at, now),
            "last_run_reason": reason,
            "last_run_reason_text": REASON_TEXT.get(reason, reason) if reason else None,
        },
    }


class SyncSection:
    """The management page's sync section of a tenant: its stored states, in words.

    Handed to ``onboarding.management.tenant_view`` by the wiring, so the page shows the
    sync without onboarding knowing how the sync keeps its state.
    """

    def __init__(self, states: SyncStateStore, entities: Sequence[str]) -> None:
        self._states = states
        self._entities = tuple(entities)  # the configured SYNC_ENTITIES, in that order

    def __call__(self, profile: TenantProfile, now: datetime) -> dict[str, Any]:
        return sync_view(
            profile,
            self._states.entities(profile.ctx, self._entities),
            self._states.tenant(profile.ctx),
            now=now,
        )
