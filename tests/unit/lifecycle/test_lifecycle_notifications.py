"""Notifications: the body SuperOffice posts, read strictly."""

from __future__ import annotations

import json

import pytest

from superoffice_app.lifecycle.notifications import (
    BadNotification,
    ChangeType,
    change_name,
    parse_notification,
)


def body(change: int = 2, **extra: object) -> bytes:
    return json.dumps(
        {"ChangeType": change, "ContextIdentifier": "Cust12345", "Token": "a.b.c", **extra}
    ).encode()


def test_parses_the_documented_shape() -> None:
    n = parse_notification(body(5, PublicEndpoint="sod3.superoffice.com", VersionName="R1"))
    assert n.known_type is ChangeType.MOVE
    assert n.public_endpoint == "sod3.superoffice.com"
    assert "a.b.c" not in repr(n)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b"[]",
        json.dumps({"ChangeType": "2", "ContextIdentifier": "Cust1", "Token": "t"}).encode(),
        json.dumps({"ChangeType": True, "ContextIdentifier": "Cust1", "Token": "t"}).encode(),
        json.dumps({"ChangeType": 2**40, "ContextIdentifier": "Cust1", "Token": "t"}).encode(),
        json.dumps({"ChangeType": 2, "ContextIdentifier": "../x", "Token": "t"}).encode(),
        json.dumps({"ChangeType": 2, "ContextIdentifier": "Cust1"}).encode(),
        json.dumps(
            {"ChangeType": 2, "ContextIdentifier": "Cust1", "Token": "t", "VersionName": 5}
        ).encode(),
        b"[" * 100_000,
        b'{"ChangeType": 3, "ContextIdentifier": "Cust1", "Token": "t", "ChangeType": 2}',
        b'{"ChangeType": 2, "ContextIdentifier": "Cust1", "Token": "t\xff"}',
        json.dumps({"ChangeType": 2, "ContextIdentifier": "Cust1", "Token": "t" * 9000}).encode(),
        b"{" + b" " * 20_000 + b"}",
    ],
)
def test_malformed_bodies_are_refused_with_a_reason(raw: bytes) -> None:
    with pytest.raises(BadNotification):
        parse_notification(raw)


def test_a_repeated_member_is_named_not_resolved() -> None:
    """Finding of issue 11: the last of two ChangeTypes used to win, unseen by the dedup."""
    raw = b'{"ChangeType": 3, "ContextIdentifier": "Cust1", "Token": "t", "ChangeType": 2}'
    with pytest.raises(BadNotification, match="repeats the member 'ChangeType'"):
        parse_notification(raw)


def test_change_names() -> None:
    assert change_name(ChangeType.BACKUP_RESTORED) == "backup_restored"
    assert change_name(42) == "unknown (42)"
