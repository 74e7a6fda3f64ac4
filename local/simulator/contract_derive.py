"""Derive the simulator's contract (`local/simulator/contract/`) from SuperOffice's reference.

The reference (`../shared/data/superoffice-reference/`, see its README) holds SuperOffice's
published OpenAPI documents, database tables, OData operators and webhook events. The
project keeps only what `contract/selection.json` names, in compact JSON that sorts the
same way every time, so `make test` never needs the reference and a new SuperOffice
release shows up as a reviewable diff:

- `rest.json`, `agents.json`: OpenAPI 3.0 documents with the selected operations only
  (their parameters, JSON request and response schemas and every component they
  reference), each operation marked with `x-source`, the published file it came from.
  Media types other than `application/json` and the blank prose are dropped; nothing
  else is changed (the checker's strictness is code, not data: `contract_spec`).
- `tables.json`: the selected database tables with their fields and types.
- `odata-operators.json`: the `$filter` operators per data type, and which data types
  each field type of `tables.json` means.
- `webhook-events.json`: the documented webhook events of the root entities.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Final

CONTRACT_DIR: Final = Path(__file__).resolve().parent / "contract"
SELECTION_FILE: Final = CONTRACT_DIR / "selection.json"
DERIVED_FILES: Final = (
    "rest.json",
    "agents.json",
    "tables.json",
    "odata-operators.json",
    "webhook-events.json",
)
_METHODS: Final = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_JSON: Final = "application/json"
_PROSE: Final = ("description", "summary")
_REF: Final = re.compile(r"^#/components/(?P<kind>[A-Za-z]+)/(?P<name>.+)$")

# Which operator groups of SuperOffice's OData page a field type of the table reference
# takes. The page lists operators per *data type*; the table pages give *field types*.
# Keys are the field type's first word ("String(219)" -> "String", "FK associate" -> "FK").
# An FK to associate is a user column (the Associate operators); another FK, and an Enum,
# is a list column (the Lists operators); both also compare as numbers.
FIELD_TYPE_GROUPS: Final[dict[str, tuple[str, ...]]] = {
    "PK": ("Int",),
    "Id": ("Int",),
    "Int": ("Int",),
    "UInt": ("Int",),
    "Short": ("Int",),
    "UShort": ("Int",),
    "ShortId": ("Int",),
    "RecordId": ("Int",),
    "TableNumber": ("Int",),
    "FieldId": ("Int",),
    "Double": ("Decimal",),
    "FK": ("Int", "Lists"),
    "FK associate": ("Int", "Associate"),
    "Enum": ("Int", "Lists"),
    "String": ("String",),
    "Clob": ("String",),
    "Bool": ("Bool",),
    "DateTime": ("Date", "DateTime", "Unary"),
    "UtcDateTime": ("Date", "DateTime", "Unary"),
}


class ReferenceError(Exception):
    """The reference does not hold what the selection asks for, or not in the known form."""


def derive(reference: Path, selection: Mapping[str, Any]) -> dict[str, Any]:
    """The contract files' contents by file name (see DERIVED_FILES)."""
    operations = selection["operations"]
    readme = _read_text(reference / "README.md")
    return {
        "rest.json": _openapi_subset(reference / "openapi" / "rest", operations["rest"]),
        "agents.json": _openapi_subset(reference / "openapi" / "agents", operations["agents"]),
        "tables.json": _tables(reference / "database-tables.json", selection["tables"]),
        "odata-operators.json": _operators(readme),
        "webhook-events.json": _webhook_events(readme, reference / "database-tables.json"),
    }


def write(contents: Mapping[str, Any], directory: Path = CONTRACT_DIR) -> list[Path]:
    """Write the files; the same content always gives the same bytes."""
    written = []
    for name, content in contents.items():
        path = directory / name
        path.write_text(dumps(content), encoding="utf-8")
        written.append(path)
    return written


