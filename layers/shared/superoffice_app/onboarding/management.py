"""What the tenant's administrator sees: the app's own record of the tenant, never SuperOffice.

`tenant_view` gathers it from the store (so the page renders even while SuperOffice is
down); the same dictionary is the JSON answer ("the list of what is provisioned" that
certification asks for) and the data of the HTML page. Given a ``sync_section`` (the sync's
own account of the tenant, ``sync.status.SyncSection``, handed in by the wiring), it adds
the "sync" section; onboarding does not know how the sync keeps its state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeAlias

from superoffice_app.store import TenantStatus
from superoffice_app.store.clock import utc_now

if TYPE_CHECKING:
    # Types only: RedirectCallbackFunction imports this module at cold start, and the
    # store's models and TenantStore (the whole store) load with the first page that
    # reads a tenant.
    from superoffice_app.store import ProvisionedItem, TenantProfile, TenantStore

# The "sync" part of the view, for a tenant's profile at a moment.
SyncSection: TypeAlias = "Callable[[TenantProfile, datetime], dict[str, Any]]"

KIND_NAMES = {
    "udef": "User-defined field",
    "list": "List",
    "list_item": "List item",
    "web_panel": "Web panel",
    "preference": "Preference",
    "webhook": "CRM webhook",
}

STATUS_TEXT = {
    TenantStatus.ACTIVE: "The app is installed and working.",
    TenantStatus.INSTALLING: "The installation is under way.",
    TenantStatus.INSTALL_FAILED: "The installation did not finish. Install again to complete it.",
    TenantStatus.SUSPENDED: (
        "SuperOffice suspended the tenant; the app makes no calls until it resumes."
    ),
    TenantStatus.UPGRADING: (
        "SuperOffice is upgrading the tenant; the app waits until it is running."
    ),
    TenantStatus.UNINSTALLING: "The app is being removed. Run the uninstall again if it stopped.",
    TenantStatus.UNINSTALLED: "The app was removed from this tenant.",
    TenantStatus.DELETED: "The SuperOffice subscription was cancelled; the app's data was removed.",
    TenantStatus.REVOKED: "SuperOffice revoked the app's access. Install again to restore it.",
}


def where_it_shows(item: ProvisionedItem) -> str:
    """Where an administrator finds the item in SuperOffice."""
    details = item.details
    if item.kind == "udef":
        entity = details.get("entity", "the entity")
        return f"Settings and maintenance › {entity} › user-defined fields"
    if item.kind == "web_panel":
        visible = details.get("visible_in") or details.get("VisibleIn") or "SuperOffice"
        return f"Web panel shown in {visible} (Settings and maintenance › Lists › Web panels)"
    if item.kind in ("list", "list_item"):
        return "Settings and maintenance › Lists"
    if item.kind == "preference":
        return "Preferences (Settings and maintenance › Preferences)"
    if item.kind == "webhook":
        return _webhook_where(details)
    return "SuperOffice"


def _webhook_where(details: Mapping[str, Any]) -> str:
    """What the webhook sends; the app manages it through SuperOffice's API, not by hand."""
    events = details.get("events")
    names = [str(event) for event in events] if isinstance(events, list) else []
    entities = list(dict.fromkeys(event.partition(".")[0] for event in names if event))
    what = f"{', '.join(entities)} changes" if entities else "record changes"
    return f"Sends {what} to the app (a webhook the app manages through SuperOffice's API)"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def item_row(item: ProvisionedItem) -> dict[str, Any]:
    """One provisioned item as the pages and the JSON show it."""
    return {
        "kind": item.kind,
        "kind_name": KIND_NAMES.get(item.kind, item.kind),
        "key": item.key,
        "name": item.name or item.key,
        "superoffice_id": item.superoffice_id,
        "where": where_it_shows(item),
        "created_at": _iso(item.created_at),
    }


_WEB_PANELS_NOTE = "Users may need to sign out of SuperOffice and in again to see new web panels."


