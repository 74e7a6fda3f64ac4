"""Checking a signed system token as SuperOffice does (protocol section 3).

`SignedSystemToken = "<system_token>.<yyyyMMddHHmm UTC>.<standard base64 signature>"`, the
signature RSA PKCS#1 v1.5 with SHA-256 over `"<system_token>.<yyyyMMddHHmm>"` made with the
app's private key.
"""

from __future__ import annotations

import base64
import binascii
import datetime
from typing import Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

# SuperOffice's AuthorizeErrorCode values (2, InvalidRedirectUrl, belongs to sign-in).
ERROR_NAMES: Final = {
    1: "Revoked",
    3: "Expired",
    4: "Denied",
    5: "NeedsReapproval",
    6: "InvalidTimestamp",
    7: "InvalidSignature",
}
REVOKED: Final = 1
DENIED: Final = 4
INVALID_TIMESTAMP: Final = 6
INVALID_SIGNATURE: Final = 7
# How far the signer's clock may be from ours, in whole minutes' worth of seconds.
TIMESTAMP_TOLERANCE_SECONDS: Final = 300


class SystemUserError(Exception):
    """A failed authentication: SuperOffice's error code and what was wrong."""

    def __init__(self, code: int, detail: str = "") -> None:
        super().__init__(code, detail)
        self.code = code
        self.detail = detail

    @property
    def message(self) -> str:
        """The ErrorMessage of the answer: `"<code>: <text>"`."""
        text = ERROR_NAMES[self.code]
        return f"{self.code}: {text}" + (f" - {self.detail}" if self.detail else "")


def parse_signed_system_token(signed: str) -> tuple[str, str, str]:
    """(system token, timestamp, signature); the token itself may contain dots."""
    parts = signed.rsplit(".", 2)
    if len(parts) != 3 or not all(parts):
        raise SystemUserError(INVALID_SIGNATURE, "expected <system_token>.<timestamp>.<signature>")
    token, stamp, signature = parts
    return token, stamp, signature


def timestamp_seconds(stamp: str) -> float:
    """`yyyyMMddHHmm` in UTC as epoch seconds; InvalidTimestamp if it is not one."""
    if len(stamp) != 12 or not (stamp.isascii() and stamp.isdigit()):
        raise SystemUserError(INVALID_TIMESTAMP, "the timestamp must be yyyyMMddHHmm")
    try:
        moment = datetime.datetime.strptime(stamp, "%Y%m%d%H%M").replace(tzinfo=datetime.UTC)
    except ValueError:
        raise SystemUserError(INVALID_TIMESTAMP, "the timestamp is not a date") from None
    return moment.timestamp()


def check_timestamp(stamp: str, now: float) -> None:
    # The stamp has minute resolution: compare it with the current minute, not the second.
    current_minute = now - now % 60
    if abs(current_minute - timestamp_seconds(stamp)) > TIMESTAMP_TOLERANCE_SECONDS:
        raise SystemUserError(INVALID_TIMESTAMP, "the timestamp is more than 5 minutes off")


def check_signature(token: str, stamp: str, signature: str, public_key: rsa.RSAPublicKey) -> None:
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        raise SystemUserError(INVALID_SIGNATURE, "the signature is not standard base64") from None
    try:
        public_key.verify(raw, f"{token}.{stamp}".encode(), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise SystemUserError(
            INVALID_SIGNATURE, "the signature does not verify with the app's public key"
        ) from None


def verify_signed_system_token(
    signed: str, *, system_token: str, public_key: rsa.RSAPublicKey, now: float
) -> None:
    """Accept a signed system token or raise the SystemUserError SuperOffice would answer."""
    token, stamp, signature = parse_signed_system_token(signed)
    if token != system_token:
        raise SystemUserError(DENIED, "the system token is not this app's token for the tenant")
    check_timestamp(stamp, now)
    check_signature(token, stamp, signature, public_key)
