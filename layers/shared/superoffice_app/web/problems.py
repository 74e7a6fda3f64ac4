"""Every way a sign-in, install, uninstall or sync switch can fail, in words people act on.

A handler raises `Problem`; the function turns it into a page (or JSON) with the status,
what happened, what to do next and the request's correlation id. Texts never include a
token, code, secret or anything else taken verbatim from a request.
"""

from __future__ import annotations

from superoffice_app.outages import RETRY_AFTER_SECONDS
from superoffice_app.web.html import link_button, page, paragraphs


class Problem(Exception):
    """A refused request as the person sees it: status, what happened, what to do next.

    A plain exception that keeps its arguments, not a frozen dataclass: every route of
    RedirectCallbackFunction imports this module at cold start, where making a dataclass
    costs about a millisecond.
    """

    def __init__(
        self,
        status: int,
        title: str,
        what_happened: str,
        what_to_do: str,
        *,
        retry_href: str | None = "/install",
        retry_label: str = "Start the installation again",
        # Sent as Retry-After; every 503 has one (RETRY_AFTER_SECONDS when not given here).
        retry_after_seconds: int | None = None,
    ) -> None:
        super().__init__(status, title)
        self.status = status
        self.title = title
        self.what_happened = what_happened
        self.what_to_do = what_to_do
        self.retry_href = retry_href
        self.retry_label = retry_label
        self.retry_after_seconds = retry_after_seconds

    @property
    def retry_after(self) -> int | None:
        """Seconds for the Retry-After header: set for every 503, else only when given."""
        if self.retry_after_seconds is not None:
            return self.retry_after_seconds
        return RETRY_AFTER_SECONDS if self.status == 503 else None

    def __str__(self) -> str:
        return f"{self.status} {self.title}"

    def render(self, correlation_id: str) -> str:
        body = (
            '<section class="problem" role="alert">'
            + paragraphs(self.what_happened)
            + "<h2>What to do next</h2>"
            + paragraphs(self.what_to_do)
            + (
                f"<p>{link_button(self.retry_href, self.retry_label)}</p>"
                if self.retry_href
                else ""
            )
            + "</section>"
        )
        return page(self.title, body, correlation_id=correlation_id)

    def as_json(self, correlation_id: str) -> dict[str, object]:
        return {
            "error": self.title,
            "message": self.what_happened,
            "next": self.what_to_do,
            "correlation_id": correlation_id,
        }


def bad_request(what: str) -> Problem:
    return Problem(
        400,
        "That request was not understood",
        what,
        "Follow the link from SuperOffice or the App Store again instead of editing the address.",
    )


def sign_in_expired() -> Problem:
    return Problem(
        400,
        "This sign-in has expired or was already used",
        "Each sign-in link works once, for ten minutes, in the browser that started it.",
        "Start again from the beginning; it only takes a moment.",
    )


def consent_denied() -> Problem:
    return Problem(
        403,
        "The app was not allowed",
        "SuperOffice reports that the request to use the app was declined.",
        "If that was a mistake, start again and choose Allow. Only an administrator of the "
        "SuperOffice tenant can approve the app.",
    )


def sign_in_failed(reason: str) -> Problem:
    return Problem(
        502,
        "SuperOffice did not complete the sign-in",
        f"The sign-in could not be completed: {reason}.",
        "Start again. If it keeps failing, contact support with the correlation id below.",
    )


def sign_in_error_reported() -> Problem:
    """SuperID's answer, as the browser brings it back, carries an error other than a refusal.

    A 4xx: the answer is whatever the browser sends (anyone can send any `error`), and the
    app did nothing wrong; what SuperID says beyond that is not shown.
    """
    return Problem(
        400,
        "SuperOffice did not complete the sign-in",
        "The sign-in could not be completed: SuperID reported an error.",
        "Start again. If it keeps failing, contact support with the correlation id below.",
    )


def not_administrator() -> Problem:
    return Problem(
        403,
        "An administrator is needed",
        "You are signed in, but installing or removing the app needs an administrator of "
        "this SuperOffice tenant.",
        "Ask an administrator of your SuperOffice tenant to install the app, or sign in as one.",
    )


def system_user_missing() -> Problem:
    return Problem(
        403,
        "The app was not given server access",
        "SuperOffice did not hand the app its system-user credential, which it needs to "
        "set itself up in your tenant.",
        "Approve the app again as an administrator; make sure server access is allowed.",
    )


def tenant_not_running(state: str) -> Problem:
    return Problem(
        503,
        "Your SuperOffice tenant is not available",
        f"SuperOffice reports the tenant's state as {state}. The app can only be installed "
        "while the tenant is running.",
        "Try again later, for example after SuperOffice maintenance has finished.",
    )