def to_do(profile: TenantProfile) -> list[str]:
    """What is left for the administrator, in plain words."""
    if profile.status is TenantStatus.INSTALL_FAILED:
        return ["Install the app again: it continues where it stopped."]
    if profile.status is TenantStatus.REVOKED:
        return ["Approve the app again in SuperOffice, then install it again."]
    if profile.status is TenantStatus.UNINSTALLING:
        return ["Run the uninstall again to finish removing the app."]
    if profile.status is TenantStatus.ACTIVE:
        return [f"Nothing: the app set itself up. {_WEB_PANELS_NOTE}"]
    return []


# How a developer's local stack becomes reachable for SuperOffice (`python -m local up`).
PUBLIC_URL_REMEDY = (
    "run an HTTPS tunnel to the app's local port and start the stack with "
    "--public-url https://<tunnel host>, then install again"
)


def webhooks_skipped_summary(app_base_url: str) -> str:
    """The install's audit entry when it leaves the CRM webhooks out."""
    return (
        f"CRM webhooks not registered: SuperOffice cannot reach the app at {app_base_url} "
        f"(a local address). To get them, {PUBLIC_URL_REMEDY}."
    )


def unreachable_callbacks(app_base_url: str) -> dict[str, Any]:
    """What is missing while SuperOffice cannot reach the app at ``app_base_url``, and how
    to get it (the view's ``missing``)."""
    return {
        "reason": f"SuperOffice cannot reach the app at {app_base_url} (a local address)",
        "remedy": PUBLIC_URL_REMEDY,
        "items": [
            {
                "what": "CRM webhooks",
                "effect": "not registered: record changes reach the app only with the "
                "scheduled sync",
            },
            {
                "what": "Customer state-change notifications",
                "effect": "not delivered: suspend, resume, move and delete are noticed "
                "when the app next reads SuperOffice's state API; with --public-url, "
                "register https://<tunnel host>/notifications/tenant-state as the app's "
                "customer state change URL in the Developer Portal",
            },
        ],
    }


def _missing_lines(missing: dict[str, Any]) -> list[str]:
    return [
        f"{missing['reason']}. To get what is missing, {missing['remedy']}.",
        *(f"{item['what']}: {item['effect']}." for item in missing["items"]),
    ]


def tenant_view(
    tenants: TenantStore,
    ctx: str,
    *,
    events: int = 20,
    sync_section: SyncSection | None = None,
    now: datetime | None = None,
    unreachable_at: str | None = None,
) -> dict[str, Any] | None:
    """The tenant as its administrator sees it; None for a tenant the app never knew.

    With ``sync_section`` the view has a ``sync`` key, what it answers. With
    ``unreachable_at`` (the app's base URL, which SuperOffice cannot reach) the view has a
    ``missing`` key, and the to-do list says what is missing and how to get it.
    """
    profile = tenants.get(ctx)
    if profile is None:
        return None
    installer = profile.installed_by
    view: dict[str, Any] = {
        "ctx": profile.ctx,
        "status": profile.status.value,
        "status_text": STATUS_TEXT.get(profile.status, ""),
        "environment": profile.environment,
        "company_name": profile.company_name,
        "serial": profile.serial,
        "superoffice_version": profile.version,
        "installed_at": _iso(profile.installed_at),
        "installed_by": (
            {
                "associate_id": installer.associate_id,
                "name": installer.name,
                "email": installer.email,
            }
            if installer
            else None
        ),
        "provisioned": [item_row(item) for item in tenants.list_provisioned(ctx)],
        "to_do": to_do(profile),
        "recent_events": [
            {
                "at": _iso(event.at),
                "kind": event.kind,
                "summary": event.summary,
                "actor": event.actor,
            }
            for event in (tenants.recent_events(ctx, limit=events) if events else [])
        ],
        "can_uninstall": profile.status not in (TenantStatus.UNINSTALLED, TenantStatus.DELETED),
    }
    if unreachable_at is not None:
        missing = unreachable_callbacks(unreachable_at)
        view["missing"] = missing
        if view["can_uninstall"]:
            lines = _missing_lines(missing)
            if profile.status is TenantStatus.ACTIVE:
                # Not "nothing": the app could not set everything up.
                lines.append(_WEB_PANELS_NOTE)
            else:
                lines = view["to_do"] + lines
            view["to_do"] = lines
    if sync_section is not None:
        view["sync"] = sync_section(profile, now or utc_now())
    return view
