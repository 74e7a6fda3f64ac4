"""Every sample event of NotificationWebhookFunction is answered, never with a 5xx."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import REPO, LambdaContext

pytestmark = pytest.mark.integration
EVENTS = sorted((REPO / "events" / "notification_webhook").glob("*.json"))


def test_there_are_samples_for_both_routes() -> None:
    routes = {json.loads(path.read_text())["routeKey"] for path in EVENTS}
    assert routes == {"POST /notifications/tenant-state", "POST /webhooks/crm/{ctx}"}


@pytest.mark.parametrize("path", EVENTS, ids=lambda p: p.name)
def test_event_is_answered_without_a_server_error(handler: ModuleType, path: Path) -> None:
    result = handler.lambda_handler(json.loads(path.read_text()), LambdaContext())
    # The samples are signed with throwaway keys: they are refused (401), never crash.
    assert 200 <= result["statusCode"] < 500
