"""Every way a sign-in, install, uninstall or sync switch can stop, as onboarding says it.

Onboarding raises these and knows nothing of HTTP: ``web/errors.py`` maps each one to a
status, a page (or JSON) and the next step for the person in front of it. What an
exception carries is safe to show (a reason, a step, a state, a count), never a token,
code or secret taken from a request.

Plain classes that keep their arguments as attributes, not frozen dataclasses: every
route of RedirectCallbackFunction imports this module at cold start (its error handler
catches ``OnboardingError``), and making ten dataclasses cost several milliseconds there.
"""

from __future__ import annotations

__all__ = [
    "ConsentDenied",
    "FormExpired",
    "InstallAnswerUnexpected",
    "InstallIncomplete",
    "MalformedRequest",
    "NotAdministrator",
    "OnboardingError",
    "ServerAccessRefused",
    "SignInErrorReported",
    "SignInExpired",
    "SignInFailed",
    "SuperOfficeUnreachable",
    "SystemUserMissing",
    "TenantNotRunning",
    "UninstallAnswerUnexpected",
    "UninstallIncomplete",
    "UnknownTenant",
]


class OnboardingError(Exception):
    """Something onboarding could not do, for a reason the person can act on."""

    def __str__(self) -> str:
        return type(self).__name__


class MalformedRequest(OnboardingError):
    """The request (a link, a form, a sign-in answer) is not one the app sends or accepts."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


class SignInExpired(OnboardingError):
    """No pending sign-in of this browser matches the answer, or SuperID redeemed it already."""


class ConsentDenied(OnboardingError):
    """SuperID says the request to use the app was declined."""


class SignInErrorReported(OnboardingError):
    """The answer the browser brings back carries an error other than a refusal."""


class SignInFailed(OnboardingError):
    """SuperID did not complete the sign-in: ``reason`` says how, in safe words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotAdministrator(OnboardingError):
    """Signed in, but the action needs an administrator of the tenant."""


class SystemUserMissing(OnboardingError):
    """The id_token carries no system-user token: server access was not granted."""


class ServerAccessRefused(OnboardingError):
    """SuperOffice refused the app's system user (a refused exchange, a revoked access)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TenantNotRunning(OnboardingError):
    """SuperOffice's state API reports the tenant in ``state``, not Running."""

    def __init__(self, state: str) -> None:
        super().__init__(state)
        self.state = state


class SuperOfficeUnreachable(OnboardingError):
    """SuperOffice did not answer in time; what was done so far is recorded."""


class InstallIncomplete(OnboardingError):
    """Provisioning stopped: ``reason``; the next install continues where it stopped."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InstallAnswerUnexpected(OnboardingError):
    """SuperOffice answered a provisioning call while ``step`` in a shape the app cannot read."""

    def __init__(self, step: str) -> None:
        super().__init__(step)
        self.step = step


class UnknownTenant(OnboardingError):
    """The app is not installed for ``ctx`` (never, or not any more)."""

    def __init__(self, ctx: str) -> None:
        super().__init__(ctx)
        self.ctx = ctx


class UninstallIncomplete(OnboardingError):
    """SuperOffice did not let the app remove everything; ``left`` items remain recorded."""

    def __init__(self, left: int) -> None:
        super().__init__(left)
        self.left = left


class UninstallAnswerUnexpected(OnboardingError):
    """Uninstall stopped while ``step``: an answer the app could not read; ``left`` remain."""

    def __init__(self, step: str, left: int) -> None:
        super().__init__(step, left)
        self.step = step
        self.left = left


class FormExpired(OnboardingError):
    """A form's CSRF token is not the one of this browser's session."""
