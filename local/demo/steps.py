"""The demo's steps: one tenant's whole life, driven over HTTP as SuperOffice and a browser do.

Each step is a plain function of the session; `STEPS` is their order. A later feature
adds its steps to the list. A step fails by raising `StepFailed` with the reason a
person would want to read.
"""

from __future__ import annotations

import html
import re
from typing import Any, Final
from urllib.parse import urlsplit

import httpx

from local.demo import lifecycle_steps, sync_steps
from local.demo.app_items import ItemKey, declared_items, tenant_items
from local.demo.browser import REQUEST_TIMEOUT_SECONDS, DemoBrowser
from local.demo.failures import expect
from local.demo.html_forms import Form, read_forms
from local.demo.session import DemoSession, Step

ADMINISTRATOR: Final = "1"  # associate 1 of every simulated tenant, "Ada Administrator"
SESSION_COOKIE: Final = "__Host-so_session"
UNINSTALLED_TEXT: Final = "The app was uninstalled"


def open_install(session: DemoSession) -> None:
    page = session.browser.open(f"{session.app_url}/install?ctx={session.ctx}")
    expect(page.status_code == 200, f"the sign-in page answered HTTP {page.status_code}")
    expect(
        str(page.url).startswith(session.simulator_url),
        f"/install led to {page.url}, not to SuperOffice's sign-in at {session.simulator_url}",
    )
    _sign_in_form(page)
    session.page = page
    session.say(f"SuperID's sign-in page: {page.url.path}")


def sign_in_as_administrator(session: DemoSession) -> None:
    page = session.current_page()
    form = _sign_in_form(page)
    for name, value in (("tenant", session.ctx), ("user", ADMINISTRATOR), ("decision", "allow")):
        offered = form.choices.get(name, [])
        expect(value in offered, f"the sign-in page offers no {name} {value!r} ({offered})")
    choices = {"tenant": session.ctx, "user": ADMINISTRATOR, "decision": "allow"}
    session.page = session.browser.submit(page, form, choices)
    hops = [_path(hop.split(" ", 1)[1]) for hop in session.browser.history]
    expect(
        any(hop.startswith("/callback") for hop in hops),
        f"the sign-in never came back to the app's /callback: {' -> '.join(hops)}",
    )
    expect(
        session.browser.cookie(SESSION_COOKIE),
        f"the app set no {SESSION_COOKIE} cookie; it shows {_shown(session.page)}",
    )
    session.say("via " + " -> ".join(hops))


def land_on_management_page(session: DemoSession) -> None:
    page = session.current_page()
    wanted = f"{session.app_url}/tenants/{session.ctx}"
    expect(str(page.url) == wanted, f"landed on {page.url}, not on {wanted}")
    expect(page.status_code == 200, f"the management page shows {_shown(page)}")
    uninstall_link = f"/tenants/{session.ctx}/uninstall"
    expect(uninstall_link in page.text, f"the page has no link to {uninstall_link}")


def show_provisioned_items(session: DemoSession) -> None:
    view = _management_json(session)
    expect(view.get("status") == "active", f"the tenant's status is {view.get('status')!r}")
    session.provisioned = list(view.get("provisioned") or [])
    recorded = {_key(row) for row in session.provisioned}
    missing = [str(key) for key in declared_items(session.spec) if key not in recorded]
    expect(not missing, f"provisioning.json items not in the list: {', '.join(missing)}")
    names = [_name_and_key(row) for row in session.provisioned]
    width = max(map(len, names), default=0)
    for row, name in zip(session.provisioned, names, strict=True):
        superoffice_id = row["superoffice_id"] or "-"
        session.say(f"{row['kind']:<10}  {name:<{width}}  id {superoffice_id:<5}  {row['where']}")


def check_items_in_superoffice(session: DemoSession) -> None:
    expect(session.provisioned, "nothing is recorded as provisioned (step 4 did not run?)")
    present = tenant_items(session.simulator_url, session.ctx)
    missing = [str(_key(row)) for row in session.provisioned if _key(row) not in present]
    expect(not missing, f"recorded but not in SuperOffice: {', '.join(missing)}")
    session.say(f"all {len(session.provisioned)} items are in {session.ctx} at SuperOffice")


