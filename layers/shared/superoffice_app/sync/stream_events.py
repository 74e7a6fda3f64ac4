"""RecordsTable's stream, relayed as record events on the stack's bus.

The sync worker only writes the mirror; the table's stream (new and old images) says
what each write did, and this relay publishes it: an INSERT is ``created``, a MODIFY
whose digest changed is ``changed``, a REMOVE is ``deleted`` with the last mirrored
values. Events therefore follow the writes that really happened, at least once (a batch
that fails is delivered again from its first unpublished record).

Not every REMOVE is a deletion in SuperOffice: an uninstall or a purged tenant empties
the mirror too. Those are not published: a change is relayed only while the app still
holds the tenant (its profile exists, is not uninstalled or deleted, and no purge is
under way). Both purges mark the tenant before they empty its mirror, so by the time the
stream delivers their REMOVEs the mark is there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from superoffice_app.context_ids import is_ctx
from superoffice_app.store.models import TenantProfile
from superoffice_app.store.statuses import PURGED_STATUSES
from superoffice_app.strict_json import loads_strict
from superoffice_app.superoffice.dates import parse_so_datetime

from .mirror import MirrorChange, MirrorRecord
from .publisher import EventPublisher, TenantChange

__all__ = ["RelayReport", "StreamRelay", "UnreadableRecord", "change_from_stream_record"]

_CHANGES: Final = {"INSERT": "created", "MODIFY": "changed", "REMOVE": "deleted"}


class UnreadableRecord(ValueError):
    """A stream record that is not a mirrored record (named in the message)."""


@dataclass
class RelayReport:
    """What one batch of stream records came to."""

    records: int = 0
    published: int = 0
    unchanged: int = 0  # a MODIFY that left timestamp and fields as they were
    not_held: int = 0  # the tenant was purged or uninstalled: not a SuperOffice change
    unreadable: list[str] = field(default_factory=list)  # sequence numbers, skipped
    # The first record not published: the stream delivers it and all after it again.
    failed_from: str | None = None


def change_from_stream_record(record: Mapping[str, Any]) -> TenantChange | None:
    """The tenant and change one DynamoDB stream record describes; None if no change."""
    name = record.get("eventName")
    change = _CHANGES.get(name) if isinstance(name, str) else None
    if change is None:
        raise UnreadableRecord(f"event {name!r} is not INSERT, MODIFY or REMOVE")
    data = record.get("dynamodb")
    if not isinstance(data, Mapping):
        raise UnreadableRecord("the record has no dynamodb section")
    image = data.get("OldImage" if change == "deleted" else "NewImage")
    if not isinstance(image, Mapping):
        raise UnreadableRecord(
            "the stream must carry new and old images (StreamViewType NEW_AND_OLD_IMAGES)"
        )
    ctx, entity, mirrored = _record(image)
    if change == "changed":
        old = data.get("OldImage")
        if isinstance(old, Mapping) and _string(old, "digest", "") == _string(image, "digest", ""):
            return None
    return TenantChange(ctx, MirrorChange(change, entity, mirrored))


def _record(image: Mapping[str, Any]) -> tuple[str, str, MirrorRecord]:
    pk = _string(image, "PK")
    ctx, separator, entity = pk.rpartition("#")
    if not separator or not is_ctx(ctx) or not entity:
        raise UnreadableRecord(f"PK {pk[:80]!r} is not '{{ctx}}#{{entity}}'")
    key_text = image.get("SK", {}).get("N") if isinstance(image.get("SK"), Mapping) else None
    if not isinstance(key_text, str) or not key_text.isdigit():
        raise UnreadableRecord(f"{pk}: SK is not a primary key number")
    try:
        updated = parse_so_datetime(_string(image, "updated"))
        fields = loads_strict(_string(image, "fields"))
    except ValueError as error:
        raise UnreadableRecord(f"{pk}/{key_text}: {error}") from None
    if not isinstance(fields, dict):
        raise UnreadableRecord(f"{pk}/{key_text}: fields is not a JSON object")
    return ctx, entity, MirrorRecord(int(key_text), updated, fields)


def _string(image: Mapping[str, Any], name: str, default: str | None = None) -> str:
    value = image.get(name)
    text = value.get("S") if isinstance(value, Mapping) else None
    if isinstance(text, str):
        return text
    if default is not None:
        return default
    raise UnreadableRecord(f"the image has no text attribute {name!r}")


def holds_tenant(profile: TenantProfile | None) -> bool:
    """Whether the app still holds the tenant, so its mirror changes are real ones."""
    return (
        profile is not None and profile.status not in PURGED_STATUSES and not profile.purge_pending
    )


class StreamRelay:
    """Publishes a batch of RecordsTable stream records; says where a retry must start."""

    def __init__(
        self,
        publisher: EventPublisher,
        profile: Callable[[str], TenantProfile | None],
    ) -> None:
        self._publisher = publisher
        self._profile = profile

    def relay(self, records: Sequence[Mapping[str, Any]]) -> RelayReport:
        report = RelayReport(records=len(records))
        held: dict[str, bool] = {}  # one profile read per tenant per batch
        to_publish: list[TenantChange] = []
        sequences: list[str] = []
        for record in records:
            sequence = _sequence(record)
            try:
                found = change_from_stream_record(record)
            except UnreadableRecord as error:
                # Blocking the shard on it would hold back every later change of every
                # tenant; it is logged (by sequence number) and counted instead.
                report.unreadable.append(f"{sequence}: {error}")
                continue
            if found is None:
                report.unchanged += 1
                continue
            if found.ctx not in held:
                held[found.ctx] = holds_tenant(self._profile(found.ctx))
            if not held[found.ctx]:
                report.not_held += 1
                continue
            to_publish.append(found)
            sequences.append(sequence)
        failed = self._publisher.publish(to_publish) if to_publish else []
        report.published = len(to_publish) - len(failed)
        if failed:
            report.failed_from = sequences[failed[0]]
        return report


def _sequence(record: Mapping[str, Any]) -> str:
    data = record.get("dynamodb")
    sequence = data.get("SequenceNumber") if isinstance(data, Mapping) else None
    return str(sequence) if sequence is not None else ""
