"""The shipped webhook subscribes to SuperOffice's documented events the sync needs."""

from __future__ import annotations

import json
from pathlib import Path

from superoffice_app.provisioning.spec import load_spec
from superoffice_app.sync.entities import DEFAULT_ENTITIES, SOFT_DELETE_ENTITIES

# SuperOffice's webhook events as its reference documents them (the contract's copy).
EVENTS = Path(__file__).parents[3] / "local" / "simulator" / "contract" / "webhook-events.json"


def test_every_event_of_every_synced_entity_is_subscribed_and_documented() -> None:
    documented = json.loads(EVENTS.read_text(encoding="utf-8"))
    (webhook,) = load_spec(app_base_url="https://app.example.com").webhooks
    subscribed = set(webhook.events)
    known = {event for events in documented["events"].values() for event in events}
    assert subscribed <= known, sorted(subscribed - known)
    for entity in DEFAULT_ENTITIES:
        # Each of an entity's events changes the mirror: a delete in the user interface
        # (softdeleted) as much as a removal for good.
        assert set(documented["events"][entity]) <= subscribed, entity
    assert set(documented["softDeleted"]) == SOFT_DELETE_ENTITIES
