"""web/errors.py: every onboarding error has its page, with the status people expect."""

from __future__ import annotations

import inspect

import pytest

from superoffice_app.onboarding import errors
from superoffice_app.outages import RETRY_AFTER_SECONDS
from superoffice_app.web.errors import PAGES, problem_for

ERRORS = [
    kind
    for _, kind in inspect.getmembers(errors, inspect.isclass)
    if issubclass(kind, errors.OnboardingError) and kind is not errors.OnboardingError
]

EXPECTED_STATUS = {
    errors.MalformedRequest("x"): 400,
    errors.SignInExpired(): 400,
    errors.ConsentDenied(): 403,
    errors.SignInErrorReported(): 400,
    errors.SignInFailed("x"): 502,
    errors.NotAdministrator(): 403,
    errors.SystemUserMissing(): 403,
    errors.ServerAccessRefused("x"): 403,
    errors.TenantNotRunning("OfflineMaintenance"): 503,
    errors.SuperOfficeUnreachable(): 503,
    errors.InstallIncomplete("x"): 502,
    errors.InstallAnswerUnexpected("creating the list"): 502,
    errors.UnknownTenant("Cust10001"): 404,
    errors.UninstallIncomplete(2): 503,
    errors.UninstallAnswerUnexpected("removing the list", 2): 502,
    errors.FormExpired(): 403,
}


def test_every_onboarding_error_has_its_own_row() -> None:
    assert ERRORS, "onboarding.errors defines no errors"
    assert sorted(kind.__name__ for kind in ERRORS) == sorted(k.__name__ for k in PAGES)
    assert {type(error) for error in EXPECTED_STATUS} == set(ERRORS)


@pytest.mark.parametrize("error", list(EXPECTED_STATUS), ids=lambda e: type(e).__name__)
def test_each_error_gets_its_status_and_a_next_step(error: errors.OnboardingError) -> None:
    problem = problem_for(error)
    assert problem.status == EXPECTED_STATUS[error]
    assert problem.title
    assert problem.what_to_do
    if problem.status == 503:
        assert problem.retry_after is not None
        assert problem.retry_after <= RETRY_AFTER_SECONDS


def test_what_the_error_carries_is_what_the_page_says() -> None:
    assert (
        "OfflineMaintenance"
        in problem_for(errors.TenantNotRunning("OfflineMaintenance")).what_happened
    )
    assert "Cust10042" in problem_for(errors.UnknownTenant("Cust10042")).what_happened
    assert "3 item(s)" in problem_for(errors.UninstallIncomplete(3)).what_happened
    assert (
        "the code was not accepted"
        in problem_for(errors.SignInFailed("the code was not accepted")).what_happened
    )


def test_a_narrower_error_without_a_row_gets_its_base_classs_page() -> None:
    class StillExpired(errors.SignInExpired):
        pass

    assert problem_for(StillExpired()).title == problem_for(errors.SignInExpired()).title


def test_an_error_outside_the_table_is_a_defect_not_a_page() -> None:
    with pytest.raises(LookupError):
        problem_for(errors.OnboardingError())
