"""The app's session signing keys, and issuing session tokens with them.

A ring holds P-256 keys: the first signs, all of them verify. Rotation is ``rotated()``
(a new first key; sessions signed with the old ones stay valid), and ``retire(kid)``
drops an old key once its sessions have expired. The ring is stored as JSON (in
Secrets Manager) by ``to_json``/``from_json``.

Tokens are ES256 JWS made with ``cryptography`` directly: the header is fixed by us
(``alg``, ``kid``, ``typ: so-session+jwt``), so no JWT library is needed to write one.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Mapping
from typing import Final

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils

from .claims import CTX_PATTERN
from .encoding import b64url_encode, loads_strict
from .keys import KeySet
from .validators import SESSION_TOKEN_TYPE

__all__ = ["MAX_SESSION_LIFETIME_SECONDS", "SessionKeyRing"]

MAX_SESSION_LIFETIME_SECONDS: Final = 7 * 24 * 3600
_KID: Final = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_COORDINATE_BYTES: Final = 32  # P-256


def _new_kid() -> str:
    return "s-" + secrets.token_urlsafe(9)


def _json_bytes(value: Mapping[str, object]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=True).encode("ascii")


class SessionKeyRing:
    """Session signing keys, newest (the signer) first. Immutable; repr shows kids only."""

    __slots__ = ("_keys", "_keyset")

    _keys: tuple[tuple[str, ec.EllipticCurvePrivateKey], ...]
    _keyset: KeySet

    def __init__(self, keys: tuple[tuple[str, ec.EllipticCurvePrivateKey], ...]) -> None:
        if not keys:
            raise ValueError("a session key ring needs at least one key")
        kids = [kid for kid, _ in keys]
        if len(set(kids)) != len(kids):
            raise ValueError("session key ids must be unique")
        for kid, key in keys:
            if not isinstance(kid, str) or _KID.fullmatch(kid) is None:
                raise ValueError("session key id must be 1-64 of [A-Za-z0-9._:-]")
            if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(
                key.curve, ec.SECP256R1
            ):
                raise ValueError("session keys must be P-256 private keys")
        object.__setattr__(self, "_keys", tuple(keys))
        object.__setattr__(self, "_keyset", KeySet.from_jwks(self.public_jwks()))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("SessionKeyRing is immutable")

    @classmethod
    def generate(cls, kid: str | None = None) -> SessionKeyRing:
        """A ring with one new P-256 key."""
        return cls(((kid or _new_kid(), ec.generate_private_key(ec.SECP256R1())),))

    @classmethod
    def from_json(cls, text: str | bytes) -> SessionKeyRing:
        """Read ``{"keys": [{"kid": ..., "private_key_pem": ...}, ...]}``, signer first.

        Raises ``ValueError`` with a message that never contains key material.
        """
        # Lazily: the serialization module costs import time the authorizer never needs.
        from cryptography.hazmat.primitives import serialization  # noqa: PLC0415

        try:
            document = loads_strict(text)
        except ValueError:
            raise ValueError("session key ring is not valid JSON") from None
        entries = document.get("keys") if isinstance(document, dict) else None
        if not isinstance(entries, list) or not entries:
            raise ValueError("session key ring has no keys list")
        keys: list[tuple[str, ec.EllipticCurvePrivateKey]] = []
        for entry in entries:
            if not isinstance(entry, dict):
                raise ValueError("session key entry is not an object")
            kid = entry.get("kid")
            pem = entry.get("private_key_pem")
            if not isinstance(kid, str) or not isinstance(pem, str):
                raise ValueError("session key entry needs kid and private_key_pem strings")
            try:
                key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
            except (ValueError, TypeError, UnsupportedAlgorithm):
                raise ValueError("session key is not an unencrypted PEM private key") from None
            if not isinstance(key, ec.EllipticCurvePrivateKey):
                raise ValueError("session keys must be P-256 private keys")
            keys.append((kid, key))
        return cls(tuple(keys))

    def to_json(self) -> str:
        """The ring as ``from_json`` reads it. Holds private keys: store it as a secret."""
        from cryptography.hazmat.primitives import serialization  # noqa: PLC0415

        entries = [
            {
                "kid": kid,
                "private_key_pem": key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                ).decode("ascii"),
            }
            for kid, key in self._keys
        ]
        return json.dumps({"keys": entries}, indent=2)

    def rotated(self, new_kid: str | None = None) -> SessionKeyRing:
        """A ring with a new signing key first and all current keys after it."""
        key = ec.generate_private_key(ec.SECP256R1())
        return SessionKeyRing(((new_kid or _new_kid(), key), *self._keys))

    def retire(self, kid: str) -> SessionKeyRing:
        """A ring without the old key ``kid``. The signing key cannot be retired."""
        if kid == self.active_kid:
            raise ValueError("the signing key cannot be retired: rotate first")
        remaining = tuple(item for item in self._keys if item[0] != kid)
        if len(remaining) == len(self._keys):
            raise ValueError("no session key with that kid")
        return SessionKeyRing(remaining)

    @property
    def active_kid(self) -> str:
        return self._keys[0][0]

    @property
    def kids(self) -> tuple[str, ...]:
        return tuple(kid for kid, _ in self._keys)

    def keyset(self) -> KeySet:
        """The public keys, for ``SessionTokenValidator(..., StaticKeys(ring.keyset()))``."""
        return self._keyset

    def derived_keys(self, info: bytes, length: int = 32) -> tuple[bytes, ...]:
        """One symmetric key per ring key, the signer's first: HKDF-SHA256 of its scalar.

        For what the app seals into its own cookies (the pending sign-in): those keys
        rotate and retire with the session keys, without a secret of their own. ``info``
        names the use, so each use gets keys unrelated to any other's and to the
        signatures.
        """
        # Lazily, like serialization: the authorizer imports this module and never derives.
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF  # noqa: PLC0415

        if not isinstance(info, bytes) or not info:
            raise ValueError("info must name the use of the keys")
        return tuple(
            HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(
                key.private_numbers().private_value.to_bytes(_COORDINATE_BYTES, "big")
            )
            for _, key in self._keys
        )

    def public_jwks(self) -> dict[str, object]:
        """The public keys as a JWKS document (no private parameters)."""
        keys: list[dict[str, object]] = []
        for kid, key in self._keys:
            numbers = key.public_key().public_numbers()
            keys.append(
                {
                    "kty": "EC",
                    "crv": "P-256",
                    "x": b64url_encode(numbers.x.to_bytes(_COORDINATE_BYTES, "big")),
                    "y": b64url_encode(numbers.y.to_bytes(_COORDINATE_BYTES, "big")),
                    "kid": kid,
                    "use": "sig",
                    "alg": "ES256",
                    "key_ops": ["verify"],
                }
            )
        return {"keys": keys}

    def issue(
        self,
        *,
        issuer: str,
        ctx: str,
        associate_id: int,
        admin: bool,
        lifetime_seconds: int = 3600,
        now: float | None = None,
        name: str | None = None,
    ) -> str:
        """Sign a session token for user ``associate_id`` of tenant ``ctx``."""
        if not isinstance(issuer, str) or not issuer:
            raise ValueError("issuer must be a non-empty string")
        if not isinstance(ctx, str) or CTX_PATTERN.fullmatch(ctx) is None:
            raise ValueError("ctx must be a context identifier like Cust12345")
        if isinstance(associate_id, bool) or not isinstance(associate_id, int) or associate_id < 0:
            raise ValueError("associate_id must be a non-negative int")
        if not isinstance(admin, bool):
            raise ValueError("admin must be a bool")
        if (
            isinstance(lifetime_seconds, bool)
            or not isinstance(lifetime_seconds, int)
            or not 0 < lifetime_seconds <= MAX_SESSION_LIFETIME_SECONDS
        ):
            raise ValueError("lifetime_seconds must be a positive int of at most 7 days")
        if name is not None and not isinstance(name, str):
            raise ValueError("name must be a str or None")
        issued_at = int(time.time() if now is None else now)
        claims: dict[str, object] = {
            "iss": issuer,
            "aud": issuer,
            "sub": f"{ctx}:{associate_id}",
            "ctx": ctx,
            "associate_id": associate_id,
            "admin": admin,
            "iat": issued_at,
            "nbf": issued_at,
            "exp": issued_at + lifetime_seconds,
            "jti": secrets.token_urlsafe(16),
        }
        if name is not None:
            claims["name"] = name
        kid, key = self._keys[0]
        header = {"alg": "ES256", "kid": kid, "typ": SESSION_TOKEN_TYPE}
        signing_input = f"{b64url_encode(_json_bytes(header))}.{b64url_encode(_json_bytes(claims))}"
        der = key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256()))
        r, s = utils.decode_dss_signature(der)
        raw = r.to_bytes(_COORDINATE_BYTES, "big") + s.to_bytes(_COORDINATE_BYTES, "big")
        return f"{signing_input}.{b64url_encode(raw)}"

    def __repr__(self) -> str:
        return f"SessionKeyRing(kids={list(self.kids)!r})"
