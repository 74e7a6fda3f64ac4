"""SuperID sign-in for the app's own pages: start (redirect out) and callback (come back).

Three purposes share one flow: `install` (an administrator installs or re-installs the app),
`uninstall` (the App Store's uninstall link: sign in, then confirm) and `signin` (open the
management page). The pending sign-in is stored once and consumed once; the browser that
started it is bound to it by a short-lived cookie holding the state, so a callback URL
cannot be replayed in another browser (login CSRF).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from superoffice_app.config import AppConfig
from superoffice_app.onboarding.install import Installation
from superoffice_app.store import LoginPurpose, LoginStore, TenantStatus, TenantStore
from superoffice_app.superoffice.http import SuperOfficeError, SuperOfficeUnavailable
from superoffice_app.superoffice.oidc import (
    OidcError,
    TokenResponse,
    authorize_url,
    new_authorization,
)
from superoffice_app.tokens import CTX_PATTERN, IdTokenClaims, IdTokenValidator, TokenError
from superoffice_app.web import problems

LOGIN_COOKIE_NAME = "__Host-so_login"
LOGIN_COOKIE_SECONDS = 600
MAX_PARAMETER_LENGTH = 4096


@dataclass(frozen=True)
class SignInStart:
    location: str
    login_cookie: str  # the state, to be set as LOGIN_COOKIE_NAME


@dataclass(frozen=True)
class SignedIn:
    ctx: str
    claims: IdTokenClaims
    location: str
    purpose: LoginPurpose


CodeExchange = Callable[[str, str], TokenResponse]  # (code, code_verifier) -> tokens


class SignIn:
    """Starts and completes SuperID sign-ins; installs the app when that is the purpose."""

    def __init__(  # noqa: PLR0917 - each collaborator is distinct and named at the call
        self,
        config: AppConfig,
        logins: LoginStore,
        tenants: TenantStore,
        id_tokens: IdTokenValidator,
        exchange_code: CodeExchange,
        installation: Callable[[], Installation],
    ) -> None:
        self._config = config
        self._logins = logins
        self._tenants = tenants
        self._id_tokens = id_tokens
        self._exchange_code = exchange_code
        self._installation = installation

    @property
    def redirect_uri(self) -> str:
        return self._config.app_base_url + "/callback"

    def start(self, purpose: LoginPurpose, ctx_hint: str | None = None) -> SignInStart:
        if ctx_hint is not None and not CTX_PATTERN.fullmatch(ctx_hint):
            raise problems.bad_request("The tenant in the link is not a SuperOffice context id.")
        pending = new_authorization()
        state = self._logins.create(
            purpose=purpose,
            nonce=pending.nonce,
            code_verifier=pending.code_verifier,
            ctx_hint=ctx_hint,
        )
        location = authorize_url(
            self._config.environment,
            client_id=self._config.client_id,
            redirect_uri=self.redirect_uri,
            state=state,
            nonce=pending.nonce,
            code_challenge=pending.code_challenge,
            ctx=ctx_hint,
            response_mode="form_post",
        )
        return SignInStart(location=location, login_cookie=state)

    def complete(self, params: Mapping[str, str], login_cookie: str | None) -> SignedIn:
        """Handle SuperID's answer (query or form_post parameters)."""
        for name, value in params.items():
            if len(name) > 64 or len(value) > MAX_PARAMETER_LENGTH:
                raise problems.bad_request("A parameter of the sign-in answer is too long.")
        state = params.get("state", "")
        if not state:
            raise problems.bad_request("The sign-in answer has no state.")
        login = self._logins.consume(state)
        if login is None:
            raise problems.sign_in_expired()
        # Consumed first, compared second: a wrong browser burns the state, so a stolen
        # callback URL is useless afterwards as well.
        if login_cookie is None or not hmac.compare_digest(login_cookie, state):
            raise problems.sign_in_expired()
        if params.get("error"):
            if params["error"] == "access_denied":
                raise problems.consent_denied()
            raise problems.sign_in_failed("SuperID reported an error")
        code = params.get("code", "")
        if not code:
            raise problems.bad_request("The sign-in answer has no code.")
        try:
            tokens = self._exchange_code(code, login.code_verifier.reveal())
            if tokens.id_token is None:
                raise problems.sign_in_failed("SuperID returned no id_token")
            claims = self._id_tokens.validate(tokens.id_token, nonce=login.nonce)
        except OidcError as error:
            raise problems.sign_in_failed(f"the code was not accepted ({error.error})") from error
        except TokenError as error:
            raise problems.sign_in_failed("SuperID's id_token did not validate") from error
        except SuperOfficeUnavailable as error:
            raise problems.superoffice_unreachable() from error
        except SuperOfficeError as error:
            raise problems.sign_in_failed("SuperID answered unexpectedly") from error

        ctx = claims.ctx
        if login.purpose is LoginPurpose.INSTALL:
            if not claims.is_administrator:
                raise problems.not_administrator()
            self._installation().install(claims, refresh_token=tokens.refresh_token)
            return SignedIn(ctx, claims, f"/tenants/{ctx}", login.purpose)

        profile = self._tenants.get(ctx)
        if profile is None or profile.status in (TenantStatus.UNINSTALLED, TenantStatus.DELETED):
            raise problems.unknown_tenant(ctx)
        if login.purpose is LoginPurpose.UNINSTALL:
            if not claims.is_administrator:
                raise problems.not_administrator()
            return SignedIn(ctx, claims, f"/tenants/{ctx}/uninstall", login.purpose)
        return SignedIn(ctx, claims, f"/tenants/{ctx}", login.purpose)
