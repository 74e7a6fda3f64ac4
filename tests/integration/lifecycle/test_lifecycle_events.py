"""Every sample event of the notification functions is answered, never with a 5xx."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import REPO, LambdaContext

pytestmark = pytest.mark.integration
FOLDER = REPO / "events" / "notification_webhook"
HTTP_EVENTS = sorted(p for p in FOLDER.glob("*.json") if "routeKey" in json.loads(p.read_text()))
QUEUE_EVENTS = sorted(p for p in FOLDER.glob("*.json") if "Records" in json.loads(p.read_text()))


def test_there_are_samples_for_both_routes_and_the_queue() -> None:
    routes = {json.loads(path.read_text())["routeKey"] for path in HTTP_EVENTS}
    assert routes == {"POST /notifications/tenant-state", "POST /webhooks/crm/{ctx}"}
    assert QUEUE_EVENTS
    assert len(HTTP_EVENTS) + len(QUEUE_EVENTS) == len(list(FOLDER.glob("*.json")))


@pytest.mark.parametrize("path", HTTP_EVENTS, ids=lambda p: p.name)
def test_event_is_answered_without_a_server_error(handler: ModuleType, path: Path) -> None:
    result = handler.lambda_handler(json.loads(path.read_text()), LambdaContext())
    # The samples are signed with throwaway keys: they are refused (401), never crash.
    assert 200 <= result["statusCode"] < 500


@pytest.mark.parametrize("path", QUEUE_EVENTS, ids=lambda p: p.name)
def test_queue_event_is_handled(confirm: ModuleType, path: Path) -> None:
    # Cust10001 is not a tenant of this test's table: handled (ignored), not failed.
    answer = confirm.lambda_handler(json.loads(path.read_text()), LambdaContext())
    assert answer == {"batchItemFailures": []}