def dumps(content: Any) -> str:
    return json.dumps(content, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def load_selection(path: Path = SELECTION_FILE) -> dict[str, Any]:
    selection: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return selection


# -- OpenAPI ------------------------------------------------------------------------------


def _openapi_subset(folder: Path, operation_ids: Iterable[str]) -> dict[str, Any]:
    wanted = list(dict.fromkeys(operation_ids))
    documents = sorted(folder.glob("openapi-v3-*.json"))
    if not documents:
        raise ReferenceError(f"no openapi-v3-*.json in {folder}")
    paths: dict[str, dict[str, Any]] = {}
    components: dict[str, dict[str, Any]] = {}
    found: set[str] = set()
    info: dict[str, Any] = {}
    for document_path in documents:
        document = json.loads(_read_text(document_path))
        taken = False
        for template, method, operation in _operations(document):
            if operation.get("operationId") not in wanted:
                continue
            found.add(operation["operationId"])
            taken = True
            kept = _without_prose(operation)
            kept.pop("security", None)
            kept.pop("tags", None)
            kept["x-source"] = f"{folder.name}/{document_path.name}"
            _keep_json_only(kept)
            paths.setdefault(template, {})[method] = kept
            _collect_components(kept, document, components)
        if taken and not info:
            info = {"title": document["info"]["title"], "version": document["info"]["version"]}
    missing = [operation_id for operation_id in wanted if operation_id not in found]
    if missing:
        raise ReferenceError(f"not in {folder}: {', '.join(missing)}")
    return {
        "openapi": "3.0.3",
        "info": {**info, "x-derived-from": f"superoffice-reference/openapi/{folder.name}"},
        "paths": paths,
        "components": components,
    }


def _operations(document: Mapping[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for template, item in document.get("paths", {}).items():
        if "parameters" in item:
            raise ReferenceError(f"{template}: path-level parameters are not supported")
        for method in _METHODS:
            if method in item:
                yield template, method, item[method]


def _without_prose(value: Any) -> Any:
    """A deep copy without the (blank) descriptions and summaries."""
    if isinstance(value, dict):
        return {
            key: _without_prose(item)
            for key, item in value.items()
            if not (key in _PROSE and isinstance(item, str))
        }
    if isinstance(value, list):
        return [_without_prose(item) for item in value]
    return value


def _keep_json_only(operation: dict[str, Any]) -> None:
    body = operation.get("requestBody")
    if isinstance(body, dict) and "content" in body:
        body["content"] = _json_content(body["content"])
    for response in operation.get("responses", {}).values():
        # The one description OpenAPI requires (blank, as published).
        response["description"] = ""
        if "content" in response:
            response["content"] = _json_content(response["content"])


def _json_content(content: Mapping[str, Any]) -> dict[str, Any]:
    if _JSON not in content:
        raise ReferenceError(f"no {_JSON} among {sorted(content)}")
    return {_JSON: content[_JSON]}


def _collect_components(
    value: Any, document: Mapping[str, Any], into: dict[str, dict[str, Any]]
) -> None:
    """Copy every component `value` references, transitively, from `document` into `into`."""
    for reference in _references(value):
        match = _REF.match(reference)
        if match is None:
            raise ReferenceError(f"unsupported $ref {reference!r}")
        kind, name = match.group("kind"), match.group("name")
        bucket = into.setdefault(kind, {})
        try:
            component = _without_prose(document["components"][kind][name])
        except KeyError:
            raise ReferenceError(f"{reference} is not in its document") from None
        if kind == "requestBodies":
            component["content"] = _json_content(component["content"])
        if name in bucket:
            if bucket[name] != component:
                raise ReferenceError(f"{reference} differs between SuperOffice's documents")
            continue
        bucket[name] = component
        _collect_components(component, document, into)


def _references(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        reference = value.get("$ref")
        if isinstance(reference, str):
            yield reference
        for item in value.values():
            yield from _references(item)
    elif isinstance(value, list):
        for item in value:
            yield from _references(item)


# -- tables, operators, events -----------------------------------------------------------


def _tables(path: Path, names: Iterable[str]) -> dict[str, Any]:
    reference = json.loads(_read_text(path))
    tables = reference["tables"]
    missing = [name for name in names if name not in tables]
    if missing:
        raise ReferenceError(f"not in {path.name}: {', '.join(missing)}")
    unknown_types = sorted(
        {
            field["type"]
            for name in names
            for field in tables[name]["fields"].values()
            if field_type_key(field["type"]) not in FIELD_TYPE_GROUPS
        }
    )
    if unknown_types:
        raise ReferenceError(
            f"field types without operator groups: {', '.join(unknown_types)} "
            "(add them to FIELD_TYPE_GROUPS in local/simulator/contract_derive.py)"
        )
    return {
        "source": reference.get("source", ""),
        "tables": {name: copy.deepcopy(tables[name]) for name in names},
    }


def field_type_key(field_type: str) -> str:
    """The key of FIELD_TYPE_GROUPS for a field type: its first word, `FK associate` whole."""
    if field_type == "FK associate":
        return field_type
    return re.split(r"[\s(]", field_type, maxsplit=1)[0]


_OPERATORS_HEADING: Final = re.compile(r"^## OData `\$filter` operators per data type\s*$", re.M)
_TABLE_ROW: Final = re.compile(r"^\|\s*(?P<types>[^|]+?)\s*\|\s*(?P<operators>[^|]+?)\s*\|\s*$")


def _operators(readme: str) -> dict[str, Any]:
    section = _section(readme, _OPERATORS_HEADING)
    groups: dict[str, list[str]] = {}
    for line in section.splitlines():
        row = _TABLE_ROW.match(line)
        if row is None or set(row.group("types")) <= {"-", " "}:
            continue
        if row.group("types") == "data type":
            continue
        operators = [part.strip() for part in row.group("operators").split(",")]
        for data_type in row.group("types").split(","):
            groups[data_type.strip()] = operators
    expected = {group for groups_ in FIELD_TYPE_GROUPS.values() for group in groups_}
    missing = sorted(expected - set(groups))
    if missing:
        raise ReferenceError(f"the reference's operator table has no {', '.join(missing)}")
    return {
        "source": "superoffice-reference/README.md: OData $filter operators per data type "
        "(SuperOffice docs/en/api/search/odata/index.md)",
        "dataTypes": groups,
        "fieldTypes": {key: list(value) for key, value in FIELD_TYPE_GROUPS.items()},
        "fieldTypesNote": "Which data types (operator groups) a field type of tables.json "
        "takes: the project's reading, kept in local/simulator/contract_derive.py.",
    }


_EVENTS_HEADING: Final = re.compile(r"^## Webhook events \(documented\)\s*$", re.M)
_GENERIC_EVENT: Final = re.compile(r"`\{entity\}\.(?P<event>[a-z]+)`")
_SOFT_DELETE_EVENT: Final = re.compile(r"`(?P<entity>[a-z_]+)\.softdeleted`")
_ROOT_ENTITIES: Final = re.compile(r"root-entity tables\s*\((?P<names>[a-z_, ]+?)(?:,\s*\.\.\.)?\)")


def _webhook_events(readme: str, tables_path: Path) -> dict[str, Any]:
    section = _section(readme, _EVENTS_HEADING)
    generic = sorted(set(_GENERIC_EVENT.findall(section)))
    soft = sorted(set(_SOFT_DELETE_EVENT.findall(section)))
    roots = _ROOT_ENTITIES.search(" ".join(section.split()))
    if not generic or not soft or roots is None:
        raise ReferenceError("the reference's webhook events section is not in the known form")
    entities = [name.strip() for name in roots.group("names").split(",") if name.strip()]
    tables = json.loads(_read_text(tables_path))["tables"]
    unknown = [name for name in entities if name not in tables]
    if unknown:
        raise ReferenceError(f"webhook root entities without a table: {', '.join(unknown)}")
    events = {
        entity: sorted(
            [f"{entity}.{event}" for event in generic]
            + ([f"{entity}.softdeleted"] if entity in soft else [])
        )
        for entity in entities
    }
    return {
        "source": "superoffice-reference/README.md: Webhook events (documented) "
        "(SuperOffice docs/en/automation/webhook/event-details.md and reference/*-events.md)",
        "events": events,
        "softDeleted": {entity: f"{entity}.softdeleted" for entity in soft},
        "rootEntitiesNote": "The reference names these root entities and ends its list with "
        "'...': an entity missing here is not known to the project, not undocumented.",
    }


def _section(text: str, heading: re.Pattern[str]) -> str:
    match = heading.search(text)
    if match is None:
        raise ReferenceError(f"the reference's README has no section {heading.pattern!r}")
    rest = text[match.end() :]
    following = re.search(r"^## ", rest, re.M)
    return rest[: following.start()] if following else rest


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReferenceError(f"{path} does not exist") from None
