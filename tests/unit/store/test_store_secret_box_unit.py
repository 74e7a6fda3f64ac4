"""SecretBox with a fake KMS: the encryption context it sends and how it fails."""

from __future__ import annotations

import traceback
from typing import Any

import pytest

from superoffice_app.outages import DependencyUnavailable, is_outage
from superoffice_app.store import SecretBox, SecretBoxError
from superoffice_app.store.secret_box import MAX_SECRET_BYTES
from superoffice_app.tokens.secret import Secret

PLAINTEXT = "MyApp-very-secret-token"


class ClientError(Exception):
    """Shaped like botocore's: the error code under response['Error']['Code']."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.response = {"Error": {"Code": code, "Message": message}}


class RecordingKms:
    def __init__(self, failure: Exception | None = None) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.failure = failure

    def encrypt(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("encrypt", kwargs))
        if self.failure:
            raise self.failure
        return {"CiphertextBlob": b"sealed:" + kwargs["Plaintext"][::-1]}

    def decrypt(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("decrypt", kwargs))
        if self.failure:
            raise self.failure
        return {"Plaintext": kwargs["CiphertextBlob"].removeprefix(b"sealed:")[::-1]}


def test_the_context_binds_tenant_and_name() -> None:
    kms = RecordingKms()
    box = SecretBox(kms, "alias/app")
    ciphertext = box.seal("Cust1", "ticket", Secret(PLAINTEXT))
    assert box.open("Cust1", "ticket", ciphertext) == Secret(PLAINTEXT)
    for _operation, call in kms.calls:
        assert call["KeyId"] == "alias/app"
        assert call["EncryptionContext"] == {"ctx": "Cust1", "secret": "ticket"}


def test_a_kms_failure_carries_the_code_and_nothing_of_the_request() -> None:
    leaky = ValueError(f"Invalid type for parameter Plaintext, value: {PLAINTEXT}")
    box = SecretBox(RecordingKms(failure=leaky), "key")
    with pytest.raises(SecretBoxError) as refused:
        box.seal("Cust1", "system_token", PLAINTEXT)
    error = refused.value
    assert error.code == "ValueError"
    assert error.__context__ is None
    assert error.__cause__ is None
    assert PLAINTEXT not in "".join(traceback.format_exception(error))
    assert str(error) == "cannot seal secret 'system_token' of tenant Cust1: ValueError"


def test_open_failures_are_store_errors() -> None:
    box = SecretBox(RecordingKms(failure=ClientError("AccessDeniedException", "no")), "key")
    with pytest.raises(SecretBoxError, match="AccessDeniedException") as refused:
        box.open("Cust1", "ticket", b"x")
    assert refused.value.operation == "open"


def test_sizes_and_empties_are_refused_before_kms() -> None:
    kms = RecordingKms()
    box = SecretBox(kms, "key")
    with pytest.raises(ValueError, match="4096"):
        box.seal("Cust1", "ticket", "x" * (MAX_SECRET_BYTES + 1))
    with pytest.raises(ValueError, match="non-empty"):
        box.seal("Cust1", "ticket", "")
    with pytest.raises(ValueError, match="context identifier"):
        box.seal("not-a-ctx", "ticket", "x")
    assert kms.calls == []
    with pytest.raises(ValueError, match="key id"):
        SecretBox(kms, "")


def test_the_repr_names_the_key_only() -> None:
    assert repr(SecretBox(RecordingKms(), "alias/app")) == "SecretBox(key_id='alias/app')"


@pytest.mark.parametrize(
    "failure",
    [
        ClientError("ThrottlingException", "Rate exceeded"),
        ClientError("KMSInternalException", "internal"),
        TimeoutError("read timed out"),
        ConnectionRefusedError("refused"),
    ],
    ids=["throttled", "kms-internal", "timeout", "refused"],
)
def test_kms_unreachable_is_an_outage_not_a_refusal(failure: Exception) -> None:
    """A page must answer 503 "temporary", not treat the secret as refused or missing."""
    box = SecretBox(RecordingKms(failure=failure), "key")
    with pytest.raises(DependencyUnavailable) as unavailable:
        box.open("Cust1", "ticket", b"x")
    assert unavailable.value.service == "KMS"
    assert is_outage(unavailable.value)
    assert unavailable.value.__context__ is None  # nothing of the request rides along
    with pytest.raises(DependencyUnavailable):
        box.seal("Cust1", "ticket", PLAINTEXT)
