"""Where an onboarding error becomes a page: one table, error type -> `Problem`.

Each `Problem` (``web/problems.py``) is a status, what happened, what to do next and a
link to retry; the function renders it as HTML or JSON with the correlation id. A new
`OnboardingError` needs a row here, and a unit test fails until it has one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from superoffice_app.onboarding import errors
from superoffice_app.web import problems
from superoffice_app.web.problems import Problem

__all__ = ["PAGES", "problem_for"]

# Each row reads the exception's own fields; `Any` because a row's type is its key's.
PAGES: dict[type[errors.OnboardingError], Callable[[Any], Problem]] = {
    errors.MalformedRequest: lambda e: problems.bad_request(e.what),
    errors.SignInExpired: lambda _: problems.sign_in_expired(),
    errors.ConsentDenied: lambda _: problems.consent_denied(),
    errors.SignInErrorReported: lambda _: problems.sign_in_error_reported(),
    errors.SignInFailed: lambda e: problems.sign_in_failed(e.reason),
    errors.NotAdministrator: lambda _: problems.not_administrator(),
    errors.SystemUserMissing: lambda _: problems.system_user_missing(),
    errors.ServerAccessRefused: lambda e: problems.system_user_refused(e.reason),
    errors.TenantNotRunning: lambda e: problems.tenant_not_running(e.state),
    errors.SuperOfficeUnreachable: lambda _: problems.superoffice_unreachable(),
    errors.InstallIncomplete: lambda e: problems.install_incomplete(e.reason),
    errors.InstallAnswerUnexpected: lambda e: problems.install_answer_unexpected(e.step),
    errors.UnknownTenant: lambda e: problems.unknown_tenant(e.ctx),
    errors.UninstallIncomplete: lambda e: problems.uninstall_incomplete(e.left),
    errors.UninstallAnswerUnexpected: lambda e: problems.uninstall_answer_unexpected(
        e.step, e.left
    ),
    errors.FormExpired: lambda _: problems.csrf_failed(),
}


def problem_for(error: errors.OnboardingError) -> Problem:
    """The page for ``error``: its own row, or the nearest base class's."""
    for kind in type(error).__mro__:
        row = PAGES.get(kind)
        if row is not None:
            return row(error)
    raise LookupError(f"no page for {type(error).__name__}")  # a missing row: a defect
