import json

import pytest

from superoffice_app.config import ConfigError
from superoffice_app.queues.messages import (
    BadMessage,
    FollowUp,
    FollowUpMessage,
    RecordMessage,
    SyncMessage,
    parse_message,
)
from superoffice_app.wiring.settings import load_sync_settings

# The sync functions' own settings, on top of the shared ones every function has.
SHARED = {
    "SUPEROFFICE_ENVIRONMENT": "sod",
    "SUPEROFFICE_CLIENT_ID": "abcdef0123456789",
    "APP_BASE_URL": "https://app.example.com",
    "TENANTS_TABLE": "tenants",
    "APP_KEY_ID": "alias/app",
    "CLIENT_SECRET_NAME": "c",
    "PRIVATE_KEY_SECRET_NAME": "p",
    "SESSION_KEY_SECRET_NAME": "s",
}
REQUIRED = {**SHARED, "RECORDS_TABLE": "r", "SYNC_QUEUE_URL": "http://q"}


@pytest.mark.parametrize(
    "message",
    [
        SyncMessage("Cust1", "schedule"),
        SyncMessage("Cust1", "continuation", ("person", "sale"), True),
        RecordMessage("Cust1", "contact", 18, "contact.changed", "e-1"),
        FollowUpMessage("Cust1", FollowUp.PURGE, 4),
        FollowUpMessage("Cust1", FollowUp.SWEEP_MIRROR),
    ],
)
def test_messages_round_trip(message: object) -> None:
    assert parse_message(json.dumps(message.to_body())) == message  # type: ignore[attr-defined]


def test_the_notification_webhooks_messages_parse() -> None:
    body = {
        "kind": "lifecycle",
        "ctx": "Cust10001",
        "follow_up": "full_resync",
        "change_type": 1,
        "queued_at": "2026-11-22T10:00:00+00:00",
    }
    assert parse_message(json.dumps(body)) == FollowUpMessage("Cust10001", FollowUp.FULL_RESYNC, 1)


def test_follow_ups_travel_as_their_values() -> None:
    """The enum is the Python side only: the wire keeps the strings it always carried."""
    body = FollowUpMessage("Cust1", FollowUp.WAIT_FOR_RUNNING).to_body()
    assert json.loads(json.dumps(body))["follow_up"] == "wait_for_running"
    assert [follow_up.value for follow_up in FollowUp] == [
        "wait_for_running",
        "full_resync",
        "sync_soon",
        "purge",
        "sweep_mirror",
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json", "not valid JSON"),
        ("[1]", "not a JSON object"),
        ('{"kind": "sync", "ctx": "Cust 1"}', "ctx is not a SuperOffice context identifier"),
        ('{"kind": "sync", "ctx": "Cust1", "ctx": "Cust2"}', "repeats the member 'ctx'"),
        ('{"kind": "lifecycle", "ctx": "Cust1", "follow_up": "refresh_endpoint"}', "unknown"),
        ('{"kind": "sync", "ctx": "Cust1", "reason": "whim"}', "unknown sync reason"),
        ('{"kind": "sync", "ctx": "Cust1", "entities": "contact"}', "list of names"),
        ('{"kind": "record", "ctx": "Cust1", "entity": "contact", "primary_key": 0}', "positive"),
        ('{"kind": "record", "ctx": "Cust1", "primary_key": 3}', "needs an entity"),
        ('{"kind": "lifecycle", "ctx": "Cust1", "follow_up": "dance"}', "unknown follow-up"),
        ('{"kind": "lifecycle", "ctx": "Cust1", "follow_up": "PURGE"}', "unknown follow-up"),
        ('{"kind": "lifecycle", "ctx": "Cust1", "follow_up": ["purge"]}', "unknown follow-up"),
        ('{"kind": "lifecycle", "ctx": "Cust1"}', "unknown follow-up None"),
        ('{"kind": "other", "ctx": "Cust1"}', "unknown message kind"),
    ],
)
def test_poison_messages_are_named(body: str, message: str) -> None:
    with pytest.raises(BadMessage, match=message):
        parse_message(body)


def test_settings_defaults() -> None:
    settings = load_sync_settings(REQUIRED)
    assert settings.page_size == 500
    assert settings.skip_maintenance_windows is True
    assert [spec.name for spec in settings.entities] == ["contact", "person", "sale", "project"]


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"RECORDS_TABLE": ""}, "RECORDS_TABLE is not set"),
        ({"SYNC_PAGE_SIZE": "0"}, "SYNC_PAGE_SIZE must be a whole number from 1 to 5000"),
        ({"SYNC_PAGE_SIZE": "ten"}, "SYNC_PAGE_SIZE"),
        ({"SYNC_SKIP_MAINTENANCE_WINDOWS": "yes"}, "SYNC_SKIP_MAINTENANCE_WINDOWS must be"),
        ({"SYNC_ENTITIES": "contact,ledger"}, "SYNC_ENTITIES: unknown entity 'ledger'"),
    ],
)
def test_bad_settings_fail_naming_the_setting(extra: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        load_sync_settings({**REQUIRED, **extra})
