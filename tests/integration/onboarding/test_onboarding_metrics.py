"""RedirectCallbackFunction counts installs and uninstalls (the dashboard's first widget).

Each is one CloudWatch embedded-metric-format line on stdout, in the namespace the
template gives every function (POWERTOOLS_METRICS_NAMESPACE) with the `service` dimension
the dashboard reads.
"""

from __future__ import annotations

import pytest

from tests.integration.emf_lines import emitted
from tests.integration.onboarding.onboarding_browser import Browser
from tests.integration.onboarding.test_onboarding_flows import install, uninstall

pytestmark = pytest.mark.integration
NAMESPACE = "SuperOfficeApp"


def test_an_install_and_an_uninstall_are_counted_once_each(
    browser: Browser, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", NAMESPACE)
    capsys.readouterr()
    assert install(browser).status == 303
    assert browser.app("GET", "/tenants/Cust10001").status == 200  # counts nothing
    installed = emitted(capsys.readouterr().out)
    assert installed == [
        {
            "namespace": NAMESPACE,
            "name": "Installs",
            "value": [1.0],
            "dimensions": {"service": "redirect-callback"},
        }
    ]
    assert uninstall(browser).status == 200
    (uninstalled,) = emitted(capsys.readouterr().out)
    assert (uninstalled["name"], uninstalled["dimensions"]) == (
        "Uninstalls",
        {"service": "redirect-callback"},
    )


def test_a_refused_install_is_not_counted(
    browser: Browser, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", NAMESPACE)
    capsys.readouterr()
    assert install(browser, user="2").status == 403  # a plain user cannot install
    assert emitted(capsys.readouterr().out) == []
