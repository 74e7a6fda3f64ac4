"""The control API's fault side: REST faults, system-user errors, publish delay, counters.

See `control` for the conventions; every endpoint is listed in `local/simulator/README.md`.
"""

from __future__ import annotations

from typing import Final

from local.simulator.bodies import json_object
from local.simulator.context import SimulatorContext
from local.simulator.faults import MAX_DELAY_SECONDS, Fault
from local.simulator.routing import BadRequest, Request, Response, Router
from local.simulator.system_user_auth import ERROR_NAMES
from local.simulator.tenants import Tenant

PREFIX: Final = "/_control"
TENANT: Final = PREFIX + "/tenants/{ctx}"


def register(router: Router, context: SimulatorContext) -> None:
    state = context.state

    def tenant_of(request: Request) -> Tenant:
        return state.tenant(request.path_parameters["ctx"])

    def faults_answer(tenant: Tenant) -> Response:
        return Response.json({"ctx": tenant.ctx, "faults": tenant.faults.pending(state.now())})

    def list_faults(request: Request) -> Response:
        with state.lock:
            return faults_answer(tenant_of(request))

    def add_fault(request: Request) -> Response:
        fault = Fault.from_json(json_object(request))
        with state.lock:
            tenant = tenant_of(request)
            tenant.faults.add(fault, state.now())
            return faults_answer(tenant)

    def clear_faults(request: Request) -> Response:
        with state.lock:
            tenant = tenant_of(request)
            tenant.faults.clear()
            return faults_answer(tenant)

    def errors_answer(tenant: Tenant) -> Response:
        return Response.json({"ctx": tenant.ctx, "pending": list(tenant.system_user_errors)})

    def add_system_user_errors(request: Request) -> Response:
        body = json_object(request)
        code, count = body.get("code"), body.get("count", 1)
        if not isinstance(code, int) or isinstance(code, bool) or code not in ERROR_NAMES:
            raise BadRequest(f"code must be one of {sorted(ERROR_NAMES)}")
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise BadRequest("count must be a whole number of at least 1")
        with state.lock:
            tenant = tenant_of(request)
            tenant.system_user_errors.extend([code] * count)
            return errors_answer(tenant)

    def clear_system_user_errors(request: Request) -> Response:
        with state.lock:
            tenant = tenant_of(request)
            tenant.system_user_errors.clear()
            return errors_answer(tenant)

    def set_publish_delay(request: Request) -> Response:
        seconds = json_object(request).get("seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise BadRequest("seconds must be a number")
        if not 0 <= seconds <= MAX_DELAY_SECONDS:
            raise BadRequest(f"seconds must be between 0 and {MAX_DELAY_SECONDS:g}")
        with state.lock:
            tenant = tenant_of(request)
            tenant.publish_busy_seconds = float(seconds)
            return Response.json({"ctx": tenant.ctx, "publishBusySeconds": float(seconds)})

    def all_counters(_request: Request) -> Response:
        return Response.json(state.counters.all())

    def reset_all_counters(_request: Request) -> Response:
        state.counters.reset()
        return Response.json(state.counters.all())

    def tenant_counters(request: Request) -> Response:
        tenant = tenant_of(request)
        return Response.json({"ctx": tenant.ctx, **state.counters.snapshot(tenant.ctx)})

    def reset_tenant_counters(request: Request) -> Response:
        tenant = tenant_of(request)
        state.counters.reset(tenant.ctx)
        return Response.json({"ctx": tenant.ctx, **state.counters.snapshot(tenant.ctx)})

    router.add("GET", TENANT + "/faults", list_faults)
    router.add("POST", TENANT + "/faults", add_fault)
    router.add("DELETE", TENANT + "/faults", clear_faults)
    router.add("POST", TENANT + "/system-user-errors", add_system_user_errors)
    router.add("DELETE", TENANT + "/system-user-errors", clear_system_user_errors)
    router.add("PUT", TENANT + "/publish-delay", set_publish_delay)
    router.add("GET", PREFIX + "/counters", all_counters)
    router.add("DELETE", PREFIX + "/counters", reset_all_counters)
    router.add("GET", TENANT + "/counters", tenant_counters)
    router.add("DELETE", TENANT + "/counters", reset_tenant_counters)
