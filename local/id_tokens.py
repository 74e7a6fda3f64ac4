"""id_tokens of the local environment, exactly as SuperID issues them (protocol section 2).

Used by `python -m local token` now and by the simulator's token endpoint later, so both
mint the same shape: RS256 with `x5t` and no `kid` in the header, `iat` as a string of
digits, and the SuperOffice claims as strings under their URI prefix.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import string
import time
from dataclasses import dataclass
from typing import Any, Final

import jwt

from local.superid_keys import SigningKey

CLAIM_PREFIX: Final = "http://schemes.superoffice.net/identity/"
CTX_PATTERN: Final = re.compile(r"^Cust[0-9]{1,12}$")
DEFAULT_LIFETIME_SECONDS: Final = 300
DEFAULT_ASSOCIATE_ID: Final = 5
LOCAL_APP_NAME: Final = "LocalApp"

SUPEROFFICE_CLAIMS: Final = (
    "ctx",
    "serial",
    "webapi_url",
    "netserver_url",
    "system_token",
    "is_administrator",
    "associateid",
    "company_name",
    "email",
    "upn",
    "identityprovider",
    "initials",
    "so_primary_email_address",
)


def claim(name: str) -> str:
    """The full claim name of a SuperOffice claim: `claim("ctx")` -> `http://...identity/ctx`."""
    return CLAIM_PREFIX + name


def is_valid_ctx(ctx: str) -> bool:
    return CTX_PATTERN.fullmatch(ctx) is not None


def tenant_serial(ctx: str) -> str:
    """The tenant's ten-digit license serial, derived from `ctx` so it never changes."""
    number = int.from_bytes(hashlib.sha256(ctx.encode("ascii")).digest()[:8], "big")
    return f"{number % 10**10:010d}"


def tenant_company_name(ctx: str) -> str:
    return f"Local Tenant {ctx}"


def tenant_webapi_url(base_url: str, ctx: str) -> str:
    return f"{base_url.rstrip('/')}/{ctx}/api/"


def tenant_netserver_url(base_url: str, ctx: str) -> str:
    return f"{base_url.rstrip('/')}/{ctx}/Remote/Services88/"


def new_system_token(app_name: str = LOCAL_APP_NAME) -> str:
    """A fresh system token shaped like SuperOffice's (`MyApp-8k8Q7DmBgo`)."""
    alphabet = string.ascii_letters + string.digits
    return app_name + "-" + "".join(secrets.choice(alphabet) for _ in range(10))


@dataclass(frozen=True)
class LocalUser:
    """A signed-in user of a simulated tenant; identity details follow from ctx and id."""

    ctx: str
    associate_id: int = DEFAULT_ASSOCIATE_ID
    is_administrator: bool = False

    def __post_init__(self) -> None:
        if not is_valid_ctx(self.ctx):
            raise ValueError(f"ctx {self.ctx!r} does not match {CTX_PATTERN.pattern}")
        if self.associate_id < 1:
            raise ValueError(f"associate id must be positive, got {self.associate_id}")

    @property
    def email(self) -> str:
        return f"associate{self.associate_id}@{self.ctx.lower()}.example.com"

    @property
    def initials(self) -> str:
        return f"A{self.associate_id}"


def id_token_claims(
    *,
    issuer: str,
    audience: str,
    user: LocalUser,
    nonce: str | None = None,
    system_token: str | None = None,
    lifetime: int = DEFAULT_LIFETIME_SECONDS,
    now: int | None = None,
) -> dict[str, Any]:
    """The claims of an id_token for `user`; every SuperOffice claim value is a string."""
    issued = int(time.time()) if now is None else now
    base_url = issuer.rstrip("/")
    claims: dict[str, Any] = {
        "iss": base_url,
        "aud": audience,
        "sub": user.email,
        "exp": issued + lifetime,
        "nbf": issued,
        # SuperOffice sends iat as a string of digits; relying parties must cope.
        "iat": str(issued),
    }
    if nonce is not None:
        claims["nonce"] = nonce
    superoffice = {
        "ctx": user.ctx,
        "serial": tenant_serial(user.ctx),
        "is_administrator": "True" if user.is_administrator else "False",
        "associateid": str(user.associate_id),
        "company_name": tenant_company_name(user.ctx),
        "email": user.email,
        "upn": user.email,
        "identityprovider": "local",
        "initials": user.initials,
        "so_primary_email_address": user.email,
        "webapi_url": tenant_webapi_url(base_url, user.ctx),
        "netserver_url": tenant_netserver_url(base_url, user.ctx),
    }
    # A secret: present only when the app is granted it (install-time sign-in).
    if system_token is not None:
        superoffice["system_token"] = system_token
    claims.update({claim(name): value for name, value in superoffice.items()})
    return claims


def sign_id_token(claims: dict[str, Any], key: SigningKey) -> str:
    """Sign like SuperID: RS256, `x5t` in the header, no `kid`."""
    return jwt.encode(claims, key.private_key, algorithm="RS256", headers={"x5t": key.x5t})


def issue_id_token(
    key: SigningKey,
    *,
    issuer: str,
    audience: str,
    user: LocalUser,
    nonce: str | None = None,
    system_token: str | None = None,
    lifetime: int = DEFAULT_LIFETIME_SECONDS,
    now: int | None = None,
) -> str:
    claims = id_token_claims(
        issuer=issuer,
        audience=audience,
        user=user,
        nonce=nonce,
        system_token=system_token,
        lifetime=lifetime,
        now=now,
    )
    return sign_id_token(claims, key)
