"""What a provisioning or uninstall run did, as frozen values that render as JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal

from superoffice_app.superoffice.http import UnexpectedResponse

from .items import ProvisionedItem, Recorder

__all__ = [
    "ItemOutcome",
    "OutcomeResult",
    "Progress",
    "ProvisioningReport",
    "UninstallReport",
]

OutcomeResult = Literal["removed", "already_gone", "failed", "not_attempted"]
_GONE: Final = frozenset({"removed", "already_gone"})


@dataclass(frozen=True)
class ProvisioningReport:
    """Items this run created and items it found already there (all now recorded)."""

    ctx: str
    created: tuple[ProvisionedItem, ...]
    found: tuple[ProvisionedItem, ...]
    published_entities: tuple[str, ...]
    """Entities whose user-defined field layout this run published."""
    requests: int
    """REST requests the run made, for the management page."""

    @property
    def items(self) -> tuple[ProvisionedItem, ...]:
        return self.created + self.found

    def as_json(self) -> dict[str, Any]:
        return {
            "ctx": self.ctx,
            "created": [item.as_json() for item in self.created],
            "found": [item.as_json() for item in self.found],
            "published_entities": list(self.published_entities),
            "requests": self.requests,
        }


@dataclass(frozen=True)
class ItemOutcome:
    """What uninstall did with one recorded item; ``message`` is safe to show and log."""

    item: ProvisionedItem
    result: OutcomeResult
    message: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"item": self.item.as_json(), "result": self.result, "message": self.message}


@dataclass(frozen=True)
class UninstallReport:
    """Per recorded item: removed, already gone, failed or not attempted.

    ``stopped`` says why the run ended early (access revoked, SuperOffice unavailable);
    with ``access_revoked`` the app can do nothing more and ``left_for_administrator``
    is the list for the customer's administrator to remove by hand. ``unexpected`` holds
    the answers of SuperOffice's that did not fit (their items failed), in order.
    """

    ctx: str
    outcomes: tuple[ItemOutcome, ...]
    access_revoked: bool
    stopped: str | None
    requests: int
    unexpected: tuple[UnexpectedResponse, ...] = ()

    @property
    def complete(self) -> bool:
        """Every recorded item is gone from the tenant."""
        return all(outcome.result in _GONE for outcome in self.outcomes)

    @property
    def gone(self) -> tuple[ProvisionedItem, ...]:
        """Items no longer in the tenant: their records can be dropped."""
        return tuple(o.item for o in self.outcomes if o.result in _GONE)

    @property
    def left_for_administrator(self) -> tuple[ProvisionedItem, ...]:
        """Items still in the tenant (or possibly so)."""
        return tuple(o.item for o in self.outcomes if o.result not in _GONE)

    def as_json(self) -> dict[str, Any]:
        return {
            "ctx": self.ctx,
            "complete": self.complete,
            "access_revoked": self.access_revoked,
            "stopped": self.stopped,
            "requests": self.requests,
            # The excerpts are for logs only.
            "unexpected_answers": [
                {"operation": error.operation, "status": error.status} for error in self.unexpected
            ],
            "outcomes": [outcome.as_json() for outcome in self.outcomes],
            "left_for_administrator": [
                {"kind": item.kind, "key": item.key, "name": item.name}
                for item in self.left_for_administrator
            ],
        }


class Progress:
    """Records items as a run finds or creates them, and remembers which was which."""

    def __init__(self, recorder: Recorder) -> None:
        self._recorder = recorder
        self._created: dict[tuple[str, str], ProvisionedItem] = {}
        self._found: dict[tuple[str, str], ProvisionedItem] = {}

    def recorded(self) -> list[ProvisionedItem]:
        return self._recorder.recorded()

    def intend(self, item: ProvisionedItem) -> None:
        """Record an item about to be created (write-ahead), without counting it yet."""
        self._recorder.record(item)

    def found(self, item: ProvisionedItem) -> None:
        self._recorder.record(item)
        if item.identity in self._created:
            self._created[item.identity] = item  # created earlier in this run: keep it there
        else:
            self._found[item.identity] = item

    def created(self, item: ProvisionedItem) -> None:
        self._recorder.record(item)
        self._found.pop(item.identity, None)
        self._created[item.identity] = item

    def report(
        self, *, ctx: str, published_entities: tuple[str, ...], requests: int
    ) -> ProvisioningReport:
        return ProvisioningReport(
            ctx=ctx,
            created=tuple(self._created.values()),
            found=tuple(self._found.values()),
            published_entities=published_entities,
            requests=requests,
        )
