"""Small helpers for the sync tests: the simulator's control API, messages, budgets."""

from __future__ import annotations

from typing import Any

import httpx

from superoffice_app.queues.messages import Message, parse_message
from superoffice_app.sync.budget import Budget


class Control:
    def __init__(self, base_url: str) -> None:
        self._http = httpx.Client(base_url=base_url + "/_control", timeout=30)

    def post(self, path: str, body: Any = None) -> Any:
        answer = self._http.post(path, json=body if body is not None else {})
        answer.raise_for_status()
        return answer.json() if answer.content else None

    def put(self, path: str, body: Any) -> Any:
        answer = self._http.put(path, json=body)
        answer.raise_for_status()
        return answer.json() if answer.content else None

    def delete(self, path: str) -> Any:
        answer = self._http.delete(path)
        answer.raise_for_status()
        return answer.json() if answer.content else None

    def get(self, path: str) -> Any:
        answer = self._http.get(path)
        answer.raise_for_status()
        return answer.json()

    def save(self, ctx: str, entity: str, fields: dict[str, Any], **extra: Any) -> int:
        body = {"fields": fields, "notify": False, **extra}
        return int(self.post(f"/tenants/{ctx}/records/{entity}", body)["primaryKey"])

    def counters(self, ctx: str) -> dict[str, Any]:
        return dict(self.get(f"/tenants/{ctx}/counters"))

    def reset_counters(self, ctx: str) -> None:
        self.delete(f"/tenants/{ctx}/counters")

    def fault(self, ctx: str, **fault: Any) -> None:
        self.post(f"/tenants/{ctx}/faults", fault)


def message(body: dict[str, Any]) -> Message:
    import json

    return parse_message(json.dumps(body))


def budget(seconds: float = 60) -> Budget:
    return Budget(seconds, margin=0)


def rest_requests(counters: dict[str, Any]) -> int:
    return int(counters.get("byArea", {}).get("rest", 0))


def area(counters: dict[str, Any], name: str) -> int:
    return int(counters.get("byArea", {}).get(name, 0))
