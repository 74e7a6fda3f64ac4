"""Checks of transport and pages: TLS, plain http refused, and the security headers a
certification reviewer looks for on the app's pages.

The pages reachable without a tenant: the install redirect, the callback's error page
(GET /callback without a sign-in) and the contact web panel SuperOffice frames. A local
http URL has no TLS, so its TLS and HSTS checks are SKIP, never PASS.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import httpx

from local.smoke.http import NoAnswer, describe, send
from local.smoke.report import CheckResult, judged, skipped
from local.smoke.session import SmokeSession

INSTALL: Final = "/install"
CALLBACK: Final = "/callback"
PANEL: Final = "/panels/contact"
HTML_PAGES: Final = (CALLBACK, PANEL)
# Mozilla Observatory's floor for HSTS: six months.
HSTS_MIN_SECONDS: Final = 15_768_000
SAFE_REFERRER_POLICIES: Final = frozenset(
    {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}
)
PLAIN_HTTP_TIMEOUT: Final = 5.0
REDIRECTS: Final = (301, 302, 307, 308)


def check_tls(session: SmokeSession) -> list[CheckResult]:
    target = session.target
    certificate = f"a certificate for {target.host} that verifies"
    plain = "plain http refused or redirected to https"
    if not target.is_https:
        reason = "http URL of a local stack, no TLS"
        return [
            skipped("TLS certificate", certificate, reason),
            skipped("plain http", plain, reason),
        ]
    try:
        # Certificates are verified by the session's client (httpx's default trust store).
        response = send(session.client, "GET", target.url(INSTALL))
        tls = judged(
            "TLS certificate", True, certificate, f"verified, GET /install {describe(response)}"
        )
    except NoAnswer as error:
        tls = judged("TLS certificate", False, certificate, str(error))
    return [tls, _plain_http(session, plain)]


def _plain_http(session: SmokeSession, expected: str) -> CheckResult:
    url = session.target.plain_http_url
    try:
        response = send(session.client, "GET", url, timeout=PLAIN_HTTP_TIMEOUT)
    except NoAnswer as error:
        return judged("plain http", True, expected, f"refused: {error}")
    location = response.headers.get("location", "")
    redirected = response.status_code in REDIRECTS and location.startswith("https://")
    got = f"{url} answered {describe(response)}" + (f" to {location}" if location else "")
    return judged("plain http", redirected, expected, got)


@dataclass(frozen=True)
class HeaderRule:
    """A header each of `pages` must carry, as `verdict` judges its value (None: absent)."""

    name: str
    expected: str
    pages: Sequence[str]
    verdict: Callable[[httpx.Headers], str | None]  # None when fine, else what is wrong
    https_only: bool = False


def _cache_control(headers: httpx.Headers) -> str | None:
    value = headers.get("cache-control")
    directives = {part.strip().lower() for part in (value or "").split(",")}
    return None if "no-store" in directives else (value or "missing")


def _nosniff(headers: httpx.Headers) -> str | None:
    value = headers.get("x-content-type-options")
    return None if (value or "").strip().lower() == "nosniff" else (value or "missing")


def _framing(headers: httpx.Headers) -> str | None:
    frame_options = (headers.get("x-frame-options") or "").strip().upper()
    policy = headers.get("content-security-policy") or ""
    if frame_options in ("DENY", "SAMEORIGIN") or "frame-ancestors" in policy:
        return None
    return frame_options or "missing"


def _referrer_policy(headers: httpx.Headers) -> str | None:
    value = headers.get("referrer-policy")
    policies = {part.strip().lower() for part in (value or "").split(",")}
    return None if policies & SAFE_REFERRER_POLICIES else (value or "missing")


def _hsts(headers: httpx.Headers) -> str | None:
    value = headers.get("strict-transport-security")
    match = re.search(r"max-age\s*=\s*\"?(\d+)", value or "", re.IGNORECASE)
    if match and int(match.group(1)) >= HSTS_MIN_SECONDS:
        return None
    return value or "missing"


RULES: Final = (
    HeaderRule(
        "Strict-Transport-Security",
        f"max-age >= {HSTS_MIN_SECONDS}",
        (INSTALL, *HTML_PAGES),
        _hsts,
        https_only=True,
    ),
    HeaderRule("X-Content-Type-Options", "nosniff", HTML_PAGES, _nosniff),
    HeaderRule(
        "X-Frame-Options or CSP frame-ancestors",
        "DENY/SAMEORIGIN or a frame-ancestors policy",
        HTML_PAGES,
        _framing,
    ),
    HeaderRule(
        "Referrer-Policy",
        "one of " + ", ".join(sorted(SAFE_REFERRER_POLICIES)),
        HTML_PAGES,
        _referrer_policy,
    ),
    HeaderRule("Cache-Control", "no-store", (INSTALL, CALLBACK), _cache_control),
)


def _judge(rule: HeaderRule, answers: Mapping[str, httpx.Response]) -> CheckResult:
    name = f"header {rule.name}"
    expected = f"{rule.expected} on {', '.join(rule.pages)}"
    wrong = {page: rule.verdict(answers[page].headers) for page in rule.pages}
    bad = {page: value for page, value in wrong.items() if value is not None}
    if not bad:
        return judged(name, True, expected, "present on each")
    return judged(
        name, False, expected, "; ".join(f"{page}: {value}" for page, value in bad.items())
    )


def check_security_headers(session: SmokeSession) -> list[CheckResult]:
    answers = {
        page: send(session.client, "GET", session.target.url(page))
        for page in (INSTALL, *HTML_PAGES)
    }
    results = [_pages_are_html(answers)]
    for rule in RULES:
        if rule.https_only and not session.target.is_https:
            results.append(
                skipped(f"header {rule.name}", rule.expected, "http URL of a local stack, no TLS")
            )
        else:
            results.append(_judge(rule, answers))
    return results


def _pages_are_html(answers: Mapping[str, httpx.Response]) -> CheckResult:
    """The pages the header rules look at are the app's HTML pages, not gateway errors."""
    got = {page: describe(answers[page]) for page in HTML_PAGES}
    html = all(" text/html" in text and not text.startswith("5") for text in got.values())
    return judged(
        "pages",
        html,
        f"HTML (no 5xx) from {', '.join(HTML_PAGES)}",
        "; ".join(f"{page}: {text}" for page, text in got.items()),
    )
