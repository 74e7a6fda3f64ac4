"""`python -m local up --superoffice URL --credentials FILE [--public-url https://...]`.

A second simulator, on a port of its own with app credentials of its own, stands in for a
foreign SuperOffice: the stack's functions must sign in there, read its state API, take
its system-user ticket and provision through its tenant API, with the client id, secret
and private key from FILE (the stack's own simulator, which knows other credentials,
must see nothing). SuperOffice cannot call an app on 127.0.0.1 back, so without a public
URL the install leaves the CRM webhooks out and the management page says so; with
`--public-url` (here a tunnel emulated by rewriting its URLs to the app's local port, in
the test browser and in the foreign simulator's outgoing calls) it registers them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from local.app_credentials import (
    load_or_create_app_credentials,
    private_key_to_xml,
    public_key_to_pem,
)
from local.commands.up import banner
from local.runner import RunningStack, StackInfo, StackPorts, start_local_stack
from local.runner.real_superoffice import RealSuperOffice
from local.simulator import RunningSimulator, start_simulator, webhook_delivery
from local.simulator import outbound as simulator_outbound
from tests.integration.runner.runner_browser import RunnerBrowser, install

pytestmark = pytest.mark.integration

CTX = "Cust10001"
TUNNEL = "https://tunnel.example"


@pytest.fixture(scope="module")
def foreign_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("foreign-superoffice")


@pytest.fixture(scope="module")
def foreign(foreign_dir: Path) -> Iterator[RunningSimulator]:
    """The 'foreign SuperOffice': its own state dir, so its own keys and app credentials."""
    with start_simulator(port=0, state_dir=foreign_dir, log=lambda _: None) as running:
        # It sends no customer-state notifications anywhere (port 3000 may be a developer's).
        answer = httpx.put(
            f"{running.base_url}/_control/notification-urls", json={"url": None}, timeout=10
        )
        assert answer.status_code == 200, answer.text
        yield running


@pytest.fixture
def fresh_foreign(foreign: RunningSimulator) -> RunningSimulator:
    foreign.state.reset()
    return foreign


@pytest.fixture(scope="module")
def credentials_file(foreign_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """FILE as a developer writes it from the Developer Portal: the foreign app's values."""
    credentials = load_or_create_app_credentials(foreign_dir)
    path = tmp_path_factory.mktemp("credentials") / "superoffice-app.json"
    path.write_text(
        json.dumps(
            {
                "client_id": credentials.client_id,
                "client_secret": credentials.client_secret,
                "private_key": credentials.private_key_xml,
            }
        )
    )
    return path


