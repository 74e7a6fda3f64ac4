"""An HTTP client that behaves as a browser between the app and SuperOffice's sign-in.

httpx alone is not a browser in two ways that matter here: it never sends a `Secure`
cookie over plain http (browsers do to 127.0.0.1 and localhost, which count as secure
contexts, and the app's `__Host-` cookies are all `Secure`), and it does not submit the
self-submitting form of OpenID Connect's `form_post`. This module adds both, and follows
redirects by hand so every hop is visible.
"""

from __future__ import annotations

from collections.abc import Mapping
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any, Final
from urllib.request import Request

import httpx

from local.demo.html_forms import Form, read_forms

LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
MAX_HOPS: Final = 10
REQUEST_TIMEOUT_SECONDS: Final = 30.0


class LoopbackIsSecure(DefaultCookiePolicy):
    """Send `Secure` cookies to loopback hosts over http, as Chromium and Firefox do."""

    def return_ok_secure(self, cookie: Any, request: Request) -> bool:
        if request.host.rsplit(":", 1)[0] in LOOPBACK_HOSTS:
            return True
        ok: bool = super().return_ok_secure(cookie, request)
        return ok


class BrowsingError(Exception):
    """The navigation went somewhere a browser could not follow."""


class DemoBrowser:
    """Keeps cookies, follows 302/303 and form_post pages; `history`: the last navigation's hops."""

    def __init__(self) -> None:
        # httpx copies a client's jar into one with the default policy for every request,
        # so the browser keeps its own jar and sets the Cookie header itself.
        self.cookies = httpx.Cookies(CookieJar(policy=LoopbackIsSecure()))
        self.http = httpx.Client(
            follow_redirects=False,
            timeout=REQUEST_TIMEOUT_SECONDS,
            headers={"user-agent": "superoffice-app-demo", "accept": "text/html"},
        )
        self.history: list[str] = []

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> DemoBrowser:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.cookies.jar if c.name == name), None)

    def open(self, url: str) -> httpx.Response:
        """GET `url` and follow wherever the pages lead, as a browser's address bar does."""
        self.history = []
        return self._follow(self._send("GET", url))

    def submit(
        self, page: httpx.Response, form: Form, choices: Mapping[str, str]
    ) -> httpx.Response:
        """Submit `form` of `page` with `choices` on top of its prefilled fields."""
        self.history = []
        return self._follow(self._submit(page, form, choices))

    def get_json(self, url: str) -> httpx.Response:
        return self._exchange("GET", url, headers={"accept": "application/json"})

    def _send(self, method: str, url: str | httpx.URL, data: Any = None) -> httpx.Response:
        self.history.append(f"{method} {url}")
        return self._exchange(method, url, data=data)

    def _exchange(
        self,
        method: str,
        url: str | httpx.URL,
        *,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        request = self.http.build_request(method, url, data=data, headers=headers)
        request.headers.pop("cookie", None)
        self.cookies.set_cookie_header(request)
        response = self.http.send(request)
        self.http.cookies.clear()  # httpx's own copy, which would leave Secure cookies out
        self.cookies.extract_cookies(response)
        return response

    def _submit(
        self, page: httpx.Response, form: Form, choices: Mapping[str, str]
    ) -> httpx.Response:
        target = page.url.join(form.action) if form.action else page.url
        values = {**form.fields, **choices}
        if form.method == "POST":
            return self._send("POST", target, data=values)
        return self._send("GET", target.copy_with(params=values))

    def _follow(self, response: httpx.Response) -> httpx.Response:
        for _ in range(MAX_HOPS):
            if response.status_code in (302, 303) and "location" in response.headers:
                response = self._send("GET", response.url.join(response.headers["location"]))
                continue
            page = read_forms(response.text) if _is_html(response) else None
            if page is not None and page.submits_itself and len(page.forms) == 1:
                response = self._submit(response, page.forms[0], {})
                continue
            return response
        raise BrowsingError(f"more than {MAX_HOPS} redirects: {' -> '.join(self.history)}")


def _is_html(response: httpx.Response) -> bool:
    content_type: str = response.headers.get("content-type", "")
    return content_type.startswith("text/html")
