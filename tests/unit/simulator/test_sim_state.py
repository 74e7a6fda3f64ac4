"""The simulator's state: seeding, sandbox copy, approvals, revoke, moves, tickets, reset."""

from __future__ import annotations

import pytest

from local.id_tokens import tenant_serial
from local.simulator.apps import RegisteredApp, is_loopback_uri
from local.simulator.routing import BadRequest, NotFound
from local.simulator.state import SimulatorState
from local.simulator.tenants import TENANT_STATES
from local.simulator.tickets import TICKET_LIFETIME_SECONDS

APP = RegisteredApp(
    client_id="client",
    client_secret="secret",
    public_key_pem="unused here",
    name="PartnerApp",
    redirect_uris=("https://app.example.com/callback",),
)


class FakeClock:
    def __init__(self, now: float = 1_770_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def new_state(clock: FakeClock | None = None) -> SimulatorState:
    return SimulatorState([APP], clock=clock or FakeClock())


def test_seeded_tenants() -> None:
    state = new_state()
    tenants = {tenant.ctx: tenant for tenant in state.tenants()}
    assert list(tenants) == ["Cust10001", "Cust10002", "Cust10003"]
    assert {ctx: t.host for ctx, t in tenants.items()} == {
        "Cust10001": "sod2",
        "Cust10002": "sod3",
        "Cust10003": "sod2",
    }
    for ctx, tenant in tenants.items():
        assert tenant.state == "Running"
        assert tenant.serial == tenant_serial(ctx)
        assert [(u.associate_id, u.is_administrator) for u in tenant.users] == [
            (1, True),
            (2, False),
        ]
        assert tenant.approvals == {}
    assert tenants["Cust10003"].sandbox_of == "Cust10001"
    assert len({t.serial for t in tenants.values()}) == 3
    assert tenants["Cust10003"].company_name == tenants["Cust10001"].company_name


def test_seeding_is_deterministic() -> None:
    first, second = new_state(), new_state()
    assert [t.items.snapshot() for t in first.tenants()] == [
        t.items.snapshot() for t in second.tenants()
    ]


def test_the_sandbox_starts_as_an_independent_copy_of_production() -> None:
    state = new_state()
    production, sandbox = state.tenant("Cust10001"), state.tenant("Cust10003")
    assert sandbox.items.snapshot() == production.items.snapshot()
    assert sandbox.items.snapshot()["webPanels"]
    production.items.web_panels.create({"Name": "Only in production"})
    assert sandbox.items.snapshot() != production.items.snapshot()


def test_tenants_are_found_case_insensitively() -> None:
    state = new_state()
    assert state.tenant("cust10002").ctx == "Cust10002"
    assert state.find_tenant("Cust99999") is None
    with pytest.raises(NotFound):
        state.tenant("Cust99999")


def test_approve_creates_a_system_token_and_keeps_it() -> None:
    state = new_state()
    token = state.approve("Cust10001", "client")
    assert token.startswith("PartnerApp-")
    assert state.approve("Cust10001", "client") == token
    assert state.tenant("Cust10001").active_system_token("client") == token
    assert state.tenant("Cust10003").active_system_token("client") is None
    with pytest.raises(NotFound):
        state.approve("Cust10001", "unknown-client")


def test_revoke_kills_tickets_and_tokens_and_reapproval_restores_the_token() -> None:
    state = new_state()
    token = state.approve("Cust10001", "client")
    ticket = state.tickets.issue("Cust10001", "client")
    other = state.tickets.issue("Cust10002", "client")
    state.revoke("Cust10001", "client")
    tenant = state.tenant("Cust10001")
    assert tenant.approvals["client"].revoked
    assert tenant.active_system_token("client") is None
    assert state.tickets.use(ticket.value) is None
    assert state.tickets.use(other.value) is not None
    assert state.approve("Cust10001", "client") == token
    rotated = state.approve("Cust10001", "client", rotate=True)
    assert rotated != token
    with pytest.raises(NotFound):
        state.revoke("Cust10002", "client")


@pytest.mark.parametrize("name", TENANT_STATES)
def test_every_documented_state_can_be_set(name: str) -> None:
    state = new_state()
    tenant = state.set_tenant_state("Cust10001", name.lower())
    assert tenant.state == name
    assert tenant.is_running == (name in {"Running", "OnlineMaintenance"})


@pytest.mark.parametrize("value", ["Sleeping", "", None, 3])
def test_unknown_states_are_refused(value: object) -> None:
    with pytest.raises(BadRequest):
        new_state().set_tenant_state("Cust10001", value)


def test_moves_need_a_numbered_host() -> None:
    state = new_state()
    assert state.move_tenant("Cust10001", "SOD7").host == "sod7"
    for host in ("sod", "online", "", "sod7/x", None):
        with pytest.raises(BadRequest):
            state.move_tenant("Cust10001", host)


def test_tickets_slide_and_expire() -> None:
    clock = FakeClock()
    state = new_state(clock)
    ticket = state.tickets.issue("Cust10001", "client")
    assert ticket.value.startswith("7T:")
    clock.now += TICKET_LIFETIME_SECONDS - 1
    assert state.tickets.use(ticket.value) is not None  # renewed for another six hours
    clock.now += TICKET_LIFETIME_SECONDS - 1
    assert state.tickets.use(ticket.value) is not None
    clock.now += TICKET_LIFETIME_SECONDS
    assert state.tickets.use(ticket.value) is None


def test_copy_items_refreshes_a_sandbox() -> None:
    state = new_state()
    state.tenant("Cust10001").items.preferences.put("App", "Installed", "Database", "1")
    state.copy_items("Cust10003", "Cust10001")
    assert state.tenant("Cust10003").items.preferences.get("app", "installed", "database")


def test_reset_goes_back_to_the_seed_but_keeps_apps() -> None:
    state = new_state()
    state.approve("Cust10001", "client")
    state.move_tenant("Cust10002", "sod9")
    state.counters.record("Cust10001", "rest", "GET", "/api/v1/List", 200)
    state.reset()
    assert state.tenant("Cust10001").approvals == {}
    assert state.tenant("Cust10002").host == "sod3"
    assert state.counters.all() == {}
    assert state.app("client") is APP


@pytest.mark.parametrize(
    ("uri", "allowed"),
    [
        ("http://127.0.0.1:3000/callback", True),
        ("http://localhost:8123/x?y=1", True),
        ("http://127.0.0.1/callback", True),
        ("https://127.0.0.1:3000/callback", False),
        ("http://127.0.0.1.example.com/callback", False),
        ("http://evil.example.com@127.0.0.1:3000/", False),
        ("http://127.0.0.1:3000/callback#fragment", False),
        ("http://127.0.0.1:port/", False),
        ("http://10.0.0.1:3000/callback", False),
    ],
)
def test_loopback_redirect_uris(uri: str, allowed: bool) -> None:
    assert is_loopback_uri(uri) is allowed


def test_registered_redirect_uris_are_allowed_exactly() -> None:
    assert APP.allows_redirect_uri("https://app.example.com/callback")
    assert not APP.allows_redirect_uri("https://app.example.com/callback/")
    assert "secret" not in repr(APP)
