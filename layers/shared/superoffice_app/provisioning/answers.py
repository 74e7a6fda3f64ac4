"""Reading the shapes of SuperOffice's answers, refusing what the contract does not describe.

Each reader takes the parsed answer and ``what`` (the thing read, for the message) and
raises ``UnexpectedResponse`` when the answer does not fit; ``TenantApi.fetch`` adds the
operation, the status and an excerpt of the answer.
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import quote

from superoffice_app.superoffice.http import SuperOfficeApiError, UnexpectedResponse

__all__ = ["entries", "identifier", "is_not_found", "live_entries", "record", "segment"]

# OData's collection envelope: SuperOffice documents it for archive and OData answers,
# and some of its lists come in it too (`{"odata.metadata": ..., "value": [...]}`).
_ODATA_VALUE: Final = "value"


def entries(answer: Any, what: str) -> list[dict[str, Any]]:
    """A JSON array of objects (a list of fields, lists, panels, items).

    Also accepted: the same array in an OData envelope (an object whose ``value`` is the
    array), a form SuperOffice's documentation allows for collections.
    """
    if isinstance(answer, dict) and isinstance(answer.get(_ODATA_VALUE), list):
        answer = answer[_ODATA_VALUE]
    if not isinstance(answer, list) or not all(isinstance(entry, dict) for entry in answer):
        raise UnexpectedResponse(f"{what}: expected a JSON array of objects")
    return answer


def live_entries(answer: Any, what: str) -> list[dict[str, Any]]:
    """``entries`` without the soft-deleted ones (``"Deleted": true``)."""
    return [entry for entry in entries(answer, what) if entry.get("Deleted") is not True]


def record(answer: Any, what: str) -> dict[str, Any]:
    if not isinstance(answer, dict):
        raise UnexpectedResponse(f"{what}: expected a JSON object")
    return answer


def identifier(entry: dict[str, Any], field: str, what: str) -> str:
    """An id field (a positive number, or a non-empty string) as text."""
    value = entry.get(field)
    if isinstance(value, bool) or not isinstance(value, int | str) or value in ("", 0):
        raise UnexpectedResponse(f"{what}: {field} is missing")
    return str(value)


def segment(value: str) -> str:
    """``value`` quoted as one URL path segment."""
    return quote(value, safe="")


def is_not_found(error: SuperOfficeApiError) -> bool:
    return error.status == 404
