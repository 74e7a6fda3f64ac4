"""Profiles and details as items: what may be set, and what is refused on the way in."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from superoffice_app.store import AppliedNotification, Installer, TenantStatus
from superoffice_app.store.attributes import from_item, to_item
from superoffice_app.store.models import (
    MAX_JSON_BYTES,
    encode_fields,
    encode_installer,
    encode_json,
    profile_from_item,
)
from superoffice_app.tokens.secret import Secret

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_a_profile_item_round_trips() -> None:
    stored = {
        "ctx": "Cust1",
        "status": "active",
        "revision": 4,
        "created_at": "2026-03-02T09:30:00.000000Z",
        "updated_at": "2026-03-02T09:31:00.000000Z",
        "transitioned_at": "2026-03-02T09:30:30.000000Z",
        "installed_by": encode_installer(Installer(associate_id=5, name="Ada", email=None)),
        **encode_fields(
            {
                "state_answer": {"State": "Running", "IsRunning": True},
                "state_valid_until": AT,
                "last_notification": AppliedNotification(change_type=2, at=AT),
            }
        ),
    }
    profile = profile_from_item(from_item(to_item(stored)))
    assert profile.status is TenantStatus.ACTIVE
    assert profile.installed_by == Installer(associate_id=5, name="Ada", email=None)
    assert profile.state_answer == {"State": "Running", "IsRunning": True}
    assert profile.state_valid_until == AT
    assert profile.last_notification == AppliedNotification(change_type=2, at=AT)
    assert profile.removed == {}
    assert profile.purge_pending is False


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        ({"status": "active"}, TypeError, "not a profile field"),
        ({"revision": 3}, TypeError, "not a profile field"),
        ({"api_base": ""}, TypeError, "api_base"),
        ({"state_valid_until": "tomorrow"}, TypeError, "datetime"),
        ({"last_notification": 5}, TypeError, "AppliedNotification"),
        ({"state_answer": ["Running"]}, TypeError, "JSON object"),
    ],
)
def test_fields_are_checked(
    fields: dict[str, object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        encode_fields(fields)


def test_none_means_remove() -> None:
    assert encode_fields({"serial": None}) == {"serial": None}


def test_json_details_refuse_secrets_and_credential_keys() -> None:
    assert encode_json({"b": 1, "a": AT}, "details") == '{"a":"2026-03-02T09:30:00.000000Z","b":1}'
    with pytest.raises(TypeError, match="Secret"):
        encode_json({"value": [Secret("x")]}, "details")
    for key in ("ticket", "System_Token", "client_secret", "code_verifier"):
        with pytest.raises(ValueError, match="credentials"):
            encode_json({"outer": [{key: "x"}]}, "details")
    with pytest.raises(TypeError, match="set"):
        encode_json({"a": {1, 2}}, "details")
    with pytest.raises(ValueError, match="larger"):
        encode_json({"a": "x" * MAX_JSON_BYTES}, "details")
