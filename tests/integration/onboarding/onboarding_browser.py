"""A test browser for the onboarding flow: the app's handler behind API Gateway, and the
SuperOffice simulator over real HTTP.

Requests to the app become HTTP API (payload 2.0) events for RedirectCallbackFunction,
after the same TokenAuthorizer the deployed authorizer uses has judged protected routes;
requests to the simulator go over real HTTP. Forms are read from the returned HTML and
submitted as a browser would, so the test depends on field names, not page layout.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from dataclasses import dataclass, field
from html.parser import HTMLParser
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

from superoffice_app.authorizer import TokenAuthorizer, parse_authorizer_event
from tests.conftest import LambdaContext

PROTECTED = {
    ("GET", "/tenants/{ctx}"),
    ("GET", "/tenants/{ctx}/uninstall"),
    ("POST", "/tenants/{ctx}/uninstall"),
    ("POST", "/tenants/{ctx}/sync"),
    ("GET", "/api/tenants/{ctx}"),
}
ROUTES = [
    ("GET", "/install"),
    ("GET", "/signin"),
    ("GET", "/uninstall"),
    ("GET", "/callback"),
    ("POST", "/callback"),
    ("GET", "/.well-known/jwks.json"),
    ("GET", "/panels/contact"),
    *sorted(PROTECTED),
]


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    choices: dict[str, list[str]] = field(default_factory=dict)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").upper()))
        elif not self.forms:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("hidden", "text") or (kind == "radio" and "checked" in a):
                self.forms[-1].fields[a["name"]] = a.get("value", "")
            if kind in ("radio", "submit"):
                self.forms[-1].choices.setdefault(a["name"], []).append(a.get("value", ""))
        elif tag == "button" and a.get("name"):
            self.forms[-1].choices.setdefault(a["name"], []).append(a.get("value", ""))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select:
            self.forms[-1].choices.setdefault(self._select, []).append(a.get("value", ""))
            if "selected" in a or self._select not in self.forms[-1].fields:
                self.forms[-1].fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def forms_of(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def _route(method: str, path: str) -> tuple[str, dict[str, str]]:
    for route_method, template in ROUTES:
        if route_method != method:
            continue
        pattern = re.escape(template).replace(r"\{ctx\}", "(?P<ctx>[^/]+)")
        match = re.fullmatch(pattern, path)
        if match:
            return f"{method} {template}", match.groupdict()
    raise AssertionError(f"no route for {method} {path}")


@dataclass
class AppResponse:
    status: int
    headers: dict[str, str]
    body: str
    cookies: list[str]

    @property
    def location(self) -> str:
        return self.headers.get("Location") or self.headers.get("location", "")

    def json(self) -> Any:
        return json.loads(self.body)


class Browser:
    def __init__(
        self, handler: ModuleType, authorizer: TokenAuthorizer, simulator_url: str
    ) -> None:
        self.handler = handler
        self.authorizer = authorizer
        self.simulator_url = simulator_url
        self.cookies: dict[str, str] = {}
        self.http = httpx.Client(timeout=10, follow_redirects=False)
        self.logs: list[str] = []

    def close(self) -> None:
        self.http.close()

    # -- the app ------------------------------------------------------------------------

    def app(
        self,
        method: str,
        target: str,
        *,
        form: dict[str, str] | None = None,
        accept: str = "text/html",
        bearer: str | None = None,
    ) -> AppResponse:
        parts = urlsplit(target)
        route_key, path_parameters = _route(method, parts.path)
        body = urlencode(form) if form is not None else None
        headers = {"accept": accept, "host": "127.0.0.1:3000", "user-agent": "test-browser"}
        if form is not None:
            headers["content-type"] = "application/x-www-form-urlencoded"
        if bearer:
            headers["authorization"] = f"Bearer {bearer}"
        event: dict[str, Any] = {
            "version": "2.0",
            "routeKey": route_key,
            "rawPath": parts.path,
            "rawQueryString": parts.query,
            "cookies": [f"{k}={v}" for k, v in self.cookies.items()],
            "headers": headers,
            "queryStringParameters": dict(parse_qsl(parts.query)) or None,
            "pathParameters": path_parameters or None,
            "requestContext": {
                "accountId": "123456789012",
                "apiId": "local",
                "domainName": "127.0.0.1",
                "http": {
                    "method": method,
                    "path": parts.path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": "127.0.0.1",
                    "userAgent": "test-browser",
                },
                "requestId": uuid.uuid4().hex,
                "routeKey": route_key,
                "stage": "$default",
                "timeEpoch": 0,
            },
            "isBase64Encoded": body is not None,
        }
        if body is not None:
            event["body"] = base64.b64encode(body.encode()).decode()
        if (method, route_key.split(" ", 1)[1]) in PROTECTED:
            decision = self.authorizer.decide(parse_authorizer_event(event))
            if not decision.allowed:
                return AppResponse(403, {}, json.dumps({"message": "Forbidden"}), [])
            event["requestContext"]["authorizer"] = {"lambda": decision.response()["context"]}
        result = self.handler.lambda_handler(event, LambdaContext())
        response = AppResponse(
            result["statusCode"],
            dict(result.get("headers") or {}),
            base64.b64decode(result["body"]).decode()
            if result.get("isBase64Encoded")
            else result.get("body", ""),
            result.get("cookies") or [],
        )
        for cookie in response.cookies:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in cookie or not value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response

    # -- SuperOffice (the simulator) -----------------------------------------------------

    def sign_in_at_superoffice(
        self, authorize_url: str, *, tenant: str, user: str, decision: str = "allow"
    ) -> AppResponse:
        """Show SuperID's page, pick tenant and user, answer; return the app's callback result."""
        page = self.http.get(authorize_url)
        assert page.status_code == 200, page.text
        (form,) = [
            f for f in forms_of(page.text) if "decision" in f.choices or "decision" in f.fields
        ]
        assert tenant in form.choices.get("tenant", [tenant]), form.choices
        fields = {**form.fields, "tenant": tenant, "user": user, "decision": decision}
        action = httpx.URL(authorize_url).join(form.action or authorize_url)
        answer = self.http.post(action, data=fields)
        return self._back_to_app(answer)

    def _back_to_app(self, answer: httpx.Response) -> AppResponse:
        if answer.status_code in (302, 303):
            target = urlsplit(answer.headers["location"])
            return self.app("GET", f"{target.path}?{target.query}")
        assert answer.status_code == 200, answer.text
        (form,) = forms_of(answer.text)  # form_post: an auto-submitting form
        return self.app(form.method, urlsplit(form.action).path, form=form.fields)

    def follow(self, response: AppResponse) -> AppResponse:
        assert response.status == 303, (response.status, response.body[:500])
        return self.app("GET", response.location)
