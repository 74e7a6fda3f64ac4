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
"""

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
