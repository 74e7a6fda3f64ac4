"""Archive answers in the shape SuperOffice documents, in its other shape, and answers that
fit neither: said clearly, nothing mirrored lost, the next run completes.

The simulator answers as documented; a transport between the app and the simulator
rewrites its archive answers, as a SuperOffice answering otherwise would.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from superoffice_app.superoffice.http import new_http_client
from superoffice_app.superoffice.rest import TenantApi
from superoffice_app.sync.status import plain_error
from tests.integration.sync.conftest import SyncHarness
from tests.integration.sync.sync_helpers import Control, budget, message

pytestmark = pytest.mark.integration

CTX = "Cust10002"
ENTITIES = ("contact", "person", "sale", "project")
# An archive answer as it came from the simulator -> what the app receives instead (None:
# unchanged). Gets the query's `$select` to tell the entities apart.
Rewrite = Callable[[str, Any], Any]


class RewritingTransport(httpx.HTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.rewrite: Rewrite | None = None
        self.rewritten = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if self.rewrite is None or not request.url.path.endswith("/v1/Archive/dynamic"):
            return response
        response.read()
        select = parse_qs(request.url.query.decode()).get("$select", [""])[0]
        answer = self.rewrite(select, response.json())
        if answer is None:
            return response
        self.rewritten += 1
        content = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
        return httpx.Response(
            response.status_code,
            headers={"Content-Type": "application/json; charset=utf-8"},
            content=content,
            request=request,
        )


@pytest.fixture
def transport(harness: SyncHarness, monkeypatch: pytest.MonkeyPatch) -> RewritingTransport:
    """Every tenant API call of the worker goes through the rewriting transport."""
    rewriting = RewritingTransport()
    http = new_http_client(timeout_seconds=5, transport=rewriting)
    onboarding = harness.wiring.access

    def tenant_api(ctx: str) -> TenantApi:
        return TenantApi(
            http,
            ctx=ctx,
            state_api=onboarding.state_api,
            tickets=onboarding.tickets,
            app_token=onboarding.secrets.client_secret(),
        )

    monkeypatch.setattr(harness.wiring.worker, "_tenant_api", tenant_api)
    return rewriting


@pytest.fixture
def control(harness: SyncHarness) -> Control:
    return Control(harness.simulator.base_url)


def sync(harness: SyncHarness, **extra: Any) -> Any:
    body = {"kind": "sync", "ctx": CTX, "reason": "schedule", **extra}
    return harness.wiring.worker.handle(message(body), budget())


def entity_report(outcome: Any, entity: str) -> dict[str, Any]:
    (report,) = [item for item in outcome.entities if item["entity"] == entity]
    return dict(report)


def test_a_bare_array_of_rows_is_read_as_the_envelope_is(
    harness: SyncHarness, transport: RewritingTransport
) -> None:
    transport.rewrite = lambda _select, answer: answer["value"]
    harness.install(CTX)
    outcome = sync(harness)
    assert outcome.status == "done"
    assert outcome.errors == 0
    assert transport.rewritten >= len(ENTITIES)
    for entity in ENTITIES:
        assert sorted(harness.mirrored(CTX, entity)) == sorted(
            harness.simulator_records(CTX, entity)
        )


@pytest.mark.parametrize(
    "unexpected",
    [
        lambda answer: {"odata.metadata": answer["odata.metadata"], "rows": answer["value"]},
        lambda answer: {"value": [{**row, "contact.updated": "soon"} for row in answer["value"]]},
        lambda _answer: b"<html>Service temporarily moved</html>",
    ],
    ids=["no-rows", "unreadable-updated", "not-json"],
)
def test_an_answer_that_does_not_fit_stops_only_its_entity_and_the_next_run_completes(
    harness: SyncHarness,
    transport: RewritingTransport,
    control: Control,
    unexpected: Callable[[Any], Any],
) -> None:
    harness.install(CTX)
    assert sync(harness).errors == 0
    before = harness.mirrored(CTX, "contact")
    contact = min(before)
    control.save(CTX, "contact", {"name": "Renamed while SuperOffice misbehaves"}, id=contact)
    person = min(harness.simulator_records(CTX, "person"))
    control.save(CTX, "person", {"firstname": "Changed too"}, id=person)
    transport.rewrite = lambda select, answer: (
        unexpected(answer) if select.startswith("contact.") else None
    )
    outcome = sync(harness)
    assert outcome.status == "done"
    assert outcome.errors == 1
    report = entity_report(outcome, "contact")
    assert report["complete"] is False
    assert report["error"].startswith("v1Archive_GetArchive_GET")
    # What the log line shows: the operation, the status and the start of the answer.
    answer = report["answer"]
    assert (answer["operation"], answer["status"]) == ("v1Archive_GetArchive_GET", 200)
    assert 0 < len(answer["excerpt"]) <= 160
    ticket = harness.wiring.access.tickets.current(CTX).reveal()
    assert ticket not in json.dumps(outcome.entities)
    # Nothing mirrored is lost or half-written; the other entities went on.
    assert harness.mirrored(CTX, "contact") == before
    assert harness.mirrored(CTX, "person")[person]["firstname"] == "Changed too"
    assert all(entity_report(outcome, e)["complete"] for e in ENTITIES if e != "contact")
    # The management page: SuperOffice answered something unexpected, not a refusal.
    state = harness.wiring.worker._states.entity(CTX, "contact")
    shown = plain_error(state.last_error, "contact")
    assert shown is not None
    assert "not what the app expected" in shown
    assert "refused" not in shown
    assert ticket not in (state.last_error or "")

    transport.rewrite = None
    outcome = sync(harness)
    assert (outcome.status, outcome.errors) == ("done", 0)
    mirrored = harness.mirrored(CTX, "contact")
    assert mirrored[contact]["name"] == "Renamed while SuperOffice misbehaves"
    assert sorted(mirrored) == sorted(harness.simulator_records(CTX, "contact"))
    assert harness.wiring.worker._states.entity(CTX, "contact").last_error is None


def test_a_targeted_sync_given_an_unexpected_answer_is_done_with_and_keeps_the_mirror(
    harness: SyncHarness, transport: RewritingTransport, control: Control
) -> None:
    harness.install(CTX)
    sync(harness)
    key = min(harness.mirrored(CTX, "project"))
    before = harness.mirrored(CTX, "project")[key]
    control.save(CTX, "project", {"name": "Renamed"}, id=key)
    transport.rewrite = lambda _select, answer: {"value": "not rows"}
    record = {"kind": "record", "ctx": CTX, "entity": "project", "primary_key": key}
    outcome = harness.wiring.worker.handle(message(record), budget())
    # Acknowledged, not left to SQS's redrive: the next scheduled sync reads it again.
    assert (outcome.status, outcome.errors) == ("done", 1)
    assert entity_report(outcome, "project")["answer"]["operation"] == "v1Archive_GetArchive_GET"
    assert harness.mirrored(CTX, "project")[key] == before
    assert harness.wiring.worker._states.entity(CTX, "project").last_error is not None
    transport.rewrite = None
    assert sync(harness, entities=["project"]).errors == 0
    assert harness.mirrored(CTX, "project")[key]["name"] == "Renamed"