def system_user_refused(reason: str) -> Problem:
    return Problem(
        403,
        "SuperOffice refused the app's server access",
        f"SuperOffice answered: {reason}.",
        "An administrator may need to approve the app again in SuperOffice. Then start the "
        "installation again; it completes where it stopped.",
    )


def superoffice_unreachable() -> Problem:
    return Problem(
        503,
        "SuperOffice could not be reached",
        "SuperOffice did not answer in time. Nothing was lost: what was done so far is recorded.",
        "Try again in a few minutes; the installation continues where it stopped.",
    )


def install_incomplete(reason: str) -> Problem:
    return Problem(
        502,
        "The installation is not complete",
        f"The app could not finish setting itself up: {reason}. Everything it created so far "
        "is recorded, so nothing is duplicated or lost.",
        "Start the installation again; it continues where it stopped.",
    )


def install_answer_unexpected(step: str) -> Problem:
    """SuperOffice answered a provisioning call, but not in a shape the app can read.

    Not a refusal and not an outage: SuperOffice said something the app did not expect
    (its log has the operation, status and an excerpt, found by the correlation id).
    """
    return Problem(
        502,
        "SuperOffice answered something the app did not expect",
        f"While {step}, SuperOffice sent an answer the app could not read, so it stopped "
        "there. Everything it set up so far is recorded, so nothing is duplicated or lost.",
        "Start the installation again; it continues where it stopped. If this keeps "
        "happening, contact support with the correlation id below.",
    )


def unknown_tenant(ctx: str) -> Problem:
    return Problem(
        404,
        "The app is not installed for this tenant",
        f"There is no installation of the app for {ctx}.",
        "Install the app first.",
    )


def csrf_failed() -> Problem:
    return Problem(
        403,
        "This form has expired",
        "The form was not sent from this app's page in your current session.",
        "Open the app's page again and repeat the action.",
        retry_href=None,
    )


def uninstall_incomplete(left: int) -> Problem:
    return Problem(
        503,
        "The uninstall is not finished",
        f"SuperOffice did not let the app remove everything just now ({left} item(s) left). "
        "Nothing is forgotten: the app still knows what remains.",
        "Try the uninstall again in a few minutes.",
        retry_href=None,
    )


def uninstall_answer_unexpected(step: str, left: int) -> Problem:
    """Uninstall stopped short because SuperOffice answered something it could not read."""
    return Problem(
        502,
        "SuperOffice answered something the app did not expect",
        f"While {step}, SuperOffice sent an answer the app could not read, so "
        f"{left} item(s) are not removed yet. Nothing is forgotten: the app still knows "
        "what remains.",
        "Try the uninstall again later. If this keeps happening, contact support with the "
        "correlation id below.",
        retry_href=None,
    )


def sync_needs_administrator(ctx: str) -> Problem:
    return Problem(
        403,
        "An administrator is needed",
        "You are signed in, but pausing or resuming syncing needs an administrator of this "
        "SuperOffice tenant.",
        "Ask an administrator of your SuperOffice tenant to do it, or sign in as one.",
        retry_href=f"/tenants/{ctx}",
        retry_label="Back to the app's page",
    )


def bad_sync_action(ctx: str) -> Problem:
    return Problem(
        400,
        "That request was not understood",
        "The form asked neither to pause nor to resume syncing.",
        "Open the app's page again and use its button.",
        retry_href=f"/tenants/{ctx}",
        retry_label="Back to the app's page",
    )


def temporarily_unavailable(retry_after_seconds: int = RETRY_AFTER_SECONDS) -> Problem:
    """A service the app needs (DynamoDB, KMS, Secrets Manager) did not answer in time."""
    return Problem(
        503,
        "The app is briefly unavailable",
        "A service the app relies on did not answer in time. This is temporary, and not "
        "caused by anything you did.",
        "Try again in a minute. If you were signing in or installing, start again from the "
        "beginning; an installation continues where it stopped.",
        retry_href=None,
        retry_after_seconds=retry_after_seconds,
    )


def bad_tenant_in_address() -> Problem:
    return Problem(
        400,
        "That address does not name a tenant",
        "The address should hold your tenant's SuperOffice context identifier: Cust "
        "followed by digits.",
        "Open the app from SuperOffice again instead of editing the address.",
        retry_href=None,
    )


def tenant_changed_meanwhile() -> Problem:
    """The store refused a change: another request changed the tenant at the same moment."""
    return Problem(
        409,
        "The tenant changed in the meantime",
        "Something else changed the app's record of this tenant at the same moment (another "
        "click, an install, an uninstall or SuperOffice), so nothing was done twice.",
        "Open the app's page again to see where it stands, then repeat what you wanted.",
        retry_href=None,
    )
