"""Every sample event in events/ is accepted by its function's handler."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest

from tests.conftest import REPO, LambdaContext, load_function_module

EVENTS = sorted((REPO / "events").glob("*/*.json"))
LOCAL_SETTINGS = {
    "SUPEROFFICE_ENVIRONMENT": "local",
    "SUPEROFFICE_LOCAL_BASE_URL": "http://127.0.0.1:9",
    "SUPEROFFICE_CLIENT_ID": "local-dev-client",
    "APP_BASE_URL": "http://127.0.0.1:9",
    "POWERTOOLS_SERVICE_NAME": "events-test",
}
JWT_PAYLOAD = re.compile(r"eyJ[A-Za-z0-9_-]+\.(eyJ[A-Za-z0-9_-]+)\.[A-Za-z0-9_-]+")
SECRET_CLAIMS = ("system_token", "ticket", "refresh_token", "client_secret", "PRIVATE KEY")


def test_there_are_sample_events() -> None:
    assert EVENTS


# Functions whose handlers need no local services; the others' events are fed to their
# handlers in the integration tests (tests/integration/*/test_*_events.py).
SERVICE_FREE = ("token_validation",)


@pytest.mark.parametrize(
    "path",
    [path for path in EVENTS if path.parent.name in SERVICE_FREE],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_event_is_accepted_by_its_handler(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in LOCAL_SETTINGS.items():
        monkeypatch.setenv(key, value)
    module = load_function_module(path.parent.name)
    result = module.lambda_handler(json.loads(path.read_text()), LambdaContext())
    assert isinstance(result["isAuthorized"], bool)


@pytest.mark.parametrize("path", EVENTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_event_holds_no_secret(path: Path) -> None:
    """Neither in clear nor inside the payload of a token the event carries."""
    text = path.read_text()
    decoded = [
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode("utf-8", "replace")
        for payload in JWT_PAYLOAD.findall(text)
    ]
    for place in (text, *decoded):
        for needle in SECRET_CLAIMS:
            assert needle not in place
