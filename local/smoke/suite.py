"""The smoke checks in order, each run once; a stack that does not answer stops the rest.

When the first check gets no HTTP answer at all (nothing listens, DNS fails, TLS fails),
the later checks are reported as failed without being tried: each would wait for the
same timeout and say the same thing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Final

from local.smoke.endpoints import (
    check_forged_notification,
    check_forged_webhook,
    check_health,
    check_install_redirect,
    check_session_jwks,
    check_unknown_route,
)
from local.smoke.http import NoAnswer, new_client
from local.smoke.pages import check_security_headers, check_tls
from local.smoke.report import CheckResult, judged
from local.smoke.session import SmokeSession
from local.smoke.target import Target

Check = Callable[[SmokeSession], list[CheckResult]]

# Install before the forged notification: the forgery's issuer and x5t are SuperID's.
CHECKS: Final[tuple[tuple[str, Check], ...]] = (
    ("health", check_health),
    ("session JWKS", check_session_jwks),
    ("install redirect", check_install_redirect),
    ("forged notification", check_forged_notification),
    ("forged webhook", check_forged_webhook),
    ("unknown route", check_unknown_route),
    ("TLS", check_tls),
    ("security headers", check_security_headers),
)


def run_checks(target: Target, *, environment: str | None, timeout: float) -> Iterator[CheckResult]:
    with new_client(timeout) as client:
        session = SmokeSession(client=client, target=target, environment=environment)
        silent: str | None = None
        for name, check in CHECKS:
            if silent is not None:
                yield judged(name, False, "an answer", f"not checked: {silent}")
                continue
            try:
                yield from check(session)
            except NoAnswer as error:
                yield judged(name, False, "an HTTP answer", str(error))
                if name == CHECKS[0][0]:
                    silent = f"{target.base_url} did not answer"