def install_second_tenant(session: DemoSession) -> None:
    """The same sign-in, by the administrator of the tenant whose life SuperOffice changes.

    A second browser, as another administrator would use: the demo tenant's session stays
    for its uninstall. An earlier demo leaves this tenant deleted in SuperOffice; it is
    brought back to Running first (a simulator reset does the same).
    """
    ctx, superoffice = session.lifecycle_ctx, session.superoffice()
    state = superoffice.tenant(ctx)["state"]
    if state != "Running":
        superoffice.set_state(ctx, "Running")
        session.say(f"{ctx} was {state} in SuperOffice (an earlier demo): set Running again")
    url = superoffice.point_notifications_at(session.app_url)
    session.say(f"SuperOffice sends the app's state-change notifications to {url}")
    browser = session.lifecycle_browser = session.lifecycle_browser or DemoBrowser()
    start = browser.open(f"{session.app_url}/install?ctx={ctx}")
    expect(str(start.url).startswith(session.simulator_url), f"/install led to {start.url}")
    choices = {"tenant": ctx, "user": ADMINISTRATOR, "decision": "allow"}
    page = browser.submit(start, _sign_in_form(start), choices)
    hops = [_path(hop.split(" ", 1)[1]) for hop in browser.history]
    # Where the install ends; the page itself was shown for the demo tenant (step 3), and
    # what the install wrote is read from the app's store.
    wanted = f"{session.app_url}/tenants/{ctx}"
    expect(str(page.url) == wanted, f"landed on {page.url}, not on {wanted}")
    expect(any(hop.startswith("/callback") for hop in hops), f"no /callback: {hops}")
    profile = session.aws().profile(ctx) or {}
    expect(profile.get("status") == "active", f"{ctx} is {profile.get('status')!r} in the app")
    hooks = superoffice.webhooks(ctx)
    target = f"{session.app_url}/webhooks/crm/{ctx}"
    expect(
        any(hook["TargetUrl"] == target for hook in hooks),
        f"no webhook in SuperOffice sends {ctx}'s changes to {target}",
    )
    session.say("via " + " -> ".join(hops))
    session.say(
        f"the app's profile of {ctx}: status 'active'; its webhook in SuperOffice sends "
        f"record changes to {_path(target)}"
    )
    # The install queued a full sync: let it finish, so what follows starts from a mirror
    # that matches SuperOffice and a worker with nothing left to do for this tenant.
    session.aws().wait_for_worker(timeout=sync_steps.WORKER_TIMEOUT_SECONDS)
    total = sync_steps.wait_for_matching_mirror(session, ctx)
    session.say(f"the install's full sync mirrored all {total} records of {ctx}")


def uninstall(session: DemoSession) -> None:
    browser = session.browser
    session.session_before_uninstall = browser.cookie(SESSION_COOKIE)
    confirm = browser.open(f"{session.app_url}/tenants/{session.ctx}/uninstall")
    expect(confirm.status_code == 200, f"the confirmation page answered {confirm.status_code}")
    forms = [form for form in read_forms(confirm.text).forms if form.offers("csrf_token")]
    expect(len(forms) == 1, "the confirmation page has no form with a csrf_token")
    result = browser.submit(confirm, forms[0], {})
    session.page = result
    expect(result.status_code == 200, f"the uninstall shows {_shown(result)}")
    expect(UNINSTALLED_TEXT in result.text, f"the result page does not say {UNINSTALLED_TEXT!r}")
    session.say(f"confirmed with csrf_token on {_path(confirm.url)}: {UNINSTALLED_TEXT}")
    mirrored = session.aws().mirror_counts(session.ctx)
    expect(not any(mirrored.values()), f"the app still mirrors {session.ctx}'s records: {mirrored}")
    session.say(f"RecordsTable holds none of {session.ctx}'s records any more")


def check_nothing_left_in_superoffice(session: DemoSession) -> None:
    declared = declared_items(session.spec)
    left = sorted(set(declared) & tenant_items(session.simulator_url, session.ctx))
    expect(not left, f"still in SuperOffice: {', '.join(map(str, left))}")
    session.say(f"none of the {len(declared)} items of provisioning.json is left")