def control(simulator: RunningSimulator, path: str) -> Any:
    answer = httpx.get(f"{simulator.base_url}/_control{path}", timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def start(
    state_dir: Path, superoffice: RealSuperOffice, *, public_url: str | None = None
) -> RunningStack:
    return start_local_stack(
        ports=StackPorts.free(),
        state_dir=state_dir,
        persistent=False,
        # The install queues its first sync; nothing here needs it to run.
        event_sources=False,
        superoffice=superoffice,
        public_url=public_url,
        log=lambda _: None,
    )


def test_install_against_a_superoffice_at_a_url_without_a_public_address(
    tmp_path: Path, fresh_foreign: RunningSimulator, credentials_file: Path
) -> None:
    superoffice = RealSuperOffice.from_file(fresh_foreign.base_url, credentials_file)
    browser = RunnerBrowser()
    with start(tmp_path, superoffice) as stack:
        assert stack.template.parameter_values["EnvironmentName"] == "custom"
        assert stack.template.parameter_values["SuperOfficeBaseUrl"] == fresh_foreign.base_url
        text = banner(stack)
        assert f"custom {fresh_foreign.base_url}" in text
        assert "--public-url" in text
        # `python -m local invoke` runs functions as this stack does; stack.json holds no secret.
        document = stack.stack_document()
        assert StackInfo.from_json(document).parameters["SuperOfficeBaseUrl"] == (
            fresh_foreign.base_url
        )
        assert superoffice.client_secret not in json.dumps(document)

        started = browser.get(f"{stack.app_url}/install?ctx={CTX}")
        assert started.status_code == 303
        assert started.headers["location"].startswith(f"{fresh_foreign.base_url}/login/")
        done = install(browser, stack.app_url)
        assert done.status_code == 303, done.text
        assert done.headers["location"] == f"/tenants/{CTX}"

        page = browser.follow(done)
        assert page.status_code == 200, page.text
        assert "--public-url https://&lt;tunnel host&gt;" in page.text
        assert "CRM webhooks: not registered" in page.text
        view = browser.get(f"{stack.app_url}/tenants/{CTX}?format=json").json()
        assert view["status"] == "active"
        assert view["environment"] == "custom"
        assert [item["what"] for item in view["missing"]["items"]] == [
            "CRM webhooks",
            "Customer state-change notifications",
        ]
        kinds = {row["kind"] for row in view["provisioned"]}
        assert "webhook" not in kinds
        assert {"udef", "web_panel"} <= kinds
        skipped = [e for e in view["recent_events"] if e["kind"] == "webhooks_skipped"]
        assert len(skipped) == 1
        assert stack.app_url in skipped[0]["summary"]

        # Everything went to the foreign SuperOffice, and no webhook was registered there.
        counts = control(fresh_foreign, f"/tenants/{CTX}/counters")["byArea"]
        assert counts["superId"] > 0
        assert counts["stateApi"] > 0
        assert counts["systemUser"] > 0
        assert counts["rest"] > 0
        assert control(fresh_foreign, f"/tenants/{CTX}/webhooks")["webhooks"] == []
        assert control(stack.simulator, f"/tenants/{CTX}/counters")["total"] == 0
    browser.close()


class TunnelBrowser(RunnerBrowser):
    """A browser whose requests to the tunnel's public URL reach the app's local port."""

    def __init__(self, tunnel: Callable[[str], str]) -> None:
        super().__init__()
        self._tunnel = tunnel

    def request(
        self, method: str, url: str, *, form: dict[str, str] | None = None
    ) -> httpx.Response:
        return super().request(method, self._tunnel(url), form=form)


def register_tunnel_app(simulator: RunningSimulator, directory: Path) -> Path:
    """The app as registered in the Developer Portal for the tunnel: its redirect URL is
    the public one (the simulator accepts any loopback one, not this). Its FILE."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    app = {
        "clientId": "tunnel-test-app",
        "clientSecret": "tunnel-test-secret",
        "publicKeyPem": public_key_to_pem(key.public_key()),
        "name": "TunnelApp",
        "redirectUris": [f"{TUNNEL}/callback"],
    }
    answer = httpx.post(f"{simulator.base_url}/_control/apps", json=app, timeout=10)
    assert answer.status_code == 201, answer.text
    path = directory / "tunnel-app.json"
    path.write_text(
        json.dumps(
            {
                "client_id": app["clientId"],
                "client_secret": app["clientSecret"],
                "private_key": private_key_to_xml(key),
            }
        )
    )
    return path


def test_with_a_public_url_the_install_registers_the_webhooks(
    tmp_path: Path, fresh_foreign: RunningSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    credentials = register_tunnel_app(fresh_foreign, tmp_path)
    superoffice = RealSuperOffice.from_file(fresh_foreign.base_url, credentials)
    with start(tmp_path, superoffice, public_url=TUNNEL) as stack:
        assert stack.template.parameter_values["AppBaseUrl"] == TUNNEL
        assert stack.health()["app"]["install"] == f"{TUNNEL}/install"

        def tunnel(url: str) -> str:
            return stack.app_url + url[len(TUNNEL) :] if url.startswith(TUNNEL) else url

        def post_through_tunnel(
            url: str, body: bytes, headers: Mapping[str, str], timeout: float
        ) -> simulator_outbound.Answer:
            return simulator_outbound.post(tunnel(url), body, headers, timeout)

        # The foreign SuperOffice's calls to the app (the webhook's registration test).
        monkeypatch.setattr(webhook_delivery, "post", post_through_tunnel)
        browser = TunnelBrowser(tunnel)
        try:
            done = install(browser, TUNNEL)
        finally:
            browser.close()
        assert done.status_code == 303, done.text
        assert done.headers["location"] == f"/tenants/{CTX}"

        (webhook,) = control(fresh_foreign, f"/tenants/{CTX}/webhooks")["webhooks"]
        assert webhook["TargetUrl"] == f"{TUNNEL}/webhooks/crm/{CTX}"
        assert webhook["State"] == "Active"
