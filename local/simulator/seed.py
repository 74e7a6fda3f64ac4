"""The tenants the simulator starts with; the same every time.

- Cust10001: a production tenant on `sod2` with a few items its administrators made
  (fields, lists, a web panel, a preference) that an app must leave alone.
- Cust10002: another production tenant, on `sod3`.
- Cust10003: a production sandbox copied from Cust10001: its own ctx and serial, the same
  items, nothing approved (an app must be approved again in a sandbox).

Each has CRM records of its own (`record_seed`; a sandbox's data is not production's),
their timestamps in the days before the clock's now at seeding. `new_tenant` makes the
tenants the control API adds the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from local.id_tokens import tenant_serial
from local.simulator.items import TenantItems
from local.simulator.record_seed import seed_records
from local.simulator.tenants import Tenant, TenantUser

VERSION: Final = "Release_11.10_2026.02.24-02"
ADMINISTRATOR_ID: Final = 1
USER_ID: Final = 2
# Records per entity of the seeded tenants.
RECORD_COUNTS: Final[dict[str, dict[str, int]]] = {
    "Cust10001": {"contact": 40, "person": 80, "sale": 25, "project": 12},
    "Cust10002": {"contact": 15, "person": 30, "sale": 10, "project": 5},
    "Cust10003": {"contact": 20, "person": 35, "sale": 8, "project": 6},
}


def seed_tenants(now: float) -> list[Tenant]:
    production = _tenant("Cust10001", "Nordlys Consulting AS", "sod2", _production_items())
    other = _tenant("Cust10002", "Fjellvik Trading AB", "sod3", _other_items())
    # A clone keeps the customer's company name; only ctx and serial tell it apart.
    sandbox = _tenant("Cust10003", production.company_name, "sod2", production.items.copy())
    sandbox.sandbox_of = production.ctx
    tenants = [production, other, sandbox]
    for tenant in tenants:
        tenant.records = seed_records(tenant.ctx, RECORD_COUNTS[tenant.ctx], now)
    return tenants


def new_tenant(
    ctx: str, company_name: str, host: str, record_counts: Mapping[str, int], now: float
) -> Tenant:
    """A Running tenant as the control API adds one: built-in lists, seeded-style records."""
    tenant = _tenant(ctx, company_name, host, _with_builtin_lists(TenantItems()))
    tenant.records = seed_records(ctx, record_counts, now)
    return tenant


def _tenant(ctx: str, company_name: str, host: str, items: TenantItems) -> Tenant:
    return Tenant(
        ctx=ctx,
        # The same serial `python -m local token` puts into its id_tokens.
        serial=tenant_serial(ctx),
        company_name=company_name,
        host=host,
        state="Running",
        version=VERSION,
        users=(
            TenantUser(ADMINISTRATOR_ID, "Ada Administrator", is_administrator=True),
            TenantUser(USER_ID, "Per Plainuser", is_administrator=False),
        ),
        items=items,
    )


def _with_builtin_lists(items: TenantItems) -> TenantItems:
    items.lists.add_builtin(1, "Category", ["Customer", "Prospect", "Supplier"])
    items.lists.add_builtin(2, "Business", ["Consulting", "Retail", "Software"])
    return items


def _production_items() -> TenantItems:
    items = _with_builtin_lists(TenantItems())
    segment = items.lists.create({"Name": "Segment", "Tooltip": "Customer segment"})
    items.lists.add_item(segment["Id"], {"Name": "Small business"})
    items.lists.add_item(segment["Id"], {"Name": "Enterprise"})
    items.udefs.replace(
        "Contact",
        [
            {"FieldLabel": "Customer number", "FieldType": "ShortText"},
            {"FieldLabel": "Segment", "FieldType": "List", "UDListDefinitionId": segment["Id"]},
        ],
    )
    items.udefs.publish("Contact")
    items.udefs.replace("Person", [{"FieldLabel": "Newsletter", "FieldType": "Checkbox"}])
    items.udefs.publish("Person")
    items.web_panels.create(
        {
            "Name": "Intranet",
            "ProgId": "Customer:Intranet",
            "Url": "https://intranet.example.com/contact?id=<cuid>",
            "VisibleIn": "ContactCard",
            "Tooltip": "Made by the customer's administrator",
        }
    )
    items.preferences.put("Functions", "Default currency", "Database", "NOK")
    return items


def _other_items() -> TenantItems:
    items = _with_builtin_lists(TenantItems())
    items.udefs.replace(
        "Contact", [{"FieldLabel": "Account manager code", "FieldType": "ShortText"}]
    )
    items.udefs.publish("Contact")
    return items
