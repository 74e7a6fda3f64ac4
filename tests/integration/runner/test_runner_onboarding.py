"""The whole stack of template.yaml: health, a full install over HTTP, and a restart.

The browser goes between the app (the runner's HTTP API) and the simulator exactly as a
browser would; the restart reuses the state dir, so the tenant in DynamoDB Local, its
KMS-sealed secrets and the session cookie must all still work afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from local.runner import RunningStack, StackPorts, find_running_stack, start_local_stack
from local.runner.stack_file import stack_file_path
from tests.integration.runner.runner_browser import RunnerBrowser, install

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("runner-state")


@pytest.fixture(scope="module")
def browser() -> Iterator[RunnerBrowser]:
    opened = RunnerBrowser()
    yield opened
    opened.close()


def start(state_dir: Path, logs: list[str], ports: StackPorts | None = None) -> RunningStack:
    return start_local_stack(ports=ports or StackPorts.free(), state_dir=state_dir, log=logs.append)


def test_install_then_restart_keeps_the_tenant(state_dir: Path, browser: RunnerBrowser) -> None:
    logs: list[str] = []
    with start(state_dir, logs) as stack:
        health = httpx.get(stack.health_url, timeout=10).json()
        assert health["status"] == "ok"
        assert health["app"]["install"] == f"{stack.app_url}/install"
        assert health["dynamodb"]["data"] == str(state_dir / "dynamodb")
        assert {
            "route": "GET /tenants/{ctx}",
            "function": "RedirectCallbackFunction",
            "authorizer": "SessionCookieAuthorizer",
        } in health["routes"]
        assert find_running_stack(state_dir) is not None

        done = install(browser, stack.app_url)
        assert done.status_code == 303, done.text
        assert done.headers["location"] == "/tenants/Cust10001"
        assert "__Host-so_session" in browser.cookies_for(stack.app_url)
        page = browser.follow(done)
        assert page.status_code == 200
        assert "MyPartnerApp:CustomerScore" in page.text

        # Without the cookie the authorizer's identity source is missing: 401.
        anonymous = httpx.get(f"{stack.app_url}/tenants/Cust10001", timeout=10)
        assert anonymous.status_code == 401
        assert anonymous.json() == {"message": "Unauthorized"}
        assert httpx.get(f"{stack.app_url}/nowhere", timeout=10).status_code == 404
        cookie = browser.cookies_for(stack.app_url)["__Host-so_session"]
        # Session tokens name the app's URL as issuer: a restart keeps the ports, as `make up`.
        same_ports = StackPorts(
            app=int(stack.app_url.rsplit(":", 1)[1]),
            simulator=int(stack.simulator_url.rsplit(":", 1)[1]),
            dynamodb=0,
            moto=0,
        )
    assert not stack_file_path(state_dir).exists()
    assert any(line.startswith("GET /install?ctx=Cust10001 303 ") for line in logs)
    assert any(line.startswith("[RedirectCallbackFunction] ") for line in logs)

    with start(state_dir, [], same_ports) as again:
        # Same state dir: same session keys, same KMS key material, same tables.
        jar = {"cookie": f"__Host-so_session={cookie}"}
        page = httpx.get(f"{again.app_url}/tenants/Cust10001", headers=jar, timeout=60)
        assert page.status_code == 200, page.text
        assert "MyPartnerApp:CustomerScore" in page.text
        view = httpx.get(
            f"{again.app_url}/tenants/Cust10001?format=json", headers=jar, timeout=60
        ).json()
        assert view["status"] == "active"
        assert view["ctx"] == "Cust10001"
