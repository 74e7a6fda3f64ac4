"""PKCE (RFC 7636), S256 only: SuperID requires it and so does the simulator."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from typing import Final

# RFC 7636 section 4.1: 43-128 unreserved characters.
_VERIFIER: Final = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
# base64url of a SHA-256 digest without padding is always 43 characters.
_CHALLENGE: Final = re.compile(r"[A-Za-z0-9\-_]{43}")


def s256_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def is_valid_challenge(challenge: str) -> bool:
    return _CHALLENGE.fullmatch(challenge) is not None


def verifier_matches(verifier: str, challenge: str) -> bool:
    if _VERIFIER.fullmatch(verifier) is None:
        return False
    return hmac.compare_digest(s256_challenge(verifier), challenge)
