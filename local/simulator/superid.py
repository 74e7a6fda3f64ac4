"""SuperID, the simulator's OpenID Connect provider: discovery and signing keys.

Paths and document shape as on SuperOffice's login hosts (protocol section 2).
"""

from __future__ import annotations

from typing import Any, Final

from local.id_tokens import SUPEROFFICE_CLAIMS, claim
from local.simulator.context import SimulatorContext
from local.simulator.routing import Request, Response, Router

# The same paths as superoffice_app.environments (a unit test keeps them equal).
DISCOVERY_PATH: Final = "/login/.well-known/openid-configuration"
AUTHORIZE_PATH: Final = "/login/common/oauth/authorize"
TOKEN_PATH: Final = "/login/common/oauth/tokens"  # noqa: S105 - a path, not a secret
JWKS_PATH: Final = "/login/.well-known/jwks"

_STANDARD_CLAIMS: Final = ("sub", "iss", "aud", "exp", "nbf", "iat", "nonce")
# Relying parties cache these documents; an hour is what makes sense for a key set.
_CACHE: Final = {"Cache-Control": "public, max-age=3600"}


def discovery_document(base_url: str) -> dict[str, Any]:
    return {
        "issuer": base_url,
        "authorization_endpoint": base_url + AUTHORIZE_PATH,
        "token_endpoint": base_url + TOKEN_PATH,
        "jwks_uri": base_url + JWKS_PATH,
        "response_types_supported": ["code", "id_token", "code id_token"],
        "response_modes_supported": ["query", "form_post"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid"],
        "token_endpoint_auth_methods_supported": ["client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": [*_STANDARD_CLAIMS, *(claim(name) for name in SUPEROFFICE_CLAIMS)],
    }


def register(router: Router, context: SimulatorContext) -> None:
    def discovery(_request: Request) -> Response:
        return Response.json(discovery_document(context.base_url), headers=_CACHE)

    def jwks(_request: Request) -> Response:
        return Response.json(context.signing_key.jwks(), headers=_CACHE)

    router.add("GET", DISCOVERY_PATH, discovery)
    router.add("GET", JWKS_PATH, jwks)
