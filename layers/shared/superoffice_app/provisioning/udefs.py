"""User-defined fields: add the app's fields to an entity's layout, publish, and remove them.

Fields are identified by ProgId, never by id: ids change when the layout is published.
The layout is replaced as a whole (``PUT``), so existing fields are always sent back as
SuperOffice returned them. Publishing waits, bounded, for any other publish to finish.

Crash safety: a missing field is recorded (unpublished, without id) *before* the layout
is written. A rerun that finds a field whose record says "unpublished" knows the earlier
run stopped between writing and publishing, and publishes. A field found without any
record (a sandbox cloned from production) was published where it was created.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Final

from superoffice_app.superoffice.http import SuperOfficeUnavailable, UnexpectedResponse
from superoffice_app.superoffice.rest import TenantApi

from .answers import entries, identifier, record, segment
from .items import ProvisionedItem
from .reports import Progress
from .spec import UdefFieldSpec

__all__ = [
    "PublishStillBusy",
    "PublishWait",
    "delete_field",
    "provision_fields",
    "publish_layout",
    "udef_item",
]

PUBLISHED: Final = "published"


class PublishStillBusy(SuperOfficeUnavailable):
    """Another publish of the layout kept running longer than the wait allows."""


@dataclass(frozen=True)
class PublishWait:
    """How long to wait for a layout publish in progress, and how to wait (tests)."""

    timeout_seconds: float = 60.0
    interval_seconds: float = 2.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    monotonic: Callable[[], float] = field(default=time.monotonic, repr=False)


def layout_path(entity: str) -> str:
    return f"/v1/{segment(entity)}/UdefLayout"


def operation_id(entity: str, name: str) -> str:
    """SuperOffice's operationId of an entity's UdefLayout operation (``GetUdefLayout``)."""
    return f"v1{entity}Entity_{name}"


def udef_item(spec: UdefFieldSpec, field_id: str | None, *, published: bool) -> ProvisionedItem:
    return ProvisionedItem(
        kind="udef",
        key=spec.prog_id,
        superoffice_id=field_id,
        name=spec.label,
        details={"entity": spec.entity, "field_type": spec.field_type, PUBLISHED: published},
    )


def provision_fields(
    entity: str,
    fields: Iterable[UdefFieldSpec],
    api: TenantApi,
    progress: Progress,
    wait: PublishWait,
) -> bool:
    """Make ``fields`` (all of ``entity``) exist and be published; True if it published."""
    wanted = list(fields)
    path = layout_path(entity)
    layout = _layout(api, entity)
    unpublished = {
        item.key
        for item in progress.recorded()
        if item.kind == "udef" and item.details.get(PUBLISHED) is False
    }
    present = _by_prog_id(layout)
    finished: set[str] = set()  # ProgIds found and published: nothing to do
    pending: set[str] = set()  # found, but an earlier run did not publish them
    missing: list[UdefFieldSpec] = []
    for spec in wanted:
        if spec.prog_id not in present:
            missing.append(spec)
            continue
        is_pending = spec.prog_id in unpublished
        (pending if is_pending else finished).add(spec.prog_id)
        found = udef_item(spec, _field_id(present[spec.prog_id]), published=not is_pending)
        progress.found(found)
    if missing:
        templates = [_template(api, entity, spec) for spec in missing]
        for spec in missing:
            progress.intend(udef_item(spec, None, published=False))
        api.put(path, json=[*layout, *templates])
    if not missing and not pending:
        return False
    publish_layout(api, entity, wait)
    present = _by_prog_id(_layout(api, entity))
    for spec in wanted:
        if spec.prog_id not in present:
            raise UnexpectedResponse(f"{entity} field {spec.prog_id} is missing after publishing")
        item = udef_item(spec, _field_id(present[spec.prog_id]), published=True)
        if spec.prog_id in finished:
            progress.found(item)
        else:
            progress.created(item)
    return True


def publish_layout(api: TenantApi, entity: str, wait: PublishWait) -> None:
    """Publish ``entity``'s layout once no other publish runs, and wait for it to end."""
    path = layout_path(entity) + "/Publish"
    _wait_until_idle(api, path, entity, wait)
    api.post(path)
    # Ids change on publish: the caller re-reads the layout only after it has finished.
    _wait_until_idle(api, path, entity, wait)


def delete_field(api: TenantApi, entity: str, prog_id: str) -> None:
    """Remove a field from the (unpublished) layout; ``publish_layout`` makes it final."""
    api.delete(f"{layout_path(entity)}/{segment(prog_id)}")


def _wait_until_idle(api: TenantApi, path: str, entity: str, wait: PublishWait) -> None:
    deadline = wait.monotonic() + wait.timeout_seconds
    while True:
        busy = api.fetch(
            "GET", path, _publishing, operation=operation_id(entity, "IsPublishUdefLayoutActive")
        )
        if not busy:
            return
        if wait.monotonic() + wait.interval_seconds > deadline:
            raise PublishStillBusy(
                f"the {entity} field layout is still being published after "
                f"{wait.timeout_seconds:g} s",
                retry_after_seconds=wait.interval_seconds,
            )
        wait.sleep(wait.interval_seconds)


def _publishing(answer: Any) -> bool:
    if not isinstance(answer, bool):
        raise UnexpectedResponse("whether a publish is running: expected true or false")
    return answer


def _layout(api: TenantApi, entity: str) -> list[dict[str, Any]]:
    return api.fetch(
        "GET",
        layout_path(entity),
        partial(entries, what=f"the {entity} field layout"),
        operation=operation_id(entity, "GetUdefLayout"),
    )


def _by_prog_id(layout: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        entry["ProgId"]: entry
        for entry in layout
        if isinstance(entry.get("ProgId"), str) and entry["ProgId"]
    }


def _field_id(entry: dict[str, Any]) -> str | None:
    try:
        return identifier(entry, "UDefFieldId", "udef layout")
    except UnexpectedResponse:
        return None  # not saved yet (id 0): known after publishing


def _template(api: TenantApi, entity: str, spec: UdefFieldSpec) -> dict[str, Any]:
    """SuperOffice's template for a new field (placed by SuperOffice), filled in."""
    template = api.fetch(
        "POST",
        layout_path(entity),
        partial(record, what=f"the new {entity} field's template"),
        operation=operation_id(entity, "AddUdefField"),
        params={"udefFieldType": spec.field_type},
    )
    filled = dict(template)
    filled.update(spec.attributes)
    filled["ProgId"] = spec.prog_id
    filled["FieldLabel"] = spec.label
    if spec.tooltip:
        filled["Tooltip"] = spec.tooltip
    return filled
