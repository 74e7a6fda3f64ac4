"""Archive queries (protocol 7): `{Api}/v1/Archive/dynamic` and `{Api}/v1/{Entity}`.

Both run `queries` over the tenant's records; `Archive/dynamic` takes its entity from the
`$select` columns' prefix, `v1/Contact` (Person, Sale, Project) from the path, where
columns may leave the prefix out. The answer has no `odata.nextLink` (documented as a
string when there is a next page; the simulator never makes one): paging is the caller's
business (`$top`/`$skip`, or better a keyset `$filter`).
"""

from __future__ import annotations

from typing import Any, Final

from local.simulator.queries import parse_query, run_query
from local.simulator.records import ENTITIES
from local.simulator.rest import RestCall, RestHandler
from local.simulator.routing import PathRouter, Response

PARAMETERS: Final = ("$select", "$filter", "$orderby", "$top", "$skip")
DYNAMIC: Final = "/v1/Archive/dynamic"


def register(api: PathRouter[RestHandler]) -> None:
    api.add("GET", DYNAMIC, dynamic_archive)
    for entity in ENTITIES:
        api.add("GET", f"/v1/{entity.capitalize()}", _entity_archive(entity))


def dynamic_archive(call: RestCall) -> Response:
    return _answer(call, None)


def _entity_archive(entity: str) -> RestHandler:
    def entity_archive(call: RestCall) -> Response:
        return _answer(call, entity)

    return entity_archive


def _answer(call: RestCall, entity: str | None) -> Response:
    parameters = {name: call.request.query_value(name) for name in PARAMETERS}
    query = parse_query(parameters, entity)
    rows = run_query(query, call.tenant.records.of(query.entity))
    path = call.request.path
    api = path[: path.lower().find("/api/") + len("/api")]
    answer: dict[str, Any] = {
        "odata.metadata": f"{api}/v1/$metadata#{entity.capitalize() if entity else 'Archive'}",
        "value": rows,
    }
    return Response.json(answer)
