"""The app's routes that SuperOffice calls, served over real HTTP for the onboarding tests.

SuperOffice (the simulator) calls the app back: the webhook registration test event and
record deliveries on `POST /webhooks/crm/{ctx}`, notifications on
`POST /notifications/tenant-state`. `AppGateway` serves NotificationWebhookFunction's
routes, read from template.yaml, on a free port of 127.0.0.1 through the local stack's own
`HttpApiGateway` (the events `make up` builds), and hands them to the function's handler
module loaded in this process. It keeps every request (headers, raw body, status) for
the tests, and can be told to fail deliveries as a broken app would.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from local.lambda_runtime import InvocationResult
from local.naming import LocalNames
from local.runner.gateway import GatewayAddress, HttpApiGateway
from local.runner.http_exchange import HttpRequest, HttpResponse
from local.runner.http_server import AppHTTPServer, ServingThread
from local.runner.routes import routes_from_functions
from local.tables import load_local_template
from tests.conftest import LambdaContext

FUNCTION_ID = "NotificationWebhookFunction"
HOST = "127.0.0.1"
WEBHOOK_PREFIX = "/webhooks/crm/"


@dataclass(frozen=True)
class Received:
    """One request SuperOffice made to the app, and the status it got."""

    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes
    status: int

    @property
    def is_test_event(self) -> bool:
        return self.headers.get("x-hook-test", "").lower() == "true"

    @property
    def event(self) -> str | None:
        return self.headers.get("x-superoffice-event")

    @property
    def signature(self) -> str | None:
        return self.headers.get("x-superoffice-signature")


class AppGateway:
    def __init__(self) -> None:
        self.log: list[str] = []
        self.received: list[Received] = []
        # When set, webhook deliveries (not notifications) get this status, unhandled.
        self.fail_webhooks_with: int | None = None
        self._function: ModuleType | None = None
        self._lock = threading.Lock()  # the list of requests, the function
        self._invoking = threading.Lock()
        template = load_local_template()
        routes = routes_from_functions({FUNCTION_ID: template.function(FUNCTION_ID)})
        self._server = AppHTTPServer((HOST, 0), log=self.log.append)
        names = LocalNames.from_environment()
        address = GatewayAddress(HOST, self._server.port, names.api_id("HttpApi"), names)
        self._gateway = HttpApiGateway(
            routes=routes,
            authorizers={},
            invoke=self._invoke,
            address=lambda: address,
            log=self.log.append,
        )
        self._server.handle_request_function = self._handle
        self._serving = ServingThread(self._server)

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self._server.port}"

    def serve(self, function: ModuleType | None) -> None:
        """Hand requests to this handler module from now on (None: answer 500)."""
        with self._lock:
            self._function = function
            self.fail_webhooks_with = None
            self.received.clear()

    def stop(self) -> None:
        self._serving.stop()

    def webhook_requests(self, ctx: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.path == WEBHOOK_PREFIX + ctx]

    def wait_for(
        self, ctx: str, found: Callable[[Received], bool], *, timeout: float = 15
    ) -> Received:
        """The first webhook request of ``ctx`` that ``found`` accepts, waiting for it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for request in self.webhook_requests(ctx):
                if found(request):
                    return request
            time.sleep(0.05)
        raise AssertionError(f"no such webhook request for {ctx}: {self.webhook_requests(ctx)}")

    def _handle(self, request: HttpRequest) -> HttpResponse:
        failing = self.fail_webhooks_with
        if failing is not None and request.raw_path.startswith(WEBHOOK_PREFIX):
            response = HttpResponse.message(failing, "failing on purpose")
        else:
            response = self._gateway.handle(request)
        with self._lock:
            self.received.append(
                Received(
                    request.method,
                    request.raw_path,
                    {name.lower(): value for name, value in request.headers},
                    request.body,
                    response.status,
                )
            )
        return response

    def _invoke(self, function_id: str, event: Any) -> InvocationResult:
        request_id = str(uuid.uuid4())
        started = time.perf_counter()
        with self._lock:
            function = self._function
        # One invocation at a time, as one Lambda instance runs them.
        with self._invoking:
            if function is None:
                return InvocationResult(request_id, None, "NoFunction", 0.0, 0.0)
            try:
                payload = function.lambda_handler(event, LambdaContext(aws_request_id=request_id))
            except Exception as error:
                self.log.append(f"{function_id} raised {type(error).__name__}")
                return InvocationResult(request_id, None, type(error).__name__, 0.0, 0.0)
        elapsed = (time.perf_counter() - started) * 1000
        return InvocationResult(request_id, payload, None, 0.0, elapsed)
