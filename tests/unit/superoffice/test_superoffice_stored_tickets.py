"""StoredTickets: a warm environment's ticket cache expires when it should.

A Lambda environment lives on between invocations, so the ticket it read stays in its
memory: for ``memory_seconds`` and no longer, and never past a refusal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from superoffice_app.superoffice.tickets import (
    SYSTEM_TOKEN,
    TICKET,
    StoredTickets,
    TicketUnavailable,
)
from superoffice_app.tokens import Secret

START = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


@dataclass
class Profile:
    serial: str | None = "123"


@dataclass
class FakeTenants:
    secrets: dict[tuple[str, str], str] = field(default_factory=dict)
    reads: int = 0
    profile: Profile | None = field(default_factory=Profile)

    def get_secret(self, ctx: str, name: str) -> Secret | None:
        self.reads += 1
        value = self.secrets.get((ctx, name))
        return None if value is None else Secret(value)

    def put_secret(self, ctx: str, name: str, value: Secret, *, expires_at: Any = None) -> None:
        self.secrets[(ctx, name)] = value.reveal()

    def get(self, ctx: str) -> Profile | None:
        return self.profile


@dataclass
class Exchanged:
    value: Secret
    expires_at: datetime


@dataclass
class FakeSystemUsers:
    exchanges: list[str] = field(default_factory=list)

    def exchange(self, ctx: str, system_token: Secret, serial: str) -> Exchanged:
        self.exchanges.append(ctx)
        return Exchanged(Secret(f"ticket-{len(self.exchanges)}"), START + timedelta(hours=6))


@dataclass
class World:
    tenants: FakeTenants
    users: FakeSystemUsers
    now: list[datetime]
    tickets: StoredTickets


@pytest.fixture
def world() -> World:
    tenants = FakeTenants({("Cust1", TICKET): "stored-1", ("Cust1", SYSTEM_TOKEN): "system"})
    users = FakeSystemUsers()
    now = [START]
    tickets = StoredTickets(
        tenants,  # type: ignore[arg-type]
        users,  # type: ignore[arg-type]
        clock=lambda: now[0],
        memory_seconds=300,
    )
    return World(tenants, users, now, tickets)


def test_the_ticket_read_once_is_kept_for_memory_seconds(world: World) -> None:
    assert world.tickets.current("Cust1").reveal() == "stored-1"
    world.now[0] += timedelta(seconds=299)
    assert world.tickets.current("Cust1").reveal() == "stored-1"
    assert world.tenants.reads == 1


def test_after_memory_seconds_the_store_is_read_again(world: World) -> None:
    world.tickets.current("Cust1")
    world.tenants.secrets[("Cust1", TICKET)] = "stored-2"  # another instance renewed it
    world.now[0] += timedelta(seconds=300)
    assert world.tickets.current("Cust1").reveal() == "stored-2"
    assert world.tenants.reads == 2
    assert world.users.exchanges == []


def test_a_refused_ticket_is_replaced_by_one_another_instance_stored(world: World) -> None:
    world.tickets.current("Cust1")
    world.tenants.secrets[("Cust1", TICKET)] = "stored-2"
    assert world.tickets.renew("Cust1").reveal() == "stored-2"
    assert world.users.exchanges == []


def test_a_refused_ticket_still_stored_is_exchanged_once_and_kept(world: World) -> None:
    world.tickets.current("Cust1")
    assert world.tickets.renew("Cust1").reveal() == "ticket-1"
    assert world.tenants.secrets[("Cust1", TICKET)] == "ticket-1"
    assert world.tickets.current("Cust1").reveal() == "ticket-1"
    assert world.users.exchanges == ["Cust1"]
    assert world.tickets.exchanges == 1


def test_forget_drops_the_ticket_held_in_memory(world: World) -> None:
    world.tickets.current("Cust1")
    world.tickets.forget("Cust1")
    world.tickets.current("Cust1")
    assert world.tenants.reads == 2


def test_without_a_system_token_there_is_no_ticket(world: World) -> None:
    del world.tenants.secrets[("Cust1", TICKET)]
    del world.tenants.secrets[("Cust1", SYSTEM_TOKEN)]
    with pytest.raises(TicketUnavailable):
        world.tickets.current("Cust1")
