"""The contract the simulator holds SuperOffice-facing requests to, read from `contract/`.

`load_contract()` reads the derived files (see `contract_derive` and `contract/README.md`)
once: the REST and Agents operations as one OpenAPI document, the database tables, the
OData operators per field type and the webhook events. `Contract.find` says which
documented operation a request is, as SuperOffice's router would: paths compare without
regard to case (IIS), literal segments win over parameters, and of two parameterised
paths the one whose integer parameters are integers.

The checker reads the documents strictly, in three ways that are the project's, not
SuperOffice's: an object schema that lists its properties and says nothing about others
is closed (`additionalProperties: false`: SuperOffice ignores unknown properties
silently, which is how a misspelt one survives); a schema that is only `{"type":
"object"}` is how SuperOffice's generator writes .NET's `object` (any value, e.g. an
archive row's cells), so it is read as "any JSON value"; and header parameters (all
optional strings: languages, culture, time zone, `SO-AppToken`) are left out, the gate
checks credentials itself.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import unquote

from local.simulator.contract_derive import CONTRACT_DIR, field_type_key

_PARAMETER: Final = re.compile(r"\{([^}/]+)\}")
_ANY_OBJECT: Final = {"type": "object"}


@dataclass(frozen=True)
class Operation:
    operation_id: str
    # Upper case, as requests carry it.
    method: str
    # As documented, e.g. "/api/v1/List/{id}".
    template: str
    # "rest" or "agents".
    api: str
    pattern: re.Pattern[str] = field(repr=False, compare=False)
    # Documented query parameter names by their lower-case form (ASP.NET binds query
    # parameters without regard to case).
    query_names: Mapping[str, str] = field(repr=False, compare=False)
    # Path parameters documented as integers.
    integer_path_parameters: frozenset[str] = field(repr=False, compare=False)
    # Path and query parameters with documented values: name -> lower-case value ->
    # the value as documented (ASP.NET binds enum parameters without regard to case).
    enum_parameters: Mapping[str, Mapping[str, str]] = field(
        repr=False, compare=False, default_factory=dict
    )

    @property
    def literal_segments(self) -> int:
        return sum(1 for part in self.template.split("/") if part and "{" not in part)

    def path_parameters(self, path: str) -> dict[str, str] | None:
        """The decoded path parameters when `path` is this operation's path, else None."""
        found = self.pattern.fullmatch(path)
        if found is None:
            return None
        return {name: unquote(value) for name, value in found.groupdict().items()}


class UndocumentedPath(LookupError):
    """No documented operation has this path: SuperOffice answers 404."""


class UndocumentedMethod(LookupError):
    """The path is documented, but not for this method: SuperOffice answers 405."""

    def __init__(self, allowed: list[str]) -> None:
        super().__init__(", ".join(allowed))
        self.allowed = allowed


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    # The OData operators documented for this field's type, by their lower-case form.
    operators: Mapping[str, str]


@dataclass(frozen=True)
class Contract:
    operations: tuple[Operation, ...]
    # The merged REST and Agents OpenAPI document, as the validator reads it.
    document: Mapping[str, Any] = field(repr=False)
    # table -> lower-case field name -> field.
    tables: Mapping[str, Mapping[str, Field]] = field(repr=False)
    # Every documented webhook event.
    webhook_events: frozenset[str] = field(repr=False)

    def find(self, method: str, path: str) -> tuple[Operation, dict[str, str]]:
        """The operation `METHOD path` (`/api/v1/...`, still URL-encoded) is, and its path
        parameters; UndocumentedPath or UndocumentedMethod otherwise."""
        matches: list[tuple[Operation, dict[str, str]]] = []
        for operation in self.operations:
            parameters = operation.path_parameters(path)
            if parameters is not None:
                matches.append((operation, parameters))
        if not matches:
            raise UndocumentedPath(path)
        candidates = [match for match in matches if match[0].method == method.upper()]
        if not candidates:
            raise UndocumentedMethod(sorted({match[0].method for match in matches}))
        candidates.sort(key=lambda match: _preference(*match))
        return candidates[0]

    def table(self, name: str) -> Mapping[str, Field] | None:
        return self.tables.get(name.lower())


def _preference(operation: Operation, parameters: Mapping[str, str]) -> tuple[int, int]:
    """Sort key: more literal segments first, then integer parameters that are integers."""
    non_integers = sum(
        1
        for name in operation.integer_path_parameters
        if not re.fullmatch(r"-?[0-9]+", parameters.get(name, ""))
    )
    return (-operation.literal_segments, non_integers)


