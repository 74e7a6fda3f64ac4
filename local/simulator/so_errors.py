"""SuperOffice's error answers: `{"Error": true, "ErrorType", "ErrorMessage", "ErrorSource"}`.

Only `SoNotFoundException` is documented; the other ErrorType names are the simulator's
own, one per status, so apps must decide by status code, as they should anyway.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from local.simulator.routing import Response

ERROR_TYPES: Final = {
    400: "SoArgumentException",
    401: "SoSecurityException",
    403: "SoAccessDeniedException",
    404: "SoNotFoundException",
    405: "SoMethodNotAllowedException",
    409: "SoConflictException",
    421: "SoWrongHostException",
    429: "SoTooManyRequestsException",
    503: "SoTenantNotAvailableException",
}
DEFAULT_ERROR_TYPE: Final = "SoServerException"


def so_error(
    status: int, message: str, *, source: str, headers: Mapping[str, str] | None = None
) -> Response:
    return Response.json(
        {
            "Error": True,
            "ErrorType": ERROR_TYPES.get(status, DEFAULT_ERROR_TYPE),
            "ErrorMessage": message,
            "ErrorSource": source,
        },
        status=status,
        headers=headers,
    )
