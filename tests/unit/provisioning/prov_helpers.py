"""Specs, recorders and checks shared by the provisioning tests."""

from __future__ import annotations

from typing import Any

from prov_fake_tenant import APP_BASE_URL, FakeTenant

from superoffice_app.provisioning.engine import MemoryRecorder, ProvisionedItem, PublishWait
from superoffice_app.provisioning.spec import ProvisioningSpec, parse_spec

SPEC_DOCUMENT: dict[str, Any] = {
    "app_name": "Test App",
    "user_defined_fields": [
        {"entity": "Contact", "prog_id": "TestApp:Score", "label": "Score", "field_type": "Number"},
        {
            "entity": "contact",
            "prog_id": "TestApp:Code",
            "label": "Code",
            "field_type": "ShortText",
            "tooltip": "A code",
            "attributes": {"TextLength": 20},
        },
        {"entity": "Person", "prog_id": "TestApp:Vip", "label": "VIP", "field_type": "Checkbox"},
    ],
    "lists": [{"name": "Test App status", "tooltip": "t", "items": ["New", "Active", "Paused"]}],
    "web_panels": [
        {
            "prog_id": "TestApp:Panel",
            "name": "Test App",
            "url": "{app_base_url}/panel?ctx=<uctx>&usid=<usid>",
            "visible_in": "ContactCard",
            "tooltip": "Installed by Test App",
        }
    ],
    "preferences": [{"section": "TestApp", "key": "On", "level": "Database", "value": "1"}],
}
ITEM_COUNT = 9  # 3 fields, 1 list, 3 list items, 1 web panel, 1 preference
WEBHOOK_NAME = "Test App sync"
WEBHOOK_EVENTS = ["contact.created", "contact.changed", "person.deleted"]
WEBHOOK_DOCUMENT: dict[str, Any] = {"name": WEBHOOK_NAME, "events": WEBHOOK_EVENTS}
# Where SuperOffice delivers the fake tenant's events.
TARGET_URL = f"{APP_BASE_URL}/webhooks/crm/Cust12345"


def spec() -> ProvisioningSpec:
    return parse_spec(SPEC_DOCUMENT, app_base_url=APP_BASE_URL)


def webhook_spec(*, everything: bool = False) -> ProvisioningSpec:
    """Only the webhook (focused tests), or SPEC_DOCUMENT's items and the webhook."""
    base = SPEC_DOCUMENT if everything else {"app_name": "Test App"}
    return parse_spec({**base, "webhooks": [WEBHOOK_DOCUMENT]}, app_base_url=APP_BASE_URL)


class Crash(Exception):
    """The Lambda died here."""


class CrashingRecorder(MemoryRecorder):
    """Dies at the n-th ``record`` call, just before or just after storing the item."""

    def __init__(self, crash_at: int, *, before_storing: bool) -> None:
        super().__init__()
        self.crash_at = crash_at
        self.before_storing = before_storing
        self.calls = 0

    def record(self, item: ProvisionedItem) -> None:
        self.calls += 1
        if self.calls == self.crash_at and self.before_storing:
            raise Crash
        super().record(item)
        if self.calls == self.crash_at:
            raise Crash


class FakeTime:
    """A monotonic clock and a sleep that advances it."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def wait(self, timeout: float = 30, interval: float = 2) -> PublishWait:
        return PublishWait(
            timeout_seconds=timeout,
            interval_seconds=interval,
            sleep=self.sleep,
            monotonic=self.monotonic,
        )


def identities(items: list[ProvisionedItem]) -> set[tuple[str, str]]:
    return {item.identity for item in items}


def assert_matches_tenant(tenant: FakeTenant, items: list[ProvisionedItem]) -> None:
    """Every record names an item that exists in the tenant, with its current id."""
    for item in items:
        if item.kind == "udef":
            field = tenant.field(str(item.details["entity"]), item.key, published=True)
            assert field is not None, item
            assert item.superoffice_id == str(field["UDefFieldId"]), item
            assert item.details["published"] is True
        elif item.kind == "list":
            (entry,) = [e for e in tenant.lists if e["Name"] == item.key]
            assert item.superoffice_id == str(entry["Id"])
        elif item.kind == "list_item":
            list_id = int(str(item.details["list_id"]))
            (entry,) = [e for e in tenant.items[list_id] if e["Name"] == item.name]
            assert item.superoffice_id == str(entry["Id"])
        elif item.kind == "web_panel":
            (panel,) = [p for p in tenant.panels if p["ProgId"] == item.key]
            assert item.superoffice_id == str(panel["WebPanelId"])
        elif item.kind == "webhook":
            hook = tenant.webhooks[int(str(item.superoffice_id))]
            assert (hook["Name"], hook["TargetUrl"]) == (item.key, item.details["target_url"])
        else:
            section, key, level = item.key.split("/")
            assert (section, key, level) in tenant.preferences


def assert_no_duplicates(tenant: FakeTenant) -> None:
    for layout in tenant.layouts.values():
        prog_ids = [f["ProgId"] for f in layout]
        assert len(prog_ids) == len(set(prog_ids)), prog_ids
    names = [entry["Name"] for entry in tenant.lists]
    assert len(names) == len(set(names)), names
    for items in tenant.items.values():
        item_names = [i["Name"] for i in items]
        assert len(item_names) == len(set(item_names)), item_names
    panels = [p["ProgId"] for p in tenant.panels]
    assert len(panels) == len(set(panels)), panels
    hooks = [(h["Name"], h["TargetUrl"]) for h in tenant.webhooks.values()]
    assert len(hooks) == len(set(hooks)), hooks
