"""An administrator installs and uninstalls the app in a real (headless) Chromium.

The test acts as a person: it reads the pages, picks the tenant and the user with the
page's own controls, clicks buttons and links by their visible names, and looks at what
the pages say. Every page is photographed into tests/output/e2e/ (numbered, in order)
for a human to review, and checked for the basics of accessibility; the management and
confirmation pages are also opened at a phone's size.

Chromium is Debian's (`apt-get install chromium`): `playwright install` downloads
browsers, which this project's machines cannot.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import (
    BrowserContext,
    Page,
    Playwright,
    ViewportSize,
    expect,
    sync_playwright,
)

from local.demo import StackUrls
from tests.e2e.conftest import REPO

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # the tests may run as root in a container
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # No calls home: updates, sync and component downloads only slow the tests down.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = REPO / "tests" / "output" / "e2e"
PHONE: ViewportSize = {"width": 390, "height": 844}
CTX = "Cust10001"
COMPANY = "Nordlys Consulting AS"
PROVISIONED_NAMES = (
    "MyPartnerApp:CustomerScore",
    "MyPartnerApp:ContactPanel",
    "My Partner App status",
    "MyPartnerApp",
)
ACTION_TIMEOUT_MS = 15_000
# The install behind the callback takes about ten seconds locally (every function call a
# fresh process), and more on a busy machine.
INSTALL_TIMEOUT_MS = 45_000

# Returns what a screen-reader user would miss on the page, in words.
ACCESSIBILITY_PROBLEMS_JS = """
() => {
  const problems = [];
  const text = (el) => (el.textContent || "").replace(/\\s+/g, " ").trim();
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  if (!document.documentElement.getAttribute("lang")) problems.push("<html> has no lang");
  const h1 = document.querySelectorAll("h1").length;
  if (h1 !== 1) problems.push(`${h1} <h1> elements, not one`);
  const controls = document.querySelectorAll(
    "input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea");
  for (const control of controls) {
    const labels = [...(control.labels || [])].map(text).filter(Boolean);
    if (!labels.length && !control.getAttribute("aria-label")
        && !control.getAttribute("aria-labelledby")) {
      problems.push(`control without a label: ${control.outerHTML}`);
    }
  }
  const buttons = document.querySelectorAll(
    "button, [role=button], input[type=submit], input[type=button]");
  for (const button of buttons) {
    if (!visible(button)) continue;
    const name = text(button) || button.getAttribute("aria-label") || button.value || "";
    if (!name.trim()) problems.push(`button without a name: ${button.outerHTML}`);
  }
  for (const link of document.querySelectorAll("a[href]")) {
    if (!text(link) && !link.getAttribute("aria-label")) {
      problems.push(`link without text: ${link.outerHTML}`);
    }
  }
  return problems;
}
"""
HORIZONTAL_OVERFLOW_JS = "() => [document.documentElement.scrollWidth, window.innerWidth]"


class Journey:
    """The open page, the screenshots taken so far and what the pages got wrong."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.shots = 0
        self.accessibility: dict[str, list[str]] = {}

    def photograph(self, name: str, page: Page | None = None) -> None:
        """Screenshot the whole page as NN-name.png and note its accessibility problems."""
        shown = page or self.page
        self.shots += 1
        label = f"{self.shots:02d}-{name}"
        shown.screenshot(path=SCREENSHOTS / f"{label}.png", full_page=True)
        problems = shown.evaluate(ACCESSIBILITY_PROBLEMS_JS)
        if problems:
            self.accessibility[label] = problems


@pytest.fixture(scope="module")
def chromium_context() -> Iterator[BrowserContext]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser test drives Debian's Chromium. Install it "
            "with `sudo apt-get update && sudo apt-get install -y chromium`."
        )
    profile = Path(tempfile.mkdtemp(prefix="e2e-chromium-"))
    playwright: Playwright = sync_playwright().start()
    try:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 800},
        )
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        yield context
        context.close()
    finally:
        playwright.stop()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def journey(chromium_context: BrowserContext) -> Iterator[Journey]:
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    page = chromium_context.new_page()
    yield Journey(page)
    page.close()


def test_an_administrator_installs_and_uninstalls_in_a_browser(
    fresh_superoffice: StackUrls, journey: Journey
) -> None:
    page, app = journey.page, fresh_superoffice.app_url

    page.goto(f"{app}/install?ctx={CTX}")
    expect(page).to_have_url(re.compile(f"^{re.escape(fresh_superoffice.simulator_url)}/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to SuperOffice")
    journey.photograph("superid-sign-in")

    sign_in_as_administrator(page)
    # The callback installs the app: a token exchange, the state API, the system user and
    # a dozen provisioning calls, each function in a fresh process locally.
    expect(page).to_have_url(f"{app}/tenants/{CTX}", timeout=INSTALL_TIMEOUT_MS)
    management_page_shows_the_installation(page)
    journey.photograph("management-page")

    phone_size_pages_do_not_scroll_sideways(journey, app)

    page.get_by_role("link", name="Uninstall…").click()
    expect(page).to_have_url(f"{app}/tenants/{CTX}/uninstall")
    expect(page.get_by_role("heading", level=1)).to_have_text("Uninstall the app")
    for name in PROVISIONED_NAMES:
        expect(page.get_by_role("table").first).to_contain_text(name)
    journey.photograph("uninstall-confirmation")

    page.get_by_role("button", name="Yes, uninstall").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The app was uninstalled")
    removed = page.get_by_role("table").first
    for name in PROVISIONED_NAMES:
        expect(removed).to_contain_text(name)
    expect(page.get_by_role("heading", name="Please remove these by hand")).to_have_count(0)
    journey.photograph("uninstalled")

    assert not journey.accessibility, journey.accessibility


def sign_in_as_administrator(page: Page) -> None:
    """Choose the tenant and the administrator by their labels, as a person would."""
    page.get_by_role("radio", name=re.compile(f"{COMPANY} \\({CTX}\\)")).check()
    page.get_by_role("radio", name=re.compile("Ada Administrator")).check()
    page.get_by_role("button", name="Allow").click()


def management_page_shows_the_installation(page: Page) -> None:
    expect(page.get_by_role("heading", level=1)).to_contain_text(COMPANY)
    expect(page.get_by_text("The app is installed and working.")).to_be_visible()
    items = page.get_by_role("table").filter(has_text="Everything the app created")
    for name in PROVISIONED_NAMES:
        expect(items).to_contain_text(name)
    expect(page.get_by_role("link", name="Uninstall…")).to_be_visible()


def phone_size_pages_do_not_scroll_sideways(journey: Journey, app: str) -> None:
    """The management and confirmation pages at 390x844, in the same signed-in browser."""
    phone = journey.page.context.new_page()
    try:
        phone.set_viewport_size(PHONE)
        for path, name in (
            (f"/tenants/{CTX}", "management"),
            (f"/tenants/{CTX}/uninstall", "confirm"),
        ):
            phone.goto(f"{app}{path}")
            expect(phone.get_by_role("heading", level=1)).to_be_visible()
            content_width, viewport_width = phone.evaluate(HORIZONTAL_OVERFLOW_JS)
            journey.photograph(f"phone-{name}", phone)
            assert content_width <= viewport_width, (
                f"{path} scrolls sideways on a phone: {content_width}px of content in a "
                f"{viewport_width}px wide viewport"
            )
    finally:
        phone.close()
