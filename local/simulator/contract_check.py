"""Checking one request and its answer against SuperOffice's published contract.

The request: its method and path must be a documented operation (else 404 / 405), its
query parameters documented for that operation, and its parameters and JSON body valid
against the published schemas, unknown properties included (the real service ignores
them silently, which is how such a mistake survives). Archive queries are checked
against the documented tables (`contract_archive`), and webhook subscriptions against the
documented events. The answer: a 2xx status the operation documents, with a body its
response schema allows.

Parameters, bodies and answers are validated by openapi-core (a maintained OpenAPI 3
validator); finding the operation and the checks OpenAPI cannot express are here.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from jsonschema.protocols import Validator
from jsonschema_path import SchemaPath
from openapi_core import V30RequestValidator, V30ResponseValidator
from openapi_core.casting.schemas import oas30_types_caster
from openapi_core.casting.schemas.factories import SchemaCastersFactory
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.media_types.exceptions import MediaTypeNotFound
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_core.validation.request.exceptions import InvalidRequestBody
from openapi_core.validation.response.exceptions import InvalidData
from openapi_core.validation.schemas.datatypes import FormatValidatorsDict
from openapi_core.validation.schemas.factories import SchemaValidatorsFactory
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator
from werkzeug.datastructures import Headers, ImmutableMultiDict

from local.simulator.contract_archive import archive_problems, archive_table
from local.simulator.contract_spec import (
    Contract,
    Operation,
    UndocumentedMethod,
    UndocumentedPath,
    load_contract,
)

# openapi-core needs a URL; only the path (the operation's template) matters.
_HOST: Final = "http://superoffice.invalid"
_WEBHOOK_OPERATIONS: Final = frozenset({"v1Webhook_PostWebhook", "v1Webhook_PutWebhook"})
_EXCERPT: Final = 300
_SPECS_KEPT: Final = 512
_SECRET_NAME: Final = re.compile(r"secret|token|password|ticket|private_?key", re.IGNORECASE)
# Shorter values are not worth hiding (and hiding "1" would garble every message).
_SECRET_MIN_LENGTH: Final = 6
_DATE_TIME: Final = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,7})?)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})?"
)


class _OneFormatChecker(SchemaValidatorsFactory):
    """openapi-core's schema validators, sharing one format checker.

    openapi-core deep-copies its format checker for every value it validates (so that a
    call's extra formats cannot leak into the next); this checker takes no extra
    formats, so one copy serves every call, and the check costs half as much.
    """

    def __init__(self, schema_validator_cls: type[Validator]) -> None:
        super().__init__(schema_validator_cls)
        self._shared = super().get_format_checker()
        self._shared.checks("date-time")(_is_dotnet_date_time)

    def get_format_checker(
        self,
        format_validators: FormatValidatorsDict | None = None,
        extra_format_validators: FormatValidatorsDict | None = None,
    ) -> Any:
        if format_validators is None and extra_format_validators is None:
            return self._shared
        return super().get_format_checker(format_validators, extra_format_validators)


def _is_dotnet_date_time(value: object) -> bool:
    """`format: date-time` as SuperOffice writes it: ISO 8601, the offset optional.

    The documents say `date-time` (RFC 3339, offset required), but SuperOffice's .NET
    serialiser writes times of unspecified kind without one ("2026-11-01T10:00:05"):
    reading the format literally would refuse SuperOffice's own answers.
    """
    return not isinstance(value, str) or _DATE_TIME.fullmatch(value) is not None


# Requests are written (readOnly properties refused), answers read (writeOnly refused).
_WRITE_SCHEMAS: Final = _OneFormatChecker(OAS30WriteValidator)
_READ_SCHEMAS: Final = _OneFormatChecker(OAS30ReadValidator)
# Parameters are cast (query strings to integers, ...) with the same validators.
_WRITE_CASTERS: Final = SchemaCastersFactory(_WRITE_SCHEMAS, oas30_types_caster)
_READ_CASTERS: Final = SchemaCastersFactory(_READ_SCHEMAS, oas30_types_caster)


@dataclass(frozen=True)
class Finding:
    """One thing wrong: the rule (contract_refusals.RULES) and what SuperOffice answers."""

    rule: str
    status: int
    message: str
    # For `undocumented-method`: the documented methods (the 405's Allow header).
    allowed: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckedRequest:
    """The request's operation (None if undocumented) and what is wrong with it."""

    operation: Operation | None
    findings: tuple[Finding, ...]
    path_parameters: Mapping[str, str] = field(default_factory=dict)


@dataclass
class _OpenApiRequest:
    """openapi-core's request protocol, for an operation already found."""

    path_pattern: str
    method: str
    parameters: RequestParameters
    body: bytes | None
    content_type: str
    host_url: str = _HOST

    @property
    def path(self) -> str:
        return self.path_pattern


@dataclass
class _OpenApiResponse:
    status_code: int
    data: bytes | None
    content_type: str
    headers: Headers = field(default_factory=Headers)


class ContractChecker:
    """Thread-safe; one per process is enough (`default_checker`)."""

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self._lock = threading.Lock()
        self._specs: collections.OrderedDict[tuple[str, frozenset[str] | None], SchemaPath]
        self._specs = collections.OrderedDict()

    def check_request(
        self,
        method: str,
        path: str,
        query: Mapping[str, list[str]],
        body: bytes,
        content_type: str,
    ) -> CheckedRequest:
        """`path` is `/api/v1/...` as sent (still URL-encoded)."""
        try:
            operation, parameters = self.contract.find(method, path)
        except UndocumentedPath:
            finding = Finding(
                "undocumented-path",
                404,
                f"{path} is not a path of a documented operation in the contract",
            )
            return CheckedRequest(None, (finding,))
        except UndocumentedMethod as error:
            finding = Finding(
                "undocumented-method",
                405,
                f"{method} is not documented for {path} (documented: {', '.join(error.allowed)})",
                allowed=tuple(error.allowed),
            )
            return CheckedRequest(None, (finding,))
        findings = list(self._query_names(operation, query))
        documented_query = {
            (documented := operation.query_names[name.lower()]): [
                _as_documented(operation, documented, value) for value in values
            ]
            for name, values in query.items()
            if name.lower() in operation.query_names
        }
        parameters = {
            name: _as_documented(operation, name, value) for name, value in parameters.items()
        }
        findings += self._openapi_request(
            operation, parameters, documented_query, body, content_type
        )
        findings += self._archive(operation, parameters, query)
        if not findings:
            # Only a body the schema accepted is read for its events.
            findings += self._webhook_events(operation, body)
        secrets = _secret_values(body)
        findings = [
            dataclasses.replace(finding, message=_redacted(finding.message, secrets))
            for finding in findings
        ]
        return CheckedRequest(operation, tuple(findings), parameters)

    def check_response(
        self,
        checked: CheckedRequest,
        status: int,
        body: bytes,
        content_type: str,
    ) -> Finding | None:
        """What is wrong with a 2xx answer to a documented operation; None when it fits."""
        operation = checked.operation
        if operation is None or not 200 <= status < 300:
            return None
        request = _OpenApiRequest(
            path_pattern=operation.template,
            method=operation.method.lower(),
            parameters=RequestParameters(path=dict(checked.path_parameters)),
            body=None,
            content_type="",
        )
        response = _OpenApiResponse(
            status_code=status,
            data=body or None,
            content_type=_mimetype(content_type) if body else "",
        )
        validator = V30ResponseValidator(
            self._spec(operation, None),
            schema_validators_factory=_READ_SCHEMAS,
            schema_casters_factory=_READ_CASTERS,
        )
        errors = _errors(lambda: validator.iter_errors(request, response))
        if not errors:
            return None
        documented = sorted(self._documented_statuses(operation))
        messages = []
        for error in errors:
            if isinstance(error, ResponseNotFound):
                messages.append(
                    f"status {status} is not documented (documented: {', '.join(documented)})"
                )
            else:
                messages.append(_describe(error))
        excerpt = body[:_EXCERPT].decode("utf-8", "replace")
        message = (
            f"the simulator's answer to {operation.operation_id} does not fit the contract: "
            f"{'; '.join(messages)} (answer: {excerpt!r})"
        )
        return Finding("response", 500, _redacted(message, _secret_values(body)))

    # -- the request -------------------------------------------------------------------

    def _query_names(
        self, operation: Operation, query: Mapping[str, list[str]]
    ) -> Iterator[Finding]:
        unknown = sorted(name for name in query if name.lower() not in operation.query_names)
        if unknown:
            documented = sorted(operation.query_names.values()) or ["none"]
            yield Finding(
                "undocumented-query-parameter",
                400,
                f"query parameter {', '.join(unknown)} is not documented for "
                f"{operation.operation_id} (documented: {', '.join(documented)})",
            )

    def _openapi_request(
        self,
        operation: Operation,
        path_parameters: Mapping[str, str],
        query: Mapping[str, list[str]],
        body: bytes,
        content_type: str,
    ) -> list[Finding]:
        takes_body = "requestBody" in self._operation_document(operation)
        if body and not takes_body:
            return [Finding("body", 400, f"{operation.operation_id} documents no request body")]
        request = _OpenApiRequest(
            path_pattern=operation.template,
            method=operation.method.lower(),
            parameters=RequestParameters(
                query=ImmutableMultiDict(
                    [(name, value) for name, values in query.items() for value in values]
                ),
                path=dict(path_parameters),
            ),
            body=body or None,
            content_type=_mimetype(content_type) if body else "",
        )
        validator = V30RequestValidator(
            self._spec(operation, frozenset(query)),
            schema_validators_factory=_WRITE_SCHEMAS,
            schema_casters_factory=_WRITE_CASTERS,
        )
        return [_finding(error) for error in _errors(lambda: validator.iter_errors(request))]

    def _spec(self, operation: Operation, query: frozenset[str] | None) -> SchemaPath:
        """An OpenAPI document of this one operation, with only the query parameters
        `query` (and the required ones; None: no parameters, for answers).

        openapi-core reads every documented parameter of an operation on every call, a
        millisecond each, present or not, and an archive query documents fifteen; a
        document with only the parameters a request has costs what they cost. The
        requests the app makes use a handful of combinations, so these are kept (the
        latest `_VALIDATORS_KEPT`).
        """
        key = (operation.operation_id, query)
        with self._lock:
            found = self._specs.get(key)
            if found is not None:
                self._specs.move_to_end(key)
                return found
        documented = self._operation_document(operation)
        parameters = [
            parameter
            for parameter in documented.get("parameters", [])
            if query is not None
            and (
                parameter["in"] != "query"
                or parameter.get("required")
                or parameter["name"] in query
            )
        ]
        document = {
            "openapi": self.contract.document["openapi"],
            "info": self.contract.document["info"],
            "paths": {
                operation.template: {
                    operation.method.lower(): {**documented, "parameters": parameters}
                }
            },
            "components": self.contract.document["components"],
        }
        # Validators made from it do not validate it again: the derivation did.
        spec = SchemaPath.from_dict(document)
        with self._lock:
            self._specs[key] = spec
            while len(self._specs) > _SPECS_KEPT:
                self._specs.popitem(last=False)
        return spec

    def _archive(
        self,
        operation: Operation,
        path_parameters: Mapping[str, str],
        query: Mapping[str, list[str]],
    ) -> Iterator[Finding]:
        table = archive_table(operation, path_parameters)
        if table is not None:
            values = {name.lower(): values[0] for name, values in query.items() if values}
            for problem in archive_problems(self.contract, table, values):
                yield Finding(problem.rule, 400, problem.message)

    def _webhook_events(self, operation: Operation, body: bytes) -> Iterator[Finding]:
        if operation.operation_id in _WEBHOOK_OPERATIONS and body:
            events = json.loads(body).get("Events") or []
            unknown = [event for event in events if event not in self.contract.webhook_events]
            if unknown:
                yield Finding(
                    "webhook-event",
                    400,
                    f"Events: {', '.join(map(repr, unknown))} not among the documented "
                    f"webhook events ({', '.join(sorted(self.contract.webhook_events))})",
                )

    def _operation_document(self, operation: Operation) -> Mapping[str, Any]:
        item: Mapping[str, Any] = self.contract.document["paths"][operation.template]
        return item[operation.method.lower()]  # type: ignore[no-any-return]

    def _documented_statuses(self, operation: Operation) -> Iterable[str]:
        responses: Mapping[str, Any] = self._operation_document(operation).get("responses", {})
        return responses.keys()


def _secret_values(body: bytes) -> set[str]:
    """String values of a JSON body under names that say secret (a webhook's `Secret`, ...):
    refusals are logged and listed, and quote bodies."""
    try:
        value = json.loads(body)
    except ValueError:
        return set()
    found: set[str] = set()
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            for key, inner in item.items():
                if (
                    isinstance(inner, str)
                    and len(inner) >= _SECRET_MIN_LENGTH
                    and _SECRET_NAME.search(str(key))
                ):
                    found.add(inner)
                else:
                    pending.append(inner)
        elif isinstance(item, list):
            pending.extend(item)
    return found


def _redacted(message: str, secrets: set[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        message = message.replace(secret, "<redacted>")
    return message


def _errors(iterate: Callable[[], Iterable[Exception]]) -> list[Exception]:
    """openapi-core's errors; a body it cannot even decode (not UTF-8) is one too."""
    try:
        return list(iterate())
    except ValueError as error:
        return [error]


def _as_documented(operation: Operation, name: str, value: str) -> str:
    """An enum parameter's value in its documented case (ASP.NET ignores case there)."""
    values = operation.enum_parameters.get(name)
    return values.get(value.lower(), value) if values else value


def _finding(error: Exception) -> Finding:
    cause = error.__cause__
    schema_errors = list(getattr(cause, "schema_errors", ()) or ())
    validators = {getattr(schema_error, "validator", "") for schema_error in schema_errors}
    if "additionalProperties" in validators:
        rule = "unknown-property"
    elif "enum" in validators:
        rule = "enum"
    elif "body" in type(error).__name__.lower() or isinstance(error, MediaTypeNotFound):
        rule = "body"
    else:
        rule = "parameter"
    return Finding(rule, 400, _describe(error))


def _describe(error: Exception) -> str:
    """openapi-core's message, with each schema error and where in the value it is."""
    cause = error.__cause__
    schema_errors = list(getattr(cause, "schema_errors", ()) or ())
    if not schema_errors:
        text, cause_text = _text(error), _text(cause) if cause is not None else ""
        return f"{text}: {cause_text}" if cause_text and cause_text not in text else text
    details = []
    for schema_error in schema_errors:
        where = "/".join(str(part) for part in getattr(schema_error, "absolute_path", ()))
        message = getattr(schema_error, "message", str(schema_error))
        details.append(f"{where}: {message}" if where else message)
    return f"{_headline(error)}: {'; '.join(details)}"


def _headline(error: Exception) -> str:
    """openapi-core's own text, without the schema errors it repeats (listed after it)."""
    if isinstance(error, InvalidRequestBody):
        return "request body"
    if isinstance(error, InvalidData):
        return "answer body"
    return _text(error)


def _text(error: BaseException) -> str:
    """str(error); openapi-core's own text of a body that is not UTF-8 fails to decode it."""
    try:
        return str(error)
    except UnicodeDecodeError:
        return f"{type(error).__name__}: the body is not UTF-8"


def _mimetype(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


@functools.cache
def default_checker() -> ContractChecker:
    """The checker of the project's contract, made once per process on first use."""
    return ContractChecker(load_contract())
