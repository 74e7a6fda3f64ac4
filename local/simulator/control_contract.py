"""Control API for the contract check: its mode and what it refused.

```
GET    /_control/contract                     {"mode", "total", "byRule"}
PUT    /_control/contract  {"mode": "enforce"}  off | report | enforce; answers as GET
GET    /_control/contract-refusals            {"mode", "total", "byRule", "refusals": [...]}
                                               ?rule=archive-column: only that rule
DELETE /_control/contract-refusals            forget them (204)
```
"""

from __future__ import annotations

from typing import Any

from local.simulator.bodies import json_object
from local.simulator.context import SimulatorContext
from local.simulator.contract_refusals import RULES, parse_mode
from local.simulator.control import PREFIX
from local.simulator.routing import BadRequest, Request, Response, Router

CONTRACT = PREFIX + "/contract"
REFUSALS = PREFIX + "/contract-refusals"


def register(router: Router, context: SimulatorContext) -> None:
    monitor = context.state.contract

    def summary() -> dict[str, Any]:
        answer = monitor.to_json()
        del answer["refusals"]
        return answer

    def get_contract(_request: Request) -> Response:
        return Response.json(summary())

    def put_contract(request: Request) -> Response:
        body = json_object(request)
        try:
            monitor.mode = parse_mode(body.get("mode"))
        except ValueError as error:
            raise BadRequest(str(error)) from None
        return Response.json(summary())

    def get_refusals(request: Request) -> Response:
        answer = monitor.to_json()
        rule = request.query_value("rule")
        if rule is not None:
            if rule not in RULES:
                raise BadRequest(f"rule is one of {', '.join(RULES)}")
            answer["refusals"] = [item for item in answer["refusals"] if item["rule"] == rule]
        return Response.json(answer)

    def delete_refusals(_request: Request) -> Response:
        monitor.clear()
        return Response.no_content()

    router.add("GET", CONTRACT, get_contract)
    router.add("PUT", CONTRACT, put_contract)
    router.add("GET", REFUSALS, get_refusals)
    router.add("DELETE", REFUSALS, delete_refusals)
