"""Customer state changes without a network: tenant states, tokens, bodies, the log, records."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest

from local.id_tokens import claim
from local.simulator.notification_tokens import LIFETIME_SECONDS, notification_token
from local.simulator.notifications import (
    CHANGE_TYPES,
    NotificationLog,
    default_notification_url,
    file_version,
    notification_body,
)
from local.simulator.outbound import Answer
from local.simulator.records import Records
from local.simulator.routing import BadRequest, NotFound
from local.simulator.state import SimulatorState
from local.simulator.tenant_changes import TenantChange, apply_change
from local.simulator.webhooks import webhook_fields
from local.superid_keys import SigningKey, load_or_create_signing_key

ISSUER = "http://127.0.0.1:3001"


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> SigningKey:
    return load_or_create_signing_key(tmp_path_factory.mktemp("keys"))


def decode(token: str, key: SigningKey) -> dict[str, Any]:
    public = key.private_key.public_key()
    return jwt.decode(token, public, algorithms=["RS256"], issuer=ISSUER)


def test_token_is_signed_like_superid(key: SigningKey) -> None:
    now = time.time()
    token = notification_token(key, issuer=ISSUER, ctx="Cust10001", now=now)
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "RS256", "typ": "JWT", "x5t": key.x5t}
    claims = decode(token, key)
    assert claims[claim("ctx")] == "Cust10001"
    assert claims["exp"] - claims["iat"] == LIFETIME_SECONDS
    assert claims["iat"] == int(now)


def test_forged_and_expired_tokens_fail(key: SigningKey) -> None:
    now = time.time()
    forged = notification_token(key, issuer=ISSUER, ctx="Cust10001", now=now, kind="forged")
    assert jwt.get_unverified_header(forged)["x5t"] == key.x5t
    with pytest.raises(jwt.InvalidSignatureError):
        decode(forged, key)
    expired = notification_token(key, issuer=ISSUER, ctx="Cust10001", now=now, kind="expired")
    with pytest.raises(jwt.ExpiredSignatureError):
        decode(expired, key)
    with pytest.raises(ValueError, match="token kind"):
        notification_token(key, issuer=ISSUER, ctx="Cust10001", now=now, kind="odd")


def test_body_and_versions() -> None:
    body = notification_body(5, "Cust1", "Release_10.3.8_2024.08.30-01", "jwt", "sod3")
    assert body == {
        "ChangeType": 5,
        "ContextIdentifier": "Cust1",
        "VersionName": "Release_10.3.8_2024.08.30-01",
        "FileVersion": "10.3.8.2024",
        "Token": "jwt",
        "PublicEndpoint": "sod3",
    }
    assert file_version("something else") == ""
    assert CHANGE_TYPES == {
        "Upgrade": 0,
        "BackupRestored": 1,
        "Suspend": 2,
        "Resume": 3,
        "Delete": 4,
        "Move": 5,
    }
    assert default_notification_url() == "http://127.0.0.1:3000/notifications/tenant-state"


@pytest.mark.parametrize(
    ("body", "state", "host"),
    [
        ({"change": "Upgrade"}, "OfflineMaintenance", "sod2"),
        ({"change": "finishupgrade"}, "Running", "sod2"),
        ({"change": "BackupRestored"}, "Running", "sod2"),
        ({"change": "Suspend"}, "Suspended", "sod2"),
        ({"change": "Resume"}, "Running", "sod2"),
        ({"change": "Delete"}, "Deleted", "sod2"),
        ({"change": "Move", "host": "SOD4"}, "Suspended", "sod4"),
    ],
)
def test_each_change_leaves_the_tenant_in_its_state(
    body: dict[str, Any], state: str, host: str
) -> None:
    simulator = SimulatorState()
    simulator.set_tenant_state("Cust10001", "Suspended")
    tenant = apply_change(simulator, "cust10001", TenantChange.from_json(body))
    assert (tenant.state, tenant.host) == (state, host)


def test_upgrade_version_and_sandbox_clone() -> None:
    simulator = SimulatorState()
    change = TenantChange.from_json({"change": "Upgrade", "version": "Release_12.0_2027.01.01"})
    assert change.change_type == 0
    assert apply_change(simulator, "Cust10001", change).version == "Release_12.0_2027.01.01"
    tenant = simulator.tenant("Cust10003")
    webhook = tenant.webhooks.add(
        webhook_fields(
            {"Name": "a", "Events": ["contact.created"], "TargetUrl": "http://127.0.0.1:9"},
            associate_id=3,
        )
    )
    restore = {"change": "BackupRestored", "sandboxClone": True, "copyItemsFrom": "Cust10002"}
    apply_change(simulator, "Cust10003", TenantChange.from_json(restore))
    assert webhook.removed
    assert tenant.webhooks.all() == []
    assert tenant.items.snapshot() == simulator.tenant("Cust10002").items.snapshot()
    assert TenantChange.from_json({"change": "FinishUpgrade"}).change_type is None


@pytest.mark.parametrize(
    "body",
    [
        {"change": "Reboot"},
        {},
        {"change": "Move"},
        {"change": "Move", "host": "sod"},
        {"change": "Suspend", "version": "x"},
        {"change": "Upgrade", "version": 11},
        {"change": "Resume", "sandboxClone": True},
        {"change": "BackupRestored", "sandboxClone": "yes"},
    ],
)
def test_nonsense_changes_are_refused(body: dict[str, Any]) -> None:
    with pytest.raises(BadRequest):
        TenantChange.from_json(body)


def test_log_tells_first_late_and_duplicate_sends() -> None:
    state = SimulatorState()
    log: NotificationLog = state.notifications
    body = notification_body(2, "Cust10001", "v", "jwt", "sod2")
    sent = log.add("app", "http://127.0.0.1:9/n", body, "valid", held=False)
    held = log.add("app", "http://127.0.0.1:9/n", body, "valid", held=True)
    log.finish_send(sent, log.start_send(sent), Answer(200))
    log.finish_send(held, log.start_send(held), Answer(None, "refused"))
    log.start_send(held)
    first, late = log.snapshot()
    assert [s["kind"] for s in first["sends"]] == ["first"]
    assert first["answerStatus"] == 200
    assert [s["kind"] for s in late["sends"]] == ["late", "duplicate"]
    assert late["sends"][0] == {**late["sends"][0], "answered": True, "error": "refused"}
    assert late["sends"][1]["answered"] is False
    assert log.snapshot("cust10002") == []
    with pytest.raises(NotFound):
        log.get(3)
    log.set_url("app", None)
    assert log.url("app") is None
    with pytest.raises(BadRequest):
        log.set_url("app", "ftp://nowhere")
    state.reset()
    assert log.snapshot() == []
    assert log.url("app") is None  # configuration survives a reset


def test_records_report_what_changed() -> None:
    records = Records()
    created = records.save("Contact", {"name": "Acme", "phone": "1"}, now=1_000.5)
    assert (created.event, created.primary_key, created.changes) == (
        "contact.created",
        1,
        ["name", "phone"],
    )
    changed = records.save("contact", {"name": "Acme", "phone": "2"}, 1, now=1_060)
    assert (changed.event, changed.changes) == ("contact.changed", ["phone"])
    assert changed.field_values == {"name": "Acme", "phone": "2"}
    contact = records.of("contact")[1]
    assert (contact.registered, contact.updated) == (1_000, 1_060)
    chosen = records.save("sale", {"heading": "Big"}, 40, now=1_000)
    assert chosen.event == "sale.created"
    assert records.save("sale", {"heading": "Next"}, now=1_000).primary_key == 41
    deleted = records.delete("contact", 1)
    assert (deleted.event, deleted.field_values) == (
        "contact.deleted",
        {"name": "Acme", "phone": "2"},
    )
    stamp = "1970-01-01T00:16:40"
    assert records.snapshot() == {
        "contact": [],
        "person": [],
        "project": [],
        "sale": [
            {
                "primaryKey": 40,
                "updated": stamp,
                "registered": stamp,
                "deletedDate": None,
                "fieldValues": {"heading": "Big"},
            },
            {
                "primaryKey": 41,
                "updated": stamp,
                "registered": stamp,
                "deletedDate": None,
                "fieldValues": {"heading": "Next"},
            },
        ],
    }
    with pytest.raises(NotFound):
        records.delete("contact", 1)
    with pytest.raises(NotFound):
        records.save("phone", {}, now=0)
