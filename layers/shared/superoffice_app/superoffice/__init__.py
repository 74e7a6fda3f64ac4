"""The SuperOffice client: SuperID, the system user, the state API and tenant REST calls.

Modules, each with one job:

- ``http``: the HTTP client factory and the ``SuperOfficeError`` hierarchy;
- ``oidc``: authorize URL, code exchange and refresh (SuperID);
- ``private_key``: the app's RSA key from RSA XML or PEM;
- ``system_user``: signing the system token and exchanging it for a ticket;
- ``state_api``: where a tenant's API lives and whether it runs (cached);
- ``rest``: ``TenantApi``, JSON calls on a tenant's REST API with ticket renewal and
  host re-resolution.

Domain code takes its I/O (the ``httpx.Client``, clocks, ticket sources) as parameters.
The names below are loaded on first use (``lazy_exports``): a function that needs only
SuperOffice's date formats does not import its HTTP client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from superoffice_app.lazy_exports import lazy_exports

if TYPE_CHECKING:  # the same names, for type checkers; at run time __getattr__ loads them
    from .dates import parse_valid_until
    from .http import (
        USER_AGENT,
        AccessRevoked,
        SuperOfficeApiError,
        SuperOfficeError,
        SuperOfficeUnavailable,
        UnexpectedResponse,
        new_http_client,
        parse_retry_after,
        utc_now,
    )
    from .oidc import (
        OidcError,
        PendingAuthorization,
        TokenResponse,
        authorize_url,
        code_challenge_s256,
        exchange_code,
        new_authorization,
        refresh,
    )
    from .private_key import PrivateKeyError, load_private_key
    from .rest import TenantApi, TenantNotRunning, TicketSource
    from .state_api import StateApiClient, TenantNotFound, TenantState
    from .system_user import (
        TICKET_LIFETIME,
        InvalidSystemUserToken,
        SystemUserClient,
        SystemUserRefused,
        SystemUserRevoked,
        Ticket,
        sign_system_token,
    )

# Which module of this package defines each public name.
_MODULES: Final[dict[str, tuple[str, ...]]] = {
    "dates": ("parse_valid_until",),
    "http": (
        "USER_AGENT",
        "AccessRevoked",
        "SuperOfficeApiError",
        "SuperOfficeError",
        "SuperOfficeUnavailable",
        "UnexpectedResponse",
        "new_http_client",
        "parse_retry_after",
        "utc_now",
    ),
    "oidc": (
        "OidcError",
        "PendingAuthorization",
        "TokenResponse",
        "authorize_url",
        "code_challenge_s256",
        "exchange_code",
        "new_authorization",
        "refresh",
    ),
    "private_key": (
        "PrivateKeyError",
        "load_private_key",
    ),
    "rest": (
        "TenantApi",
        "TenantNotRunning",
        "TicketSource",
    ),
    "state_api": (
        "StateApiClient",
        "TenantNotFound",
        "TenantState",
    ),
    "system_user": (
        "TICKET_LIFETIME",
        "InvalidSystemUserToken",
        "SystemUserClient",
        "SystemUserRefused",
        "SystemUserRevoked",
        "Ticket",
        "sign_system_token",
    ),
}

__all__ = [
    "TICKET_LIFETIME",
    "USER_AGENT",
    "AccessRevoked",
    "InvalidSystemUserToken",
    "OidcError",
    "PendingAuthorization",
    "PrivateKeyError",
    "StateApiClient",
    "SuperOfficeApiError",
    "SuperOfficeError",
    "SuperOfficeUnavailable",
    "SystemUserClient",
    "SystemUserRefused",
    "SystemUserRevoked",
    "TenantApi",
    "TenantNotFound",
    "TenantNotRunning",
    "TenantState",
    "Ticket",
    "TicketSource",
    "TokenResponse",
    "UnexpectedResponse",
    "authorize_url",
    "code_challenge_s256",
    "exchange_code",
    "load_private_key",
    "new_authorization",
    "new_http_client",
    "parse_retry_after",
    "parse_valid_until",
    "refresh",
    "sign_system_token",
    "utc_now",
]

__getattr__, __dir__ = lazy_exports(__name__, _MODULES)
