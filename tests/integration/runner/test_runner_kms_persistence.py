"""KMS keys that outlive moto: seal with one moto process, open with the next."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import boto3
import pytest

from local.runner.moto_service import start_moto_with_persistent_keys
from local.runner.persistent_kms_moto import CUSTOM_ID_TAG
from superoffice_app.store import SecretBox

pytestmark = pytest.mark.integration

KEY_ID = "0f0e0d0c-1111-5222-8333-444455556666"


def kms(endpoint: str) -> Any:
    return boto3.client(
        "kms",
        endpoint_url=endpoint,
        region_name="eu-west-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def create_key(client: Any) -> str:
    tags = [{"TagKey": CUSTOM_ID_TAG, "TagValue": KEY_ID}]
    return str(client.create_key(Tags=tags)["KeyMetadata"]["KeyId"])


def test_a_restarted_moto_opens_what_the_previous_one_sealed(tmp_path: Path) -> None:
    key_dir = tmp_path / "kms"
    with start_moto_with_persistent_keys(0, key_dir=key_dir) as first:
        client = kms(first.endpoint)
        assert create_key(client) == KEY_ID
        assert create_key(client) == KEY_ID  # again: the same key, not a second one
        sealed = SecretBox(client, KEY_ID).seal("Cust10001", "system_token", "LocalApp-123")
        untagged = client.create_key()["KeyMetadata"]["KeyId"]
        assert untagged != KEY_ID  # keys without the tag stay moto's own
    material = key_dir / f"{KEY_ID}.key"
    assert stat.S_IMODE(material.stat().st_mode) == 0o600
    assert len(material.read_bytes()) == 32

    with start_moto_with_persistent_keys(0, key_dir=key_dir) as second:
        client = kms(second.endpoint)
        assert create_key(client) == KEY_ID
        opened = SecretBox(client, KEY_ID).open("Cust10001", "system_token", sealed)
        assert opened.reveal() == "LocalApp-123"
