"""One simulator for the whole session, reset to its seed before every test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sim_driver import AppReceiver, SuperIdDriver, SystemUserDriver

from local.app_credentials import AppCredentials, load_or_create_app_credentials
from local.simulator import RunningSimulator, start_simulator


@pytest.fixture(scope="session")
def sim_state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("simulator-state")


@pytest.fixture(scope="session")
def sim_log() -> list[str]:
    return []


@pytest.fixture(scope="session")
def app_credentials(sim_state_dir: Path) -> AppCredentials:
    return load_or_create_app_credentials(sim_state_dir)


@pytest.fixture(scope="session")
def simulator(
    sim_state_dir: Path, sim_log: list[str], app_credentials: AppCredentials
) -> Iterator[RunningSimulator]:
    with start_simulator(port=0, state_dir=sim_state_dir, log=sim_log.append) as running:
        yield running


@pytest.fixture(autouse=True)
def _fresh_state(simulator: RunningSimulator) -> None:
    simulator.state.reset()


@pytest.fixture
def client(simulator: RunningSimulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=simulator.base_url, timeout=10) as http:
        yield http


@pytest.fixture
def superid(client: httpx.Client, app_credentials: AppCredentials) -> SuperIdDriver:
    return SuperIdDriver(client, app_credentials)


@pytest.fixture
def system_user(client: httpx.Client, app_credentials: AppCredentials) -> SystemUserDriver:
    return SystemUserDriver(client, app_credentials)


@pytest.fixture
def receiver() -> Iterator[AppReceiver]:
    """The app's side of notifications and webhooks, on a free port."""
    app = AppReceiver()
    yield app
    app.close()