@functools.cache
def load_contract(directory: Path = CONTRACT_DIR) -> Contract:
    """The contract in `directory` (read once per directory and process)."""
    documents = {
        api: json.loads((directory / f"{api}.json").read_text(encoding="utf-8"))
        for api in ("rest", "agents")
    }
    document = _merged(documents)
    operations = tuple(
        _operation(api, template, method, item)
        for api, source in documents.items()
        for template, methods in source["paths"].items()
        for method, item in methods.items()
    )
    tables = json.loads((directory / "tables.json").read_text(encoding="utf-8"))
    operators = json.loads((directory / "odata-operators.json").read_text(encoding="utf-8"))
    events = json.loads((directory / "webhook-events.json").read_text(encoding="utf-8"))
    return Contract(
        operations=operations,
        document=document,
        tables={
            name.lower(): _fields(table["fields"], operators)
            for name, table in tables["tables"].items()
        },
        webhook_events=frozenset(event for names in events["events"].values() for event in names),
    )


def _merged(documents: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    components: dict[str, dict[str, Any]] = {}
    for source in documents.values():
        paths.update(copy.deepcopy(source["paths"]))
        for kind, named in source.get("components", {}).items():
            components.setdefault(kind, {}).update(copy.deepcopy(named))
    merged = {
        "openapi": "3.0.3",
        "info": {"title": "SuperOffice WebAPI (the simulator's contract)", "version": "v1"},
        "paths": paths,
        "components": components,
    }
    strict: dict[str, Any] = _strict(merged)
    return strict


def _strict(value: Any) -> Any:
    """The document as the checker reads it (see the module docstring)."""
    if isinstance(value, dict):
        if value == _ANY_OBJECT:
            return {}
        result = {key: _strict(item) for key, item in value.items()}
        if result.get("additionalProperties") == {}:
            # The same as `{}`, without validating every value against it: an archive
            # answer's rows are all such maps, thousands of cells a page.
            result["additionalProperties"] = True
        if (
            result.get("type") == "object"
            and "properties" in result
            and "additionalProperties" not in result
        ):
            result["additionalProperties"] = False
        if isinstance(result.get("parameters"), list):
            result["parameters"] = [
                parameter
                for parameter in result["parameters"]
                if not (isinstance(parameter, dict) and parameter.get("in") == "header")
            ]
        return result
    if isinstance(value, list):
        return [_strict(item) for item in value]
    return value


def _operation(api: str, template: str, method: str, item: Mapping[str, Any]) -> Operation:
    regex = ""
    position = 0
    for match in _PARAMETER.finditer(template):
        regex += re.escape(template[position : match.start()])
        regex += f"(?P<{_group(match.group(1))}>[^/]+)"
        position = match.end()
    regex += re.escape(template[position:])
    parameters = item.get("parameters", [])
    return Operation(
        operation_id=item["operationId"],
        method=method.upper(),
        template=template,
        api=api,
        pattern=re.compile(regex, re.IGNORECASE),
        query_names={
            parameter["name"].lower(): parameter["name"]
            for parameter in parameters
            if parameter["in"] == "query"
        },
        integer_path_parameters=frozenset(
            parameter["name"]
            for parameter in parameters
            if parameter["in"] == "path" and parameter.get("schema", {}).get("type") == "integer"
        ),
        enum_parameters={
            parameter["name"]: {str(value).lower(): str(value) for value in values}
            for parameter in parameters
            if parameter["in"] in ("path", "query")
            and (values := parameter.get("schema", {}).get("enum"))
        },
    )


def _group(name: str) -> str:
    if not name.isidentifier():
        raise ValueError(f"path parameter {name!r} is not a usable name")
    return name


def _fields(fields: Mapping[str, Any], operators: Mapping[str, Any]) -> dict[str, Field]:
    groups = operators["dataTypes"]
    by_field_type = operators["fieldTypes"]
    result = {}
    for name, description in fields.items():
        field_type = description["type"]
        names = [
            operator
            for group in by_field_type[field_type_key(field_type)]
            for operator in groups[group]
        ]
        result[name.lower()] = Field(
            name=name,
            type=field_type,
            operators={operator.lower(): operator for operator in names},
        )
    return result
