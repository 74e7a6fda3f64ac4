"""What the fuzz tests attack: a local stack with the app installed for one tenant.

`prepare_target` installs the app for Cust10001 as its administrator would (through
SuperID's sign-in on the simulator), so that requests reach the code behind the
authorizer with a valid session cookie, its CSRF token and a bearer id_token, and
collects every secret that must never show in an answer.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx

from local import defaults
from local.demo import StackUrls
from local.demo.browser import DemoBrowser
from local.demo.html_forms import read_forms
from local.id_tokens import LocalUser, issue_id_token
from local.simulator.notification_tokens import notification_token
from local.superid_keys import SigningKey, load_or_create_signing_key
from superoffice_app.store import DynamoTable, SecretBox, TenantStore
from tests.fuzz.fuzz_answers import Secrets, stack_file_secrets

TENANT = "Cust10001"
OTHER_TENANT = "Cust10002"  # known to SuperOffice, not installed
ADMINISTRATOR = "1"  # associate 1 of every simulated tenant
SESSION_COOKIE = "__Host-so_session"
LOGIN_COOKIE = "__Host-so_login"
TOKEN_LIFETIME_SECONDS = 3600


@dataclass(frozen=True)
class FuzzTarget:
    app_url: str
    simulator_url: str
    state_dir: Path
    ctx: str
    # Secrets: never in a test report (repr=False).
    session: str = field(repr=False)  # the administrator's session cookie for ctx
    csrf: str = field(repr=False)  # the CSRF token of the session's forms
    bearer: str = field(repr=False)  # a SuperOffice id_token of ctx's administrator
    webhook_secret: str = field(repr=False)  # ctx's CRM webhook secret
    login_cookie: str = field(repr=False)  # a pending sign-in (GET /install) ...
    login_state: str = field(repr=False)  # ... and the state SuperID would send back with it
    signing_key: SigningKey = field(repr=False)
    secrets: Secrets = field(repr=False)

    def notification_token(self, ctx: str) -> str:
        """A valid customer-state-change token, as SuperOffice signs it."""
        return notification_token(
            self.signing_key, issuer=self.simulator_url, ctx=ctx, now=time.time()
        )


def prepare_target(local_stack: StackUrls) -> FuzzTarget:
    """Install the app for TENANT on the stack and gather what the fuzzers need."""
    health = httpx.get(f"{local_stack.app_url}/_local/health", timeout=10).json()
    state_dir = Path(health["stateDir"])
    with DemoBrowser() as browser:
        session, csrf = _install(browser, local_stack.app_url, TENANT)
    key = load_or_create_signing_key(state_dir)
    bearer = issue_id_token(
        key,
        issuer=local_stack.simulator_url,
        audience=defaults.LOCAL_CLIENT_ID,
        user=LocalUser(ctx=TENANT, associate_id=int(ADMINISTRATOR), is_administrator=True),
        lifetime=TOKEN_LIFETIME_SECONDS,
    )
    login_cookie, login_state = start_sign_in(local_stack.app_url)
    webhook_secret = _webhook_secret(health, TENANT)
    secrets = Secrets()
    for name, value in stack_file_secrets(state_dir).items():
        secrets.add(name, value)
    secrets.add("the system token", _system_token(local_stack.simulator_url, TENANT))
    secrets.add("the webhook secret", webhook_secret)
    secrets.add("the session token", session, client=True)
    secrets.add("the bearer id_token", bearer, client=True)
    secrets.add("the sign-in state cookie", login_cookie, client=True)
    return FuzzTarget(
        app_url=local_stack.app_url,
        simulator_url=local_stack.simulator_url,
        state_dir=state_dir,
        ctx=TENANT,
        session=session,
        csrf=csrf,
        bearer=bearer,
        webhook_secret=webhook_secret,
        login_cookie=login_cookie,
        login_state=login_state,
        signing_key=key,
        secrets=secrets,
    )


def _install(browser: DemoBrowser, app_url: str, ctx: str) -> tuple[str, str]:
    """Install the app as the tenant's administrator; the session cookie and CSRF token."""
    start = browser.open(f"{app_url}/install?ctx={ctx}")
    forms = [form for form in read_forms(start.text).forms if form.offers("decision")]
    assert len(forms) == 1, f"no sign-in form at {start.url} (HTTP {start.status_code})"
    page = browser.submit(
        start, forms[0], {"tenant": ctx, "user": ADMINISTRATOR, "decision": "allow"}
    )
    title = re.search(r"<title>(.*?)</title>", page.text, re.DOTALL)
    assert str(page.url) == f"{app_url}/tenants/{ctx}", (
        f"the install ended at {page.url}: HTTP {page.status_code} "
        f"{title.group(1).strip() if title else ''}"
    )
    session = browser.cookie(SESSION_COOKIE)
    assert session, "the install set no session cookie"
    csrf = next(
        (
            form.fields["csrf_token"]
            for form in read_forms(page.text).forms
            if "csrf_token" in form.fields
        ),
        None,
    )
    assert csrf, "the management page has no form with a CSRF token"
    return session, csrf


def start_sign_in(app_url: str, ctx: str = OTHER_TENANT) -> tuple[str, str]:
    """A sign-in started and not finished: its state cookie and the state in SuperID's URL."""
    started = httpx.get(f"{app_url}/install", params={"ctx": ctx}, timeout=30)
    assert started.status_code == 303, f"GET /install answered {started.status_code}"
    state = parse_qs(urlsplit(started.headers["location"]).query)["state"][0]
    cookie = started.cookies.get(LOGIN_COOKIE) or _set_cookie_value(started, LOGIN_COOKIE)
    return cookie, state


def _set_cookie_value(response: httpx.Response, name: str) -> str:
    # httpx keeps no Secure cookie received over http; read the header itself.
    for header in response.headers.get_list("set-cookie"):
        cookie_name, _, rest = header.partition("=")
        if cookie_name.strip() == name:
            return rest.split(";", 1)[0]
    raise AssertionError(f"no {name} cookie was set")


def _system_token(simulator_url: str, ctx: str) -> str:
    # Approving again returns the tenant's existing system token without changing it.
    answer = httpx.post(f"{simulator_url}/_control/tenants/{ctx}/approve", json={}, timeout=10)
    answer.raise_for_status()
    return str(answer.json()["systemToken"])


def _webhook_secret(health: dict[str, object], ctx: str) -> str:
    """The tenant's webhook secret, read from the stack's table as the function reads it."""
    ids = health["physicalIds"]
    assert isinstance(ids, dict)
    settings = {
        "region_name": defaults.local_region(),
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }
    dynamodb_endpoint = health["dynamodb"]["endpoint"]  # type: ignore[index]
    moto_endpoint = health["moto"]["endpoint"]  # type: ignore[index]
    store = TenantStore(
        DynamoTable(
            client=boto3.client("dynamodb", endpoint_url=dynamodb_endpoint, **settings),
            name=ids["TenantsTable"],
        ),
        SecretBox(boto3.client("kms", endpoint_url=moto_endpoint, **settings), ids["AppKey"]),
    )
    secret = store.get_secret(ctx, "webhook_secret")
    assert secret is not None, f"{ctx} has no webhook secret after its install"
    return secret.reveal()
