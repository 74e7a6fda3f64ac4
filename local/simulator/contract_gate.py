"""The tenant API's contract step: check the request, serve it (or not), check the answer.

In `report` mode the request is served whatever the check found; in `enforce` mode the
first finding is answered as SuperOffice would (404, 405 with `Allow`, 400), and an
answer of the simulator's that does not fit the contract becomes a 500. Every finding is
recorded on the monitor either way. A failure of the check itself is logged and, outside
`enforce` mode, ignored: the check must never break what it only watches.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING

from local.simulator.contract_refusals import ContractMonitor, Refusal
from local.simulator.routing import Request, Response
from local.simulator.so_errors import so_error
from local.simulator.tenants import Tenant

if TYPE_CHECKING:
    from local.simulator.contract_check import CheckedRequest, ContractChecker, Finding


def serve_checked(
    monitor: ContractMonitor,
    request: Request,
    tenant: Tenant,
    api_path: str,
    serve: Callable[[], Response],
) -> Response:
    """`serve()`'s answer to `request` (`api_path`: `/api/...`), held to the contract."""
    if not monitor.checking:
        return serve()
    try:
        checker = _checker()
        checked = checker.check_request(
            "GET" if request.method == "HEAD" else request.method,
            api_path,
            request.query,
            request.body,
            request.header("Content-Type") or "",
        )
    except Exception:
        return _check_failed(monitor, request, serve)
    for finding in checked.findings:
        monitor.record(
            _refusal(
                finding,
                request=request,
                tenant=tenant,
                api_path=api_path,
                checked=checked,
                mode=monitor.mode,
            )
        )
    if checked.findings and monitor.enforcing:
        finding = checked.findings[0]
        refused = so_error(finding.status, finding.message, source=request.path)
        if finding.allowed:
            refused = refused.with_headers({"Allow": ", ".join(finding.allowed)})
        return refused
    response = serve()
    if response.drop_connection:
        return response
    try:
        wrong = checker.check_response(
            checked, response.status, response.body, response.headers.get("Content-Type", "")
        )
    except Exception:
        return _check_failed(monitor, request, lambda: response)
    if wrong is None:
        return response
    monitor.record(
        _refusal(
            wrong,
            request=request,
            tenant=tenant,
            api_path=api_path,
            checked=checked,
            mode=monitor.mode,
        )
    )
    if monitor.enforcing:
        return so_error(wrong.status, wrong.message, source=request.path)
    return response


def _checker() -> ContractChecker:
    # Imported on first use: openapi-core takes most of a second to import, and most
    # users of `local` (token, invoke, ...) never check a request.
    from local.simulator.contract_check import default_checker

    return default_checker()


def _check_failed(
    monitor: ContractMonitor, request: Request, serve: Callable[[], Response]
) -> Response:
    monitor.log(
        f"contract check of {request.method} {request.path} failed:\n{traceback.format_exc()}"
    )
    if monitor.enforcing:
        return so_error(
            500, "the simulator's contract check failed; see its log", source=request.path
        )
    return serve()


def _refusal(
    finding: Finding,
    *,
    request: Request,
    tenant: Tenant,
    api_path: str,
    checked: CheckedRequest,
    mode: str,
) -> Refusal:
    query = "&".join(
        f"{name}={value}" for name, values in request.query.items() for value in values
    )
    return Refusal(
        rule=finding.rule,
        status=finding.status,
        message=finding.message,
        method=request.method,
        path=api_path,
        operation_id=checked.operation.operation_id if checked.operation else None,
        ctx=tenant.ctx,
        query=query,
        mode=mode,
    )
