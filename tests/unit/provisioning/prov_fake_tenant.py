"""A SuperOffice tenant in memory, answering the REST calls of the contract.

It keeps what a real tenant keeps for provisioning (user-defined field layouts with a
publish step that renumbers ids, lists with items, web panels, preferences, CRM webhooks
with their registration test event) and lets a test script faults: busy publishes,
revoked access, failures of one call. It answers as SuperOffice documents: a preference's
GET is the bare value ("" when not set), a preference is removed through the Preference
agent (REST has no DELETE: 405), and a web panel property SuperOffice does not document is
refused (the strict simulator's rule: the real service would ignore it silently).
"""

from __future__ import annotations

import copy
import itertools
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import httpx

from superoffice_app.environments import Environment
from superoffice_app.provisioning.documented import WEB_PANEL_PROPERTIES
from superoffice_app.superoffice.rest import TenantApi
from superoffice_app.superoffice.state_api import StateApiClient
from superoffice_app.superoffice.system_user import SystemUserRevoked
from superoffice_app.tokens import Secret

LOGIN = "https://sod.superoffice.com"
ENVIRONMENT = Environment(name="sod", login_base=LOGIN, issuer=LOGIN)
CTX = "Cust12345"
API = "https://sod2.superoffice.com/Cust12345/api"
APP_TOKEN = "app-token-0123456789"
APP_BASE_URL = "https://app.example.com"

Fault = Callable[[str, str], httpx.Response | None]
# The app's answer to SuperOffice's registration test event, given the webhook's fields.
TestEventTarget = Callable[[dict[str, Any]], int]


def not_found(message: str) -> httpx.Response:
    return httpx.Response(
        404,
        json={"Error": True, "ErrorType": "SoNotFoundException", "ErrorMessage": message},
    )


