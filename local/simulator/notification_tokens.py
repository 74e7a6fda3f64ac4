"""The `Token` of a customer state change notification, and broken ones on purpose.

Signed like the id_tokens (RS256, `x5t`, no `kid`, `iss` = the simulator's base URL), with
`exp` five minutes ahead and the tenant in the `ctx` claim. For the app's negative tests
the simulator can also send a token signed by another key under the same `x5t` ("forged"),
or one that expired a minute ago ("expired").
"""

from __future__ import annotations

import functools
from typing import Final

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from local.id_tokens import claim
from local.superid_keys import SigningKey

LIFETIME_SECONDS: Final = 300
VALID: Final = "valid"
TOKEN_KINDS: Final = (VALID, "forged", "expired")


@functools.cache
def _stranger_key() -> rsa.RSAPrivateKey:
    # Made once per process: generating an RSA key takes a noticeable moment.
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def notification_token(
    key: SigningKey, *, issuer: str, ctx: str, now: float, kind: str = VALID
) -> str:
    if kind not in TOKEN_KINDS:
        raise ValueError(f"token kind must be one of {TOKEN_KINDS}, not {kind!r}")
    issued = int(now) - (LIFETIME_SECONDS + 60 if kind == "expired" else 0)
    claims = {
        "iss": issuer,
        "iat": issued,
        "nbf": issued,
        "exp": issued + LIFETIME_SECONDS,
        claim("ctx"): ctx,
    }
    signer = _stranger_key() if kind == "forged" else key.private_key
    return jwt.encode(claims, signer, algorithm="RS256", headers={"x5t": key.x5t})
