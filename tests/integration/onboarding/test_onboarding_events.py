"""Every sample event of RedirectCallbackFunction in events/ is accepted by its handler."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import REPO, LambdaContext

pytestmark = pytest.mark.integration
EVENTS = sorted((REPO / "events" / "redirect_callback").glob("*.json"))


def test_every_route_has_a_sample_event() -> None:
    template = (REPO / "template.yaml").read_text()
    paths = {json.loads(path.read_text())["routeKey"] for path in EVENTS}
    for route in paths:
        _, _, route_path = route.partition(" ")
        assert f"Path: {route_path}" in template, route
    assert len(paths) >= 9


@pytest.mark.parametrize("path", EVENTS, ids=lambda p: p.name)
def test_event_is_answered_without_a_server_error(handler: ModuleType, path: Path) -> None:
    result = handler.lambda_handler(json.loads(path.read_text()), LambdaContext())
    assert 200 <= result["statusCode"] < 500, (path.name, result["statusCode"])
    assert result["headers"]["Cache-Control"]