class FakeTenant:
    def __init__(self, *, first_id: int = 100) -> None:
        self._ids = itertools.count(first_id)
        self.layouts: dict[str, list[dict[str, Any]]] = {}
        self.published: dict[str, list[dict[str, Any]]] = {}
        self.lists: list[dict[str, Any]] = []
        self.items: dict[int, list[dict[str, Any]]] = {}
        self.panels: list[dict[str, Any]] = []
        self.preferences: dict[tuple[str, str, str], str] = {}
        self.preference_ids: dict[tuple[str, str, str], int] = {}
        self.busy_polls = 0  # how many GET .../Publish answer true before false
        self.revoked = False
        self.faults: list[Fault] = []
        self.log: list[tuple[str, str]] = []
        self.queries: list[tuple[str, str, dict[str, str]]] = []  # method, path, query
        self.webhooks: dict[int, dict[str, Any]] = {}
        self.test_event_target: TestEventTarget = lambda fields: 200
        self.test_events: list[dict[str, Any]] = []  # the fields of each test event sent

    # --- the parts a test looks at ------------------------------------------------------

    def new_id(self) -> int:
        return next(self._ids)

    def calls(self, method: str | None = None) -> list[tuple[str, str]]:
        return [(m, p) for m, p in self.log if method is None or m == method]

    def writes(self) -> list[tuple[str, str]]:
        return [(m, p) for m, p in self.log if m != "GET"]

    def field(self, entity: str, prog_id: str, *, published: bool = False) -> dict[str, Any] | None:
        source = self.published if published else self.layouts
        return next((f for f in source.get(entity, []) if f["ProgId"] == prog_id), None)

    def add_field(self, entity: str, prog_id: str, label: str, *, publish: bool = True) -> None:
        field = {
            "UDefFieldId": self.new_id(),
            "ProgId": prog_id,
            "FieldLabel": label,
            "FieldType": "Number",
        }
        self.layouts.setdefault(entity, []).append(field)
        if publish:
            self.published[entity] = copy.deepcopy(self.layouts[entity])

    def add_list(self, name: str, items: list[str]) -> int:
        list_id = self.new_id()
        self.lists.append({"Id": list_id, "Name": name, "Tooltip": "", "Deleted": False})
        self.items[list_id] = [
            {"Id": self.new_id(), "Name": item, "Tooltip": "", "Deleted": False} for item in items
        ]
        return list_id

    def add_panel(self, prog_id: str, name: str = "panel") -> int:
        panel_id = self.new_id()
        self.panels.append(
            {
                "WebPanelId": panel_id,
                "Name": name,
                "ProgId": prog_id,
                "Url": "https://x",
                "VisibleIn": "ContactCard",
                "Tooltip": "",
                "Deleted": False,
            }
        )
        return panel_id

    def add_webhook(self, **fields: Any) -> int:
        webhook_id = self.new_id()
        self.webhooks[webhook_id] = {
            "WebhookId": webhook_id,
            "Name": "hook",
            "Events": ["contact.created"],
            "TargetUrl": "https://elsewhere.example.com/hook",
            "Secret": "their-secret",
            "State": "Active",
            "Type": "webhook",
            "Headers": {},
            "Properties": {},
            **fields,
        }
        return webhook_id

    def tenant_api(self, tickets: FakeTickets | None = None) -> TenantApi:
        http = httpx.Client(transport=httpx.MockTransport(self.handle))
        clock = lambda: datetime(2026, 2, 23, 9, 0, tzinfo=UTC)  # noqa: E731
        return TenantApi(
            http,
            ctx=CTX,
            state_api=StateApiClient(http, ENVIRONMENT, clock),
            tickets=tickets or FakeTickets(self),
            app_token=Secret(APP_TOKEN),
        )

    # --- the HTTP side -----------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url.copy_with(query=None))
        if url == ENVIRONMENT.state_api_url(CTX):
            return httpx.Response(
                200,
                json={
                    "ContextIdentifier": CTX,
                    "Endpoint": API.removesuffix("/api"),
                    "State": "Running",
                    "IsRunning": True,
                    "ValidUntil": "2026-02-23T09:52:01.9342965Z",
                    "Api": API,
                    "Version": "Release_11.10",
                },
            )
        assert url.startswith(API + "/"), url
        path = unquote(url.removeprefix(API))
        self.log.append((request.method, path))
        self.queries.append((request.method, path, dict(request.url.params)))
        if request.headers.get("SO-AppToken") != APP_TOKEN:
            return httpx.Response(403)
        if self.revoked or not request.headers.get("Authorization", "").startswith("SOTicket 7T:"):
            return httpx.Response(401)
        for fault in self.faults:
            answer = fault(request.method, path)
            if answer is not None:
                return answer
        body = json.loads(request.content) if request.content else None
        return self._route(request.method, path, dict(request.url.params), body)

    def _route(self, method: str, path: str, params: dict[str, str], body: Any) -> httpx.Response:
        if m := re.fullmatch(r"/v1/(\w+)/UdefLayout/Publish", path):
            return self._publish(method, m.group(1))
        if m := re.fullmatch(r"/v1/(\w+)/UdefLayout/(.+)", path):
            return self._delete_field(m.group(1), m.group(2))
        if m := re.fullmatch(r"/v1/(\w+)/UdefLayout", path):
            return self._layout(method, m.group(1), params, body)
        if path == "/v1/List/WebPanel/Items":
            return self._panels(method, body)
        if m := re.fullmatch(r"/v1/List/WebPanel/Items/(\d+)", path):
            return self._panel(method, int(m.group(1)))
        if path == "/v1/List":
            return self._lists(method, body)
        if m := re.fullmatch(r"/v1/List/(\d+)/Items", path):
            return self._list_items(method, int(m.group(1)), body)
        if m := re.fullmatch(r"/v1/List/(\d+)", path):
            return self._delete_list(int(m.group(1)))
        if path == "/v1/Webhook":
            return self._webhooks(method, params, body)
        if m := re.fullmatch(r"/v1/Webhook/(\d+)", path):
            return self._webhook(method, int(m.group(1)), body)
        if m := re.fullmatch(r"/v1/Preference/([^/]+)/([^/]+)/([^/]+)", path):
            return self._preference(method, (m.group(1), m.group(2), m.group(3)), params)
        if m := re.fullmatch(r"/v1/Agents/Preference/(\w+)", path):
            assert method == "POST"
            return self._preference_agent(m.group(1), body)
        return httpx.Response(
            400, json={"Error": True, "ErrorType": "BadRoute", "ErrorMessage": path}
        )

    def _layout(
        self, method: str, entity: str, params: dict[str, str], body: Any
    ) -> httpx.Response:
        layout = self.layouts.setdefault(entity, [])
        if method == "GET":
            return httpx.Response(200, json=layout)
        if method == "POST":
            template = {
                "UDefFieldId": 0,
                "FieldLabel": "",
                "ProgId": "",
                "FieldType": params["udefFieldType"],
                "Tooltip": "",
                "Rank": len(layout) + 1,
            }
            return httpx.Response(200, json=template)
        assert method == "PUT"
        assert isinstance(body, list)
        for field in body:
            if not field.get("UDefFieldId"):
                field["UDefFieldId"] = self.new_id()
        self.layouts[entity] = body
        return httpx.Response(200, json=body)

    def _publish(self, method: str, entity: str) -> httpx.Response:
        if method == "GET":
            if self.busy_polls > 0:
                self.busy_polls -= 1
                return httpx.Response(200, json=True)
            return httpx.Response(200, json=False)
        for field in self.layouts.get(entity, []):
            field["UDefFieldId"] = self.new_id()  # ids change on publish
        self.published[entity] = copy.deepcopy(self.layouts.get(entity, []))
        return httpx.Response(200, json=True)

    def _delete_field(self, entity: str, prog_id_or_label: str) -> httpx.Response:
        layout = self.layouts.get(entity, [])
        for field in layout:
            if prog_id_or_label in (field["ProgId"], field["FieldLabel"]):
                layout.remove(field)
                return httpx.Response(204)
        return not_found(f"no field {prog_id_or_label}")

    def _lists(self, method: str, body: Any) -> httpx.Response:
        if method == "GET":
            return httpx.Response(200, json=self.lists)
        created = {
            "Id": self.new_id(),
            "Name": body["Name"],
            "Tooltip": body.get("Tooltip", ""),
            "Deleted": False,
        }
        self.lists.append(created)
        self.items[created["Id"]] = []
        return httpx.Response(200, json=created)

    def _list_items(self, method: str, list_id: int, body: Any) -> httpx.Response:
        if list_id not in self.items:
            return not_found(f"no list {list_id}")
        if method == "GET":
            return httpx.Response(200, json=self.items[list_id])
        created = {"Id": self.new_id(), "Name": body["Name"], "Tooltip": "", "Deleted": False}
        self.items[list_id].append(created)
        return httpx.Response(200, json=created)

    def _delete_list(self, list_id: int) -> httpx.Response:
        for entry in self.lists:
            if entry["Id"] == list_id:
                self.lists.remove(entry)
                del self.items[list_id]
                return httpx.Response(204)
        return not_found(f"no list {list_id}")

    def _panels(self, method: str, body: Any) -> httpx.Response:
        if method == "GET":
            return httpx.Response(200, json=self.panels)
        unknown = sorted(set(body) - WEB_PANEL_PROPERTIES)
        if unknown:
            return httpx.Response(
                400,
                json={"Error": True, "ErrorType": "Undocumented", "ErrorMessage": str(unknown)},
            )
        created = {**body, "WebPanelId": self.new_id()}
        self.panels.append(created)
        return httpx.Response(200, json=created)

    def _panel(self, method: str, panel_id: int) -> httpx.Response:
        for panel in self.panels:
            if panel["WebPanelId"] == panel_id:
                if method == "DELETE":
                    self.panels.remove(panel)
                    return httpx.Response(204)
                return httpx.Response(200, json=panel)
        return not_found(f"no web panel {panel_id}")

    def _webhooks(self, method: str, params: dict[str, str], body: Any) -> httpx.Response:
        if method == "GET":
            prefix = params.get("nameFilter", "").lower()
            return httpx.Response(
                200,
                json=[
                    copy.deepcopy(hook)
                    for _, hook in sorted(self.webhooks.items())
                    if hook["Name"].lower().startswith(prefix)
                ],
            )
        refused = self._test_event(body)
        if refused is not None:
            return refused
        webhook_id = self.new_id()
        self.webhooks[webhook_id] = {**body, "WebhookId": webhook_id}
        return httpx.Response(201, json=self.webhooks[webhook_id])

    def _webhook(self, method: str, webhook_id: int, body: Any) -> httpx.Response:
        if webhook_id not in self.webhooks:
            return not_found(f"there is no webhook with id {webhook_id}")
        if method == "GET":
            return httpx.Response(200, json=copy.deepcopy(self.webhooks[webhook_id]))
        if method == "DELETE":
            del self.webhooks[webhook_id]
            return httpx.Response(204)
        refused = self._test_event(body)
        if refused is not None:
            return refused
        self.webhooks[webhook_id] = {**body, "WebhookId": webhook_id}
        return httpx.Response(200, json=self.webhooks[webhook_id])

    def _test_event(self, fields: dict[str, Any]) -> httpx.Response | None:
        """SuperOffice saves an active webhook only if the app answers its test with 200."""
        if fields.get("State", "Active") != "Active":
            return None
        self.test_events.append(copy.deepcopy(fields))
        status = self.test_event_target(fields)
        if status == 200:
            return None
        return httpx.Response(
            400,
            json={
                "Error": True,
                "ErrorType": "SoArgumentException",
                "ErrorMessage": f"Webhook test to {fields.get('TargetUrl')} failed: HTTP {status}",
            },
        )

    def _preference(
        self, method: str, key: tuple[str, str, str], params: dict[str, str]
    ) -> httpx.Response:
        if method == "PUT":
            self.preferences[key] = params["value"]
            self.preference_ids.setdefault(key, self.new_id())
            return httpx.Response(204)
        if method != "GET":
            return httpx.Response(405, headers={"Allow": "GET, PUT"})
        return httpx.Response(200, json=self.preferences.get(key, ""))

    def _preference_agent(self, operation: str, body: Any) -> httpx.Response:
        if operation == "GetPreferenceByName":
            key = (body["PrefSection"], body["PrefKey"], body["PrefLevel"])
            if key not in self.preferences:
                return httpx.Response(200, json={"Level": "Undefined", "RawValue": ""})
            return httpx.Response(
                200,
                json={
                    "Level": key[2],
                    "RawValue": self.preferences[key],
                    "Specification": {"Section": key[0], "Key": key[1]},
                    # A preference a test stored directly gets its id when first asked.
                    "UserPreferenceId": self.preference_ids.setdefault(key, self.new_id()),
                },
            )
        assert operation == "DeletePreference", operation
        for key, preference_id in list(self.preference_ids.items()):
            if preference_id == body["Id"]:
                del self.preference_ids[key]
                del self.preferences[key]
                return httpx.Response(204)
        return not_found(f"no preference with id {body['Id']}")


class FakeTickets:
    """Tickets for the fake tenant; renewing after revocation fails as SuperOffice does."""

    def __init__(self, tenant: FakeTenant) -> None:
        self.tenant = tenant
        self.renewals = 0

    def current(self, ctx: str) -> Secret:
        return Secret("7T:first")

    def renew(self, ctx: str) -> Secret:
        self.renewals += 1
        if self.tenant.revoked:
            raise SystemUserRevoked(1, "Revoked")
        return Secret(f"7T:renewed-{self.renewals}")
