"""RedirectCallbackFunction behind its authorizer, over real HTTP, for the onboarding tests.

`HttpApi` serves the function's routes and the two Lambda authorizers of template.yaml
on a free port of 127.0.0.1 through the local stack's own gateway and HTTP server (the
ones `make up` runs), and hands each invocation to a handler module loaded in this
process: `functions["RedirectCallbackFunction"]` and `functions["TokenValidationFunction"]`.
A test swaps a module for one loaded with other settings (an AWS endpoint that does not
answer) and keeps the other warm, which the local stack, one process per invocation,
cannot do. The authorizer downloads the session JWKS from this same server, as deployed.

API Gateway's authorizer cache is off here, so every request is judged afresh.
"""

from __future__ import annotations

import dataclasses
import threading
import time
import uuid
from types import ModuleType
from typing import Any

from local.lambda_runtime import InvocationResult
from local.naming import LocalNames
from local.runner.authorizers import authorizers_from_template
from local.runner.gateway import GatewayAddress, HttpApiGateway
from local.runner.http_server import AppHTTPServer, ServingThread
from local.runner.routes import routes_from_functions
from local.tables import load_local_template
from superoffice_app.cookies import SESSION_COOKIE_NAME
from superoffice_app.store import (
    DynamoTable,
    Installer,
    ProvisionedItem,
    SecretBox,
    TenantStatus,
    TenantStore,
)
from superoffice_app.tokens import SessionKeyRing
from tests.conftest import LambdaContext

REDIRECT = "RedirectCallbackFunction"
AUTHORIZER = "TokenValidationFunction"
HOST = "127.0.0.1"


class HttpApi:
    def __init__(self) -> None:
        self.log: list[str] = []
        self.functions: dict[str, ModuleType] = {}
        self.invocations: list[tuple[str, str, float]] = []  # function, path, seconds
        self._lock = threading.Lock()
        template = load_local_template()
        functions = template.functions()
        authorizers, default = authorizers_from_template(template, functions)
        routes = routes_from_functions({REDIRECT: functions[REDIRECT]}, default_authorizer=default)
        self._server = AppHTTPServer((HOST, 0), log=self.log.append)
        names = LocalNames.from_environment()
        address = GatewayAddress(HOST, self._server.port, names.api_id("HttpApi"), names)
        self._gateway = HttpApiGateway(
            routes=routes,
            authorizers={
                name: dataclasses.replace(spec, cache_seconds=0)
                for name, spec in authorizers.items()
            },
            invoke=self._invoke,
            address=lambda: address,
            log=self.log.append,
        )
        self._server.handle_request_function = self._gateway.handle
        self._serving = ServingThread(self._server)

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self._server.port}"

    @property
    def port(self) -> int:
        return self._server.port

    def stop(self) -> None:
        self._serving.stop()

    def _invoke(self, function_id: str, event: Any) -> InvocationResult:
        request_id = str(uuid.uuid4())
        with self._lock:
            function = self.functions.get(function_id)
        if function is None:
            return InvocationResult(request_id, None, "NoFunction", 0.0, 0.0)
        started = time.perf_counter()
        try:
            payload = function.lambda_handler(event, LambdaContext(aws_request_id=request_id))
        except Exception as error:  # Lambda reports it as a failed invocation: the gateway's 500
            self.log.append(f"{function_id} raised {type(error).__name__}")
            return InvocationResult(request_id, None, type(error).__name__, 0.0, 0.0)
        elapsed = time.perf_counter() - started
        with self._lock:
            self.invocations.append((function_id, str(event.get("rawPath")), elapsed))
        return InvocationResult(request_id, payload, None, 0.0, elapsed * 1000)


def seed_active_tenant(table: DynamoTable, kms_key_id: str, ctx: str = "Cust10001") -> TenantStore:
    """An installed tenant, written directly: sealed system token and ticket, one item."""
    import boto3

    store = TenantStore(table, SecretBox(boto3.client("kms"), kms_key_id))
    store.begin_install(
        ctx,
        environment="local",
        api_base=f"https://local.example/{ctx}/api",
        installed_by=Installer(associate_id=5, name="Ada Admin"),
        secrets={"system_token": "system-token-value", "ticket": "ticket-value"},
        serial="1234567890",
        company_name="Example AS",
    )
    store.transition(ctx, TenantStatus.ACTIVE, allowed_from={TenantStatus.INSTALLING})
    store.record_provisioned(
        ctx, ProvisionedItem("list", "MyPartnerApp:Scores", superoffice_id=12, name="Scores")
    )
    return store


def session_cookie(
    ring: SessionKeyRing, issuer: str, ctx: str = "Cust10001", *, associate_id: int = 5
) -> tuple[str, str]:
    """(token, Cookie header) of an administrator's session, as the callback sets it."""
    token = ring.issue(issuer=issuer, ctx=ctx, associate_id=associate_id, admin=True)
    return token, f"{SESSION_COOKIE_NAME}={token}"
