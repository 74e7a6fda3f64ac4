"""A small browser over real HTTP: follows the app's and the simulator's redirects and forms.

Cookies are kept per host and sent back as a browser does, Secure ones included: Chromium
treats http://127.0.0.1 as a secure context, so the app's `__Host-` cookies work locally
(httpx's cookie jar would withhold them over http).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from tests.integration.onboarding.onboarding_browser import Form, forms_of


class RunnerBrowser:
    def __init__(self) -> None:
        self.http = httpx.Client(timeout=60, follow_redirects=False)
        self.cookies: dict[str, dict[str, str]] = {}

    def close(self) -> None:
        self.http.close()

    def request(
        self, method: str, url: str, *, form: dict[str, str] | None = None
    ) -> httpx.Response:
        host = urlsplit(url).netloc
        jar = self.cookies.setdefault(host, {})
        headers = {"user-agent": "runner-test-browser", "accept": "text/html"}
        if jar:
            headers["cookie"] = "; ".join(f"{name}={value}" for name, value in jar.items())
        response = self.http.request(method, url, data=form, headers=headers)
        for cookie in response.headers.get_list("set-cookie"):
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in cookie or not value:
                jar.pop(name, None)
            else:
                jar[name] = value
        return response

    def cookies_for(self, url: str) -> dict[str, str]:
        return self.cookies.get(urlsplit(url).netloc, {})

    def get(self, url: str) -> httpx.Response:
        return self.request("GET", url)

    def follow(self, response: httpx.Response) -> httpx.Response:
        """One redirect, resolved against the response's URL, as GET."""
        assert response.status_code in (302, 303), (response.status_code, response.text[:300])
        return self.get(str(response.url.join(response.headers["location"])))

    def submit(self, page: httpx.Response, form: Form, fields: dict[str, str]) -> httpx.Response:
        action = str(page.url.join(form.action or str(page.url)))
        return self.request(form.method, action, form={**form.fields, **fields})


def install(
    browser: RunnerBrowser, app_url: str, ctx: str = "Cust10001", user: str = "1"
) -> httpx.Response:
    """GET /install -> SuperID's page -> allow -> form_post back to /callback; its answer."""
    start = browser.get(f"{app_url}/install?ctx={ctx}")
    assert start.status_code == 303, start.text
    page = browser.follow(start)
    assert page.status_code == 200, page.text
    (form,) = [f for f in forms_of(page.text) if "decision" in f.choices or "decision" in f.fields]
    answer = browser.submit(page, form, {"tenant": ctx, "user": user, "decision": "allow"})
    assert answer.status_code == 200, answer.text  # form_post: the auto-submitting form
    (post_back,) = forms_of(answer.text)
    return browser.submit(answer, post_back, {})
