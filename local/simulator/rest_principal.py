"""`GET {Api}/v1/User/currentPrincipal`: who the caller is (there is no userinfo endpoint)."""

from __future__ import annotations

from typing import Any, Final

from local.simulator.rest import RestCall, RestHandler
from local.simulator.routing import NotFound, PathRouter, Response

# The app's system user: one associate per tenant that SuperOffice creates for it.
SYSTEM_USER_ASSOCIATE_ID: Final = 3


def register(api: PathRouter[RestHandler]) -> None:
    api.add("GET", "/v1/User/currentPrincipal", current_principal)


def current_principal(call: RestCall) -> Response:
    return Response.json(_principal(call))


def _principal(call: RestCall) -> dict[str, Any]:
    ctx = call.tenant.ctx
    # SuperOffice's SoPrincipalCarrier: `Associate` is the user name, there is no
    # administrator flag (rights are FunctionRights), the tenant is DatabaseContextIdentifier.
    if call.principal.associate_id is None:
        return {
            "AssociateId": SYSTEM_USER_ASSOCIATE_ID,
            "Associate": "SystemUser",
            "FullName": "System User",
            "EMailAddress": "",
            "UserType": "SystemAssociate",
            "RoleType": "System",
            "FunctionRights": ["admin-all"],
            "DatabaseContextIdentifier": ctx,
        }
    user = call.tenant.user(call.principal.associate_id)
    if user is None:
        raise NotFound(f"associate {call.principal.associate_id} is not in {ctx}")
    return {
        "AssociateId": user.associate_id,
        "Associate": user.name,
        "FullName": user.name,
        "EMailAddress": user.local_user(ctx).email,
        "UserType": "InternalAssociate",
        "RoleType": "Employee",
        "FunctionRights": ["admin-all"] if user.is_administrator else [],
        "DatabaseContextIdentifier": ctx,
    }
