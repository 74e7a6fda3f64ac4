"""The figures `make bench` measured that the cost model uses, read from bench/results/.

Each is derived from one recorded field, named beside it in `SOURCES`, so the document can
say where every number comes from. A field a benchmark stops recording fails loudly here
rather than silently turning into an assumption.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

__all__ = ["SOURCES", "Measured", "SyncCalls", "read_measured"]

RESULTS = Path(__file__).resolve().parents[1] / "results"

# Where each field of `Measured` comes from (shown in the document).
SOURCES: Final = {
    "recorded": "`when` of sync.json and dispatcher.json",
    "idle_rest_per_entity": "sync.json `idle.idle_sync_warm_instance.superoffice.byArea.rest`"
    " / len(`idle.entities`)",
    "idle_calls": "sync.json `idle.idle_sync_warm_instance.aws_calls`, split per entity"
    " (see the formula)",
    "idle_sync_ms": "sync.json `idle.idle_sync_warm_instance.ms`",
    "ms_per_record": "sync.json `throughput.sync_breakdown.seconds` / `throughput.contacts`",
    "page_size": "sync.json `throughput.page_size`",
    "writes_per_page": "sync.json `throughput.sync_breakdown.calls`: (update_item LEASE +"
    " put_item SYNC) / superoffice archive query",
    "relay_ms_per_event": "sync.json `relay.seconds` / `relay.events`",
    "index_bytes_per_tenant": "dispatcher.json `dispatcher.index_entry_bytes.mean`",
    "send_calls_per_tenant": "dispatcher.json `dispatcher.dispatcher.send_calls` /"
    " `dispatcher.dispatcher.queued`",
    "dispatch_ms_per_tenant": "dispatcher.json `dispatcher.dispatcher.seconds` /"
    " `dispatcher.tenants`",
    "authorizer_ms": "token_validation.json `warm.authorizer_distinct_tokens.p50_us` / 1000",
}


@dataclass(frozen=True)
class SyncCalls:
    """AWS calls of one idle sync: those made once, and those made once per entity."""

    fixed: dict[str, int]
    per_entity: dict[str, int]


@dataclass(frozen=True)
class Measured:
    recorded: str
    idle_rest_per_entity: float
    idle_calls: SyncCalls
    idle_sync_ms: float
    ms_per_record: float
    page_size: int
    writes_per_page: float
    relay_ms_per_event: float
    index_bytes_per_tenant: float
    send_calls_per_tenant: float
    dispatch_ms_per_tenant: float
    authorizer_ms: float


def split_per_entity(calls: dict[str, int], entities: int) -> SyncCalls:
    """A call made at least once per entity counts per entity; the remainder per sync.

    The idle sync of the benchmark mirrors ``entities`` entities: its 5 checkpoint writes
    with 4 entities are one per entity plus the run record, its 1 index query is per sync.
    """
    fixed = {label: count % entities for label, count in calls.items() if count % entities}
    per_entity = {label: count // entities for label, count in calls.items() if count >= entities}
    return SyncCalls(fixed=fixed, per_entity=per_entity)


def read_measured(results: Path = RESULTS) -> Measured:
    sync = _read(results / "sync.json")
    dispatch = _read(results / "dispatcher.json")
    tokens = _read(results / "token_validation.json")
    idle = sync["idle"]
    warm = idle["idle_sync_warm_instance"]
    entities = len(idle["entities"])
    speed = sync["throughput"]
    breakdown = speed["sync_breakdown"]["calls"]
    pages = breakdown["superoffice archive query"]["calls"]
    run = dispatch["dispatcher"]
    return Measured(
        recorded=f"sync {sync['when']}, dispatcher {dispatch['when']}",
        idle_rest_per_entity=warm["superoffice"]["byArea"]["rest"] / entities,
        idle_calls=split_per_entity(warm["aws_calls"], entities),
        idle_sync_ms=float(warm["ms"]),
        ms_per_record=speed["sync_breakdown"]["seconds"] * 1000 / speed["contacts"],
        page_size=int(speed["page_size"]),
        writes_per_page=(
            breakdown["update_item TENANTS LEASE"]["calls"]
            + breakdown["put_item TENANTS SYNC"]["calls"]
        )
        / pages,
        relay_ms_per_event=sync["relay"]["seconds"] * 1000 / sync["relay"]["events"],
        index_bytes_per_tenant=float(run["index_entry_bytes"]["mean"]),
        send_calls_per_tenant=run["dispatcher"]["send_calls"] / run["dispatcher"]["queued"],
        dispatch_ms_per_tenant=run["dispatcher"]["seconds"] * 1000 / run["tenants"],
        authorizer_ms=tokens["warm"]["authorizer_distinct_tokens"]["p50_us"] / 1000,
    )


def _read(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return loaded