def check_app_answers_uninstalled(session: DemoSession) -> None:
    url = f"{session.app_url}/tenants/{session.ctx}?format=json"
    expect(
        session.browser.cookie(SESSION_COOKIE) is None,
        "the uninstall did not clear the browser's session cookie",
    )
    signed_out = session.browser.get_json(url)
    expect(
        signed_out.status_code in (401, 403),
        f"without a session the page answered HTTP {signed_out.status_code}, not 401/403",
    )
    # A tab opened before the uninstall still holds a valid session for an hour: it must
    # see the tenant as uninstalled, with nothing provisioned and nothing to uninstall.
    stale = session.session_before_uninstall
    expect(stale, "no session was kept from before the uninstall (step 6 did not run?)")
    # The browser's timeout: httpx's default of 5 s is less than an authorizer and a
    # function process take on a busy machine.
    earlier = httpx.get(
        url,
        headers={"accept": "application/json", "cookie": f"{SESSION_COOKIE}={stale}"},
        timeout=REQUEST_TIMEOUT_SECONDS,
    )
    expect(earlier.status_code == 200, f"an earlier session got HTTP {earlier.status_code}")
    view = earlier.json()
    expect(view.get("status") == "uninstalled", f"the status is {view.get('status')!r}")
    expect(not view.get("provisioned"), "items are still listed as provisioned")
    expect(not view.get("can_uninstall"), "the app still offers to uninstall")
    session.say(
        f"no session: HTTP {signed_out.status_code}; "
        f"an earlier session: status {view['status']!r}, nothing provisioned"
    )


STEPS: Final = (
    Step("open /install?ctx={ctx} (the app sends the browser to SuperID)", open_install),
    Step("sign in at SuperOffice as the administrator and allow", sign_in_as_administrator),
    Step("land on the management page /tenants/{ctx}", land_on_management_page),
    Step("list what the app provisioned", show_provisioned_items),
    Step("find every provisioned item in SuperOffice (the simulator)", check_items_in_superoffice),
    Step(
        "the install's full sync mirrors {ctx}'s records into RecordsTable",
        sync_steps.install_sync_mirrors,
    ),
    Step(
        "records changed in SuperOffice reach the mirror at the next scheduled sync, "
        "and the event bus",
        sync_steps.changes_reach_the_mirror,
    ),
    Step("install the app for a second tenant, {other}, the same way", install_second_tenant),
    Step("SuperOffice suspends {other}: the app makes no calls for it", lifecycle_steps.suspend),
    Step("SuperOffice resumes {other}: the app syncs it again", lifecycle_steps.resume),
    Step("SuperOffice moves {other} to another host: the app follows", lifecycle_steps.move),
    Step(
        "SuperOffice restores a backup of {other}: a full resync",
        lifecycle_steps.backup_restored,
    ),
    Step(
        "a record changed in SuperOffice reaches the app through its webhook",
        lifecycle_steps.record_change_through_webhook,
    ),
    Step(
        "a person deleted in SuperOffice's user interface leaves the mirror at once; "
        "its later purge publishes nothing more",
        sync_steps.delete_in_the_user_interface,
    ),
    Step(
        "SuperOffice deletes {other}: the app purges it, keeping the audit trail",
        lifecycle_steps.delete,
    ),
    Step("uninstall: confirm on the app's page", uninstall),
    Step("check that no item of the app is left in SuperOffice", check_nothing_left_in_superoffice),
    Step("check that the app answers as uninstalled", check_app_answers_uninstalled),
)


def _sign_in_form(page: httpx.Response) -> Form:
    forms = [form for form in read_forms(page.text).forms if form.offers("decision")]
    expect(len(forms) == 1, f"{_path(page.url)} shows no sign-in form with Allow/Deny")
    return forms[0]


def _management_json(session: DemoSession) -> dict[str, Any]:
    response = session.browser.get_json(f"{session.app_url}/tenants/{session.ctx}?format=json")
    expect(response.status_code == 200, f"the JSON view answered HTTP {response.status_code}")
    view: dict[str, Any] = response.json()
    return view


def _name_and_key(row: dict[str, Any]) -> str:
    name, key = str(row["name"]), str(row["key"])
    return name if name == key else f"{name} ({key})"


def _key(row: dict[str, Any]) -> ItemKey:
    return ItemKey(str(row["kind"]), str(row["key"]))


def _shown(page: httpx.Response) -> str:
    """HTTP status and page title: what a person would read off the failed page."""
    title = re.search(r"<title>(.*?)</title>", page.text, re.DOTALL | re.IGNORECASE)
    heading = html.unescape(title.group(1)).strip() if title else "no title"
    return f"HTTP {page.status_code} {heading!r} at {_path(page.url)}"


def _path(url: str | httpx.URL) -> str:
    parts = urlsplit(str(url))
    return f"{parts.path}?{parts.query}" if parts.query else parts.path
