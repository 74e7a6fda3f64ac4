"""SuperOffice's side of the demo: the simulator's control API, and the mirror compared with it.

The control API does what SuperOffice (or its users) would: change records, suspend or
move a tenant, send the state-change notification; and it shows what the app asked of
SuperOffice (counters) and what SuperOffice sent the app (notifications, webhook calls).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import httpx

from local.demo.polling import wait_until

NOTIFICATION_PATH: Final = "/notifications/tenant-state"
ENTITIES: Final = ("contact", "person", "sale", "project")


class SuperOfficeControl:
    def __init__(self, simulator_url: str) -> None:
        self.base = simulator_url.rstrip("/") + "/_control"

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        response = httpx.request(method, self.base + path, json=body, timeout=30)
        response.raise_for_status()
        return response.json() if response.content else None

    # -- tenants ---------------------------------------------------------------------------

    def tenant(self, ctx: str) -> dict[str, Any]:
        answer: dict[str, Any] = self._call("GET", f"/tenants/{ctx}")
        return answer

    def set_state(self, ctx: str, state: str) -> None:
        self._call("PUT", f"/tenants/{ctx}/state", {"state": state})

    def set_host(self, ctx: str, host: str) -> None:
        self._call("PUT", f"/tenants/{ctx}/host", {"host": host})

    def change(self, ctx: str, change: str, **details: Any) -> dict[str, Any]:
        """Change the tenant as SuperOffice does and notify the app; the control API's answer."""
        answer: dict[str, Any] = self._call(
            "POST", f"/tenants/{ctx}/changes", {"change": change, **details}
        )
        return answer

    def notification(self, notification_id: int) -> dict[str, Any]:
        answer: dict[str, Any] = self._call("GET", f"/notifications/{notification_id}")
        return answer

    def point_notifications_at(self, app_url: str) -> str:
        """The app's customer-state-change URL, as its Developer Portal entry names it."""
        url = app_url.rstrip("/") + NOTIFICATION_PATH
        self._call("PUT", "/notification-urls", {"url": url})
        return url

    def wait_for_answer(
        self, notification: Mapping[str, Any], *, timeout: float = 30
    ) -> dict[str, Any]:
        """Until the app answered the notification (or could not be reached): that send."""

        def probe() -> tuple[bool, Any]:
            entry = self.notification(int(notification["id"]))
            sends = entry.get("sends") or []
            last = sends[-1] if sends else {}
            return bool(last.get("answered") or last.get("error")), last or "not sent yet"

        sent: dict[str, Any] = wait_until(
            f"the app answers the {notification['change']} notification", probe, timeout=timeout
        )
        return sent

    # -- counters --------------------------------------------------------------------------

    def counters(self, ctx: str) -> dict[str, Any]:
        answer: dict[str, Any] = self._call("GET", f"/tenants/{ctx}/counters")
        return answer

    def reset_counters(self, ctx: str) -> None:
        self._call("DELETE", f"/tenants/{ctx}/counters")

    # -- records and webhooks --------------------------------------------------------------

    def records(self, ctx: str) -> dict[str, dict[int, dict[str, Any]]]:
        """Every record of the tenant as the mirror should hold it: entity -> key ->
        {"updated", **fields}; records deleted in the user interface left out."""
        answer = self._call("GET", f"/tenants/{ctx}/records")
        return {
            entity: {
                int(row["primaryKey"]): {"updated": row["updated"], **row["fieldValues"]}
                for row in rows
                if row.get("deletedDate") is None
            }
            for entity, rows in answer["records"].items()
        }

    def save_record(
        self,
        ctx: str,
        entity: str,
        fields: Mapping[str, Any],
        *,
        key: int | None = None,
        notify: bool = False,
        updated: str | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"fields": dict(fields), "notify": notify}
        if key is not None:
            body["id"] = key
        if updated is not None:
            body["updated"] = updated
        answer: dict[str, Any] = self._call("POST", f"/tenants/{ctx}/records/{entity}", body)
        return answer

    def delete_record(self, ctx: str, entity: str, key: int, *, notify: bool = False) -> None:
        query = "" if notify else "?notify=false"
        self._call("DELETE", f"/tenants/{ctx}/records/{entity}/{key}{query}")

    def soft_delete_record(
        self, ctx: str, entity: str, key: int, *, notify: bool = False
    ) -> dict[str, Any]:
        """A user deletes the contact or person in SuperOffice's user interface."""
        answer: dict[str, Any] = self._call(
            "POST", f"/tenants/{ctx}/records/{entity}/{key}/softdelete", {"notify": notify}
        )
        return answer

    def purge_record(
        self, ctx: str, entity: str, key: int, *, notify: bool = False
    ) -> dict[str, Any]:
        """SuperOffice removes the record for good (a soft-deleted one's later purge)."""
        query = "" if notify else "?notify=false"
        answer: dict[str, Any] = self._call(
            "DELETE", f"/tenants/{ctx}/records/{entity}/{key}{query}"
        )
        return answer

    def webhooks(self, ctx: str) -> list[dict[str, Any]]:
        answer: list[dict[str, Any]] = self._call("GET", f"/tenants/{ctx}/webhooks")["webhooks"]
        return answer


def differences(
    mirror: Mapping[int, Mapping[str, Any]], superoffice: Mapping[int, Mapping[str, Any]]
) -> list[str]:
    """How one entity's mirror differs from SuperOffice's records, in words (none: equal).

    Each record must be there with SuperOffice's `updated`, and every field the mirror
    keeps must hold SuperOffice's value.
    """
    found: list[str] = []
    for key in sorted(set(superoffice) - set(mirror)):
        found.append(f"{key} missing from the mirror")
    for key in sorted(set(mirror) - set(superoffice)):
        found.append(f"{key} in the mirror only")
    for key in sorted(set(mirror) & set(superoffice)):
        mirrored, actual = mirror[key], superoffice[key]
        for name, value in mirrored.items():
            if name in actual and actual[name] != value:
                found.append(f"{key}.{name} is {value!r}, not {actual[name]!r}")
    return found


def mirror_differences(
    mirror: Mapping[str, Mapping[int, Mapping[str, Any]]],
    superoffice: Mapping[str, Mapping[int, Mapping[str, Any]]],
) -> list[str]:
    """`differences` for every entity, each prefixed with the entity's name."""
    return [
        f"{entity} {difference}"
        for entity in ENTITIES
        for difference in differences(mirror.get(entity, {}), superoffice.get(entity, {}))
    ]
