"""Every way a sign-in, install, uninstall or sync switch can stop, as onboarding says it.

Onboarding raises these and knows nothing of HTTP: ``web/errors.py`` maps each one to a
status, a page (or JSON) and the next step for the person in front of it. What an
exception carries is safe to show (a reason, a step, a state, a count), never a token,
code or secret taken from a request.
"""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True, eq=False)
class MalformedRequest(OnboardingError):
    """The request (a link, a form, a sign-in answer) is not one the app sends or accepts."""

    what: str


class SignInExpired(OnboardingError):
    """No pending sign-in of this browser matches the answer, or SuperID redeemed it already."""


class ConsentDenied(OnboardingError):
    """SuperID says the request to use the app was declined."""


class SignInErrorReported(OnboardingError):
    """The answer the browser brings back carries an error other than a refusal."""


@dataclass(frozen=True, eq=False)
class SignInFailed(OnboardingError):
    """SuperID did not complete the sign-in: ``reason`` says how, in safe words."""

    reason: str


class NotAdministrator(OnboardingError):
    """Signed in, but the action needs an administrator of the tenant."""


class SystemUserMissing(OnboardingError):
    """The id_token carries no system-user token: server access was not granted."""


@dataclass(frozen=True, eq=False)
class ServerAccessRefused(OnboardingError):
    """SuperOffice refused the app's system user (a refused exchange, a revoked access)."""

    reason: str


@dataclass(frozen=True, eq=False)
class TenantNotRunning(OnboardingError):
    """SuperOffice's state API reports the tenant in ``state``, not Running."""

    state: str


class SuperOfficeUnreachable(OnboardingError):
    """SuperOffice did not answer in time; what was done so far is recorded."""


@dataclass(frozen=True, eq=False)
class InstallIncomplete(OnboardingError):
    """Provisioning stopped: ``reason``; the next install continues where it stopped."""

    reason: str


@dataclass(frozen=True, eq=False)
class InstallAnswerUnexpected(OnboardingError):
    """SuperOffice answered a provisioning call while ``step`` in a shape the app cannot read."""

    step: str


@dataclass(frozen=True, eq=False)
class UnknownTenant(OnboardingError):
    """The app is not installed for ``ctx`` (never, or not any more)."""

    ctx: str


@dataclass(frozen=True, eq=False)
class UninstallIncomplete(OnboardingError):
    """SuperOffice did not let the app remove everything; ``left`` items remain recorded."""

    left: int


@dataclass(frozen=True, eq=False)
class UninstallAnswerUnexpected(OnboardingError):
    """Uninstall stopped while ``step``: an answer the app could not read; ``left`` remain."""

    step: str
    left: int


class FormExpired(OnboardingError):
    """A form's CSRF token is not the one of this browser's session."""
