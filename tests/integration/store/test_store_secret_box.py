"""SecretBox against moto's KMS: sealed secrets open only for their own tenant and name."""

from __future__ import annotations

import traceback
from typing import Any

import pytest

from superoffice_app.store import SecretBox, SecretBoxError
from superoffice_app.tokens.secret import Secret

pytestmark = pytest.mark.integration

PLAINTEXT = "MyApp-8k8Q7DmBgo-system-token"


@pytest.fixture
def secret_box(kms_client: Any, kms_key_id: str) -> SecretBox:
    """A box with a key of its own (the store's tests share one)."""
    return SecretBox(kms_client, kms_key_id)


def test_a_sealed_secret_opens_as_a_secret(secret_box: SecretBox) -> None:
    ciphertext = secret_box.seal("Cust10001", "system_token", PLAINTEXT)
    assert PLAINTEXT.encode() not in ciphertext
    opened = secret_box.open("Cust10001", "system_token", ciphertext)
    assert isinstance(opened, Secret)
    assert opened.reveal() == PLAINTEXT
    assert PLAINTEXT not in repr(opened) + str(opened) + f"{opened}"


def test_a_secret_object_can_be_sealed(secret_box: SecretBox) -> None:
    ciphertext = secret_box.seal("Cust10001", "ticket", Secret("7T:abc"))
    assert secret_box.open("Cust10001", "ticket", ciphertext) == Secret("7T:abc")


@pytest.mark.parametrize(
    ("ctx", "name"),
    [("Cust10002", "system_token"), ("Cust10001", "ticket"), ("Cust100011", "system_token")],
)
def test_a_ciphertext_moved_to_another_tenant_or_name_does_not_open(
    secret_box: SecretBox, ctx: str, name: str
) -> None:
    ciphertext = secret_box.seal("Cust10001", "system_token", PLAINTEXT)
    with pytest.raises(SecretBoxError) as refused:
        secret_box.open(ctx, name, ciphertext)
    assert refused.value.code == "InvalidCiphertextException"
    assert refused.value.ctx == ctx
    assert PLAINTEXT not in _everything_about(refused.value)


def test_a_tampered_ciphertext_does_not_open(secret_box: SecretBox) -> None:
    ciphertext = bytearray(secret_box.seal("Cust10001", "system_token", PLAINTEXT))
    ciphertext[-1] ^= 0x01
    with pytest.raises(SecretBoxError):
        secret_box.open("Cust10001", "system_token", bytes(ciphertext))


def test_an_unknown_key_is_a_store_error_without_the_plaintext(kms_client: Any) -> None:
    box = SecretBox(kms_client, "00000000-0000-0000-0000-000000000000")
    with pytest.raises(SecretBoxError) as refused:
        box.seal("Cust10001", "system_token", PLAINTEXT)
    assert refused.value.code == "NotFoundException"
    assert refused.value.__context__ is None
    assert PLAINTEXT not in _everything_about(refused.value)
    assert "NotFoundException" in str(refused.value)


def test_another_key_cannot_open_it(secret_box: SecretBox, kms_client: Any) -> None:
    other_key = kms_client.create_key()["KeyMetadata"]["KeyId"]
    ciphertext = secret_box.seal("Cust10001", "system_token", PLAINTEXT)
    with pytest.raises(SecretBoxError):
        SecretBox(kms_client, other_key).open("Cust10001", "system_token", ciphertext)


def _everything_about(error: BaseException) -> str:
    return "".join(traceback.format_exception(error)) + repr(error) + repr(vars(error))
