"""The management, uninstall-confirmation and uninstall-result pages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from superoffice_app.web.html import (
    app_name,
    definition_list,
    esc,
    link_button,
    page,
    paragraphs,
    status_badge,
    table,
)


def readable_time(iso: str | None) -> str:
    """ISO 8601 from the store as "22 Nov 2026 10:00 UTC" for people."""
    if not iso:
        return "–"
    try:
        moment = datetime.fromisoformat(iso).astimezone(UTC)
    except ValueError:
        return iso
    return moment.strftime("%d %b %Y %H:%M UTC")


# Kinds whose key (ProgId) is worth showing beside the name; for lists, items and
# preferences the key only repeats the name.
_KINDS_WITH_PROGID = ("udef", "web_panel")


def _name(item: dict[str, Any]) -> str:
    if item["kind"] in _KINDS_WITH_PROGID and item["name"] != item["key"]:
        return f"{item['name']} ({item['key']})"
    return str(item["name"])


def _provisioned_table(items: Sequence[dict[str, Any]], caption: str, *, where: bool = True) -> str:
    headings: tuple[str, ...] = ("What", "Name (ProgId)", "SuperOffice id")
    rows: list[tuple[object, ...]] = [
        (i["kind_name"], _name(i), i["superoffice_id"] or "–") for i in items
    ]
    if where:
        headings += ("Where to find it in SuperOffice",)
        rows = [(*row, i["where"]) for row, i in zip(rows, items, strict=True)]
    return table(caption, headings, rows)


_SYNC_BADGES = {"on": "syncing", "paused": "paused", "waiting": "waiting", "off": "off"}


def _when(iso: str | None, ago: str | None, *, never: str) -> str:
    if not iso:
        return never
    return f"{readable_time(iso)} ({ago})" if ago else readable_time(iso)


def _count(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) else "–"


def _sync_switch(sync: dict[str, Any], ctx: str, csrf_token: str) -> str:
    if sync.get("can_resume"):
        action, label = "resume", "Resume syncing"
        why = "The app syncs again at once, then on its regular schedule."
    elif sync.get("can_pause"):
        action, label = "pause", "Pause syncing"
        why = (
            "While paused the app reads nothing from SuperOffice for this tenant. A "
            "production sandbox (a copy of your production tenant) usually wants syncing "
            "paused."
        )
    else:
        return ""
    return (
        f'<form method="post" action="/tenants/{esc(ctx)}/sync">'
        f'<input type="hidden" name="csrf_token" value="{esc(csrf_token)}">'
        f'<input type="hidden" name="action" value="{action}">'
        f'<p><button class="button button-quiet" type="submit">{esc(label)}</button></p>'
        f"</form>{paragraphs(why)}"
    )


def _sync_section(
    sync: dict[str, Any], ctx: str, *, is_administrator: bool, csrf_token: str | None
) -> str:
    state = str(sync.get("state", "off"))
    badge = (
        f'<span class="status status-sync-{esc(state)}">'
        f"{esc(_SYNC_BADGES.get(state, state))}</span>"
    )
    totals = sync.get("totals") or {}
    reason = totals.get("last_run_reason_text")
    last_run = _when(
        totals.get("last_run_at"), totals.get("last_run_ago"), never="No run has finished yet"
    )
    if reason and totals.get("last_run_at"):
        last_run += f", for {reason}"
    facts = definition_list(
        [
            ("Last run", last_run),
            ("Runs", _count(totals.get("runs", 0))),
            ("Requests to your SuperOffice", f"{_count(totals.get('requests_total', 0))} in all"),
        ]
    )
    rows = []
    for entity in sync.get("entities") or []:
        last = _when(
            entity.get("last_success_at"), entity.get("last_success_ago"), never="Not synced yet"
        )
        if entity.get("note"):
            last += f" · {entity['note']}"
        rows.append(
            (
                entity.get("name") or entity.get("entity"),
                last,
                _count(entity.get("records_mirrored")),
                entity.get("lag") or "–",
                entity.get("last_error") or "None",
                _count(entity.get("requests_last_run")),
                _count(entity.get("requests_total")),
            )
        )
    per_entity = table(
        "Per kind of record. Lag: the time since the last successful sync. Requests: the "
        "calls the app made to your tenant's SuperOffice API.",
        (
            "Records",
            "Last successful sync",
            "Mirrored",
            "Lag",
            "Last error",
            "Requests last run",
            "Requests in all",
        ),
        rows,
    )
    switch = ""
    if state != "off":
        if not is_administrator:
            switch = paragraphs("Only an administrator can pause or resume syncing.")
        elif csrf_token:
            switch = _sync_switch(sync, ctx, csrf_token)
    return (
        '<section aria-labelledby="sync"><h2 id="sync">Sync</h2>'
        f"<p>{badge} {esc(sync.get('status_text', ''))}</p>{facts}{per_entity}{switch}</section>"
    )


def management_page(
    view: dict[str, Any],
    *,
    is_administrator: bool,
    correlation_id: str,
    csrf_token: str | None = None,
) -> str:
    """The tenant's page; ``csrf_token`` (from the session) enables the sync switch's form."""
    installer = view.get("installed_by") or {}
    facts = definition_list(
        [
            ("Tenant", view["ctx"]),
            ("Company", view.get("company_name") or "–"),
            ("Environment", view.get("environment") or "–"),
            ("SuperOffice version", view.get("superoffice_version") or "–"),
            ("Installed", readable_time(view.get("installed_at"))),
            ("Installed by", installer.get("name") or installer.get("email") or "–"),
        ]
    )
    to_do = "".join(f"<li>{esc(line)}</li>" for line in view["to_do"])
    events = table(
        "Most recent first",
        ("When", "What", "Who"),
        (
            (readable_time(e["at"]), e["summary"], e["actor"] or "SuperOffice / the app")
            for e in view["recent_events"]
        ),
    )
    uninstall = ""
    uninstall_href = f"/tenants/{view['ctx']}/uninstall"
    if view["can_uninstall"]:
        if is_administrator:
            uninstall = (
                '<section aria-labelledby="remove"><h2 id="remove">Remove the app</h2>'
                + paragraphs(
                    "Uninstalling removes everything listed above from SuperOffice and deletes "
                    "the app's copy of your data. The audit trail is kept."
                )
                + f"<p>{link_button(uninstall_href, 'Uninstall…')}</p></section>"
            )
        else:
            uninstall = paragraphs("Only an administrator can uninstall the app.")
    sync = (
        _sync_section(
            view["sync"], view["ctx"], is_administrator=is_administrator, csrf_token=csrf_token
        )
        if view.get("sync")
        else ""
    )
    body = (
        f'<section aria-labelledby="status"><h2 id="status">Status</h2>'
        f"<p>{status_badge(view['status'])} {esc(view['status_text'])}</p>{facts}</section>"
        f'<section aria-labelledby="items"><h2 id="items">What the app set up in SuperOffice</h2>'
        f"{_provisioned_table(view['provisioned'], 'Everything the app created in your tenant')}"
        f'<p><a href="?format=json">This list as JSON</a></p></section>'
        f'<section class="notice" aria-labelledby="todo"><h2 id="todo">Left for you to do</h2>'
        f"<ul>{to_do or '<li>Nothing.</li>'}</ul></section>"
        f"{sync}"
        f'<section aria-labelledby="events"><h2 id="events">Recent events</h2>{events}</section>'
        f"{uninstall}"
    )
    return page(
        f"{app_name()} for {view.get('company_name') or view['ctx']}",
        body,
        correlation_id=correlation_id,
    )


def uninstall_confirm_page(view: dict[str, Any], *, csrf_token: str, correlation_id: str) -> str:
    cancel_href = f"/tenants/{view['ctx']}"
    body = (
        '<section class="problem" aria-labelledby="confirm">'
        '<h2 id="confirm">Remove the app from this tenant?</h2>'
        + paragraphs(
            f"This removes the following from {view.get('company_name') or view['ctx']} "
            "and deletes the app's stored data and credentials. It cannot be undone, but you "
            "can install the app again later."
        )
        + _provisioned_table(view["provisioned"], "Will be removed")
        + f'<form method="post" action="/tenants/{esc(view["ctx"])}/uninstall">'
        f'<input type="hidden" name="csrf_token" value="{esc(csrf_token)}">'
        '<p><button class="button button-danger" type="submit">Yes, uninstall</button> '
        f"{link_button(cancel_href, 'Cancel', quiet=True)}</p></form></section>"
    )
    return page("Uninstall the app", body, correlation_id=correlation_id)


def uninstall_result_page(
    ctx: str,
    removed: Sequence[dict[str, Any]],
    left: Sequence[dict[str, Any]],
    *,
    access_revoked: bool,
    correlation_id: str,
) -> str:
    parts = [
        '<section aria-labelledby="removed"><h2 id="removed">Removed from SuperOffice</h2>',
        _provisioned_table(
            removed, "Items the app removed (or that were already gone)", where=False
        ),
        "</section>",
    ]
    if left:
        why = (
            "SuperOffice had already revoked the app's access, so it could not remove these. "
            if access_revoked
            else ""
        )
        parts += [
            '<section class="problem" aria-labelledby="left">',
            '<h2 id="left">Please remove these by hand</h2>',
            paragraphs(why + "In SuperOffice, go to the place named for each item and delete it."),
            _provisioned_table(left, "Still in your tenant"),
            "</section>",
        ]
    parts.append(
        '<section aria-labelledby="after"><h2 id="after">What happens now</h2>'
        + paragraphs(
            f"The app's credentials and stored data for {ctx} have been deleted. "
            "The audit trail of the installation is kept. You can close this page, or "
            "install the app again at any time."
        )
        + f"<p>{link_button(f'/install?ctx={ctx}', 'Install again', quiet=True)}</p></section>"
    )
    return page("The app was uninstalled", "".join(parts), correlation_id=correlation_id)


def contact_panel_page(view: dict[str, Any] | None, *, contact_id: str) -> str:
    """The sample contact-card panel: says whether the app is connected, nothing more."""
    if view is None or view["status"] in ("uninstalled", "deleted"):
        body = paragraphs("The app is not installed for this SuperOffice tenant.")
    else:
        body = f"<p>{status_badge(view['status'])} {esc(view['status_text'])}</p>" + paragraphs(
            f"Contact {contact_id or '(none)'} in {view.get('company_name') or view['ctx']}."
        )
    return page("Connected app", body)
