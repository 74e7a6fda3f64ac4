"""Seal tenant secrets with KMS, bound to the tenant and the secret's name.

Each secret is encrypted by KMS directly (KMS Encrypt takes up to 4 KiB; system tokens,
tickets and refresh tokens are far smaller), with the encryption context
``{"ctx": <tenant>, "secret": <name>}``. KMS authenticates the context with the
ciphertext, so a ciphertext copied to another tenant's item, or to another secret name
of the same tenant, does not decrypt. The context also appears in CloudTrail, which
tells an auditor whose secret was opened, and IAM policies can condition on it.
"""

from __future__ import annotations

from typing import Any, Final, Protocol

from superoffice_app.outages import DependencyUnavailable, is_outage
from superoffice_app.tokens.secret import Secret

from .dynamo import error_code
from .errors import SecretBoxError
from .keys import check_ctx

__all__ = ["MAX_SECRET_BYTES", "KmsClient", "SecretBox"]

# KMS Encrypt's limit on the plaintext.
MAX_SECRET_BYTES: Final = 4096


class KmsClient(Protocol):
    """The subset of boto3's KMS client a SecretBox uses."""

    def encrypt(self, **kwargs: Any) -> dict[str, Any]: ...
    def decrypt(self, **kwargs: Any) -> dict[str, Any]: ...


class SecretBox:
    """Encrypts and decrypts tenant secrets under one KMS key."""

    def __init__(self, kms_client: KmsClient, key_id: str) -> None:
        if not key_id:
            raise ValueError("SecretBox needs a KMS key id, ARN or alias")
        self._kms = kms_client
        self.key_id = key_id

    def seal(self, ctx: str, name: str, plaintext: str | Secret) -> bytes:
        """The KMS ciphertext of ``plaintext``, which only ``open(ctx, name, ...)`` opens."""
        value = plaintext.reveal() if isinstance(plaintext, Secret) else plaintext
        if not isinstance(value, str) or not value:
            raise ValueError(f"secret {name!r} of tenant {ctx} must be a non-empty string")
        data = value.encode("utf-8")
        if len(data) > MAX_SECRET_BYTES:
            raise ValueError(
                f"secret {name!r} of tenant {ctx} is {len(data)} bytes; KMS takes "
                f"{MAX_SECRET_BYTES} at most"
            )
        context = _context(ctx, name)
        try:
            answer = self._kms.encrypt(KeyId=self.key_id, Plaintext=data, EncryptionContext=context)
        except Exception as error:
            failure = _failure("seal", ctx, name, error)
        else:
            return bytes(answer["CiphertextBlob"])
        raise failure

    def open(self, ctx: str, name: str, ciphertext: bytes) -> Secret:
        """The secret sealed for this tenant and name; SecretBoxError for anything else
        (DependencyUnavailable while KMS cannot be reached)."""
        context = _context(ctx, name)
        try:
            answer = self._kms.decrypt(
                KeyId=self.key_id, CiphertextBlob=bytes(ciphertext), EncryptionContext=context
            )
            return Secret(bytes(answer["Plaintext"]).decode("utf-8"))
        except Exception as error:
            failure = _failure("open", ctx, name, error)
        raise failure

    def __repr__(self) -> str:
        return f"SecretBox(key_id={self.key_id!r})"


def _context(ctx: str, name: str) -> dict[str, str]:
    return {"ctx": check_ctx(ctx), "secret": name}


def _failure(operation: str, ctx: str, name: str, error: Exception) -> Exception:
    """The store's error for a KMS failure: its error code, nothing of the request.

    Raised after the `except` block, so the botocore exception is not even attached as
    context: some of them (parameter validation) quote the request, plaintext included.
    KMS unreachable, slow or throttling is not a refusal: that is `DependencyUnavailable`,
    which callers answer as temporary (503, a retried message).
    """
    if is_outage(error):
        return DependencyUnavailable("KMS")
    code = error_code(error) or type(error).__name__
    return SecretBoxError(operation=operation, ctx=ctx, name=name, code=code)
