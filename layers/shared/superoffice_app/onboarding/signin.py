"""SuperID sign-in for the app's own pages: start (redirect out) and callback (come back).

Three purposes share one flow: `install` (an administrator installs or re-installs the app),
`uninstall` (the App Store's uninstall link: sign in, then confirm) and `signin` (open the
management page). The pending sign-in (state, nonce, PKCE verifier, purpose, tenant hint)
travels sealed in a short-lived cookie of the browser that started it
(``login_cookie``), so starting a sign-in stores nothing, and a callback URL cannot be
completed in another browser (login CSRF). SuperID redeems each code once, so an answer
cannot be used twice either.

RedirectCallbackFunction imports this module at cold start (the cookie's name,
``LoginPurpose``): SuperID's client and the token errors are imported by ``start`` and
``complete``, so only the sign-in routes load them, and the install (with the
provisioning engine) is only a type here, built by the wiring when a callback installs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple, TypeAlias

from superoffice_app.context_ids import is_ctx
from superoffice_app.onboarding import errors
from superoffice_app.onboarding.login_cookie import (
    LOGIN_COOKIE_NAME,
    LOGIN_LIFETIME_SECONDS,
    LoginPurpose,
    PendingSignIn,
    open_login,
    seal_login,
    states_match,
)
from superoffice_app.store import TenantStatus
from superoffice_app.tokens import Secret

if TYPE_CHECKING:
    from superoffice_app.config import AppConfig
    from superoffice_app.onboarding.install import Installation
    from superoffice_app.store import TenantStore
    from superoffice_app.superoffice.oidc import TokenResponse
    from superoffice_app.tokens import IdTokenClaims, IdTokenValidator

__all__ = [
    "LOGIN_COOKIE_NAME",
    "LOGIN_COOKIE_SECONDS",
    "CodeExchange",
    "LoginKeys",
    "LoginPurpose",
    "SignIn",
    "SignInStart",
    "SignedIn",
]

LOGIN_COOKIE_SECONDS = LOGIN_LIFETIME_SECONDS
MAX_PARAMETER_LENGTH = 4096


# NamedTuples, not frozen dataclasses: this module is imported at cold start, where
# making a dataclass costs about a millisecond.
class SignInStart(NamedTuple):
    location: str
    login_cookie: str  # the sealed sign-in, to set as LOGIN_COOKIE_NAME

    def __repr__(self) -> str:
        return f"SignInStart(location={self.location!r}, login_cookie=...)"


class SignedIn(NamedTuple):
    ctx: str
    claims: IdTokenClaims
    location: str
    purpose: LoginPurpose


CodeExchange: TypeAlias = "Callable[[str, str], TokenResponse]"  # (code, code_verifier) -> tokens
# The keys that seal sign-in cookies, the sealing one first (login_cookie.KEY_INFO).
LoginKeys = Callable[[], Sequence[bytes]]


class SignIn:
    """Starts and completes SuperID sign-ins; installs the app when that is the purpose."""

    def __init__(  # noqa: PLR0917 - each collaborator is distinct and named at the call
        self,
        config: AppConfig,
        login_keys: LoginKeys,
        tenants: TenantStore,
        id_tokens: IdTokenValidator,
        exchange_code: CodeExchange,
        installation: Callable[[], Installation],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._config = config
        self._login_keys = login_keys
        self._tenants = tenants
        self._id_tokens = id_tokens
        self._exchange_code = exchange_code
        self._installation = installation
        self._clock = clock

    @property
    def redirect_uri(self) -> str:
        return self._config.app_base_url + "/callback"

    def start(self, purpose: LoginPurpose, ctx_hint: str | None = None) -> SignInStart:
        from superoffice_app.superoffice.oidc import (  # noqa: PLC0415
            authorize_url,
            new_authorization,
        )

        if ctx_hint is not None and not is_ctx(ctx_hint):
            raise errors.MalformedRequest("The tenant in the link is not a SuperOffice context id.")
        authorization = new_authorization()
        pending = PendingSignIn(
            purpose=LoginPurpose(purpose),
            state=authorization.state,
            nonce=authorization.nonce,
            code_verifier=Secret(authorization.code_verifier),
            ctx_hint=ctx_hint,
            expires_at=int(self._clock()) + LOGIN_LIFETIME_SECONDS,
        )
        location = authorize_url(
            self._config.environment,
            client_id=self._config.client_id,
            redirect_uri=self.redirect_uri,
            state=authorization.state,
            nonce=authorization.nonce,
            code_challenge=authorization.code_challenge,
            ctx=ctx_hint,
            response_mode="form_post",
        )
        return SignInStart(location, seal_login(pending, self._login_keys()[0]))

    def complete(self, params: Mapping[str, str], login_cookie: str | None) -> SignedIn:
        """Handle SuperID's answer (query or form_post parameters)."""
        from superoffice_app.superoffice.http import (  # noqa: PLC0415
            SuperOfficeError,
            SuperOfficeUnavailable,
        )
        from superoffice_app.superoffice.oidc import OidcError  # noqa: PLC0415
        from superoffice_app.tokens import TokenError  # noqa: PLC0415

        for name, value in params.items():
            if len(name) > 64 or len(value) > MAX_PARAMETER_LENGTH:
                raise errors.MalformedRequest("A parameter of the sign-in answer is too long.")
        state = params.get("state", "")
        if not state:
            raise errors.MalformedRequest("The sign-in answer has no state.")
        # No cookie, another browser's, a forged or expired one: the same clear answer.
        login = (
            None
            if login_cookie is None
            else open_login(login_cookie, self._login_keys(), self._clock())
        )
        if login is None or not states_match(login, state):
            raise errors.SignInExpired()
        if params.get("error"):
            if params["error"] == "access_denied":
                raise errors.ConsentDenied()
            raise errors.SignInErrorReported()
        code = params.get("code", "")
        if not code:
            raise errors.MalformedRequest("The sign-in answer has no code.")
        try:
            tokens = self._exchange_code(code, login.code_verifier.reveal())
            if tokens.id_token is None:
                raise errors.SignInFailed("SuperID returned no id_token")
            claims = self._id_tokens.validate(tokens.id_token, nonce=login.nonce)
        except OidcError as error:
            if error.error == "invalid_grant":
                # SuperID redeems a code once and for ten minutes: this answer was used
                # already (a replayed form), or has expired.
                raise errors.SignInExpired() from error
            raise errors.SignInFailed(f"the code was not accepted ({error.error})") from error
        except TokenError as error:
            raise errors.SignInFailed("SuperID's id_token did not validate") from error
        except SuperOfficeUnavailable as error:
            raise errors.SuperOfficeUnreachable() from error
        except SuperOfficeError as error:
            raise errors.SignInFailed("SuperID answered unexpectedly") from error

        ctx = claims.ctx
        if login.purpose is LoginPurpose.INSTALL:
            if not claims.is_administrator:
                raise errors.NotAdministrator()
            self._installation().install(claims, refresh_token=tokens.refresh_token)
            return SignedIn(ctx, claims, f"/tenants/{ctx}", login.purpose)

        profile = self._tenants.get(ctx)
        if profile is None or profile.status in (TenantStatus.UNINSTALLED, TenantStatus.DELETED):
            raise errors.UnknownTenant(ctx)
        if login.purpose is LoginPurpose.UNINSTALL:
            if not claims.is_administrator:
                raise errors.NotAdministrator()
            return SignedIn(ctx, claims, f"/tenants/{ctx}/uninstall", login.purpose)
        return SignedIn(ctx, claims, f"/tenants/{ctx}", login.purpose)
