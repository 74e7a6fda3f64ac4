"""`template.yaml` as the local stack sees it: functions, their resolved settings, resources.

Resolves what CloudFormation would resolve at deploy time, with local values: parameters
(given values, else their Default), pseudo parameters, conditions, the intrinsic functions,
and references to resources, which get the local physical names of `local.naming`. SAM's
Globals are merged into each function as SAM merges them (maps merged, lists appended,
everything else overridden).

Used by `python -m local invoke`, and by the local runner to create tables, queues and
secrets and to serve the HTTP API's routes.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from local.cfn_yaml import TemplateSyntaxError, read_template
from local.naming import LocalNames

SERVERLESS_FUNCTION: Final = "AWS::Serverless::Function"
SERVERLESS_LAYER: Final = "AWS::Serverless::LayerVersion"

# SAM's defaults for a function that sets neither the property nor a Global.
DEFAULT_TIMEOUT_SECONDS: Final = 3
DEFAULT_MEMORY_MB: Final = 128
DEFAULT_ARCHITECTURES: Final = ("x86_64",)

_SUB_VARIABLE: Final = re.compile(r"\$\{([^}]*)\}")
_UNSUPPORTED: Final = frozenset(
    {"Fn::GetAZs", "Fn::Cidr", "Fn::Length", "Fn::ToJsonString", "Fn::Transform"}
)


class TemplateError(ValueError):
    """The template cannot be used locally; the message says where and why."""


class TemplateNotFoundError(TemplateError):
    pass


class UnknownFunctionError(TemplateError):
    def __init__(self, logical_id: str, known: list[str]) -> None:
        self.logical_id = logical_id
        self.known = known
        listed = ", ".join(known) if known else "none"
        super().__init__(f"no function {logical_id!r} in the template; functions: {listed}")


class _NoValue:
    """`!Ref AWS::NoValue`: the property it stands in for is removed."""

    def __repr__(self) -> str:
        return "NO_VALUE"


NO_VALUE: Final = _NoValue()


@dataclass(frozen=True)
class FunctionSpec:
    """One function of the template, everything resolved, ready to run locally."""

    logical_id: str
    function_name: str
    arn: str
    code_uri: Path
    handler: str
    runtime: str
    timeout: int
    memory: int
    architectures: tuple[str, ...]
    environment: Mapping[str, str]
    # ContentUri folders of the template's own layers, in the order the function lists them.
    layers: tuple[Path, ...]
    # Layers given by ARN (published elsewhere); locally their content is not available.
    external_layers: tuple[str, ...]
    events: Mapping[str, Any]
    # ReservedConcurrentExecutions: the runner polls a function's queues this many ways.
    reserved_concurrency: int | None = None
    # LoggingConfig's LogFormat (JSON or Text) and ApplicationLogLevel, when the template
    # sets them: Lambda's runtime formats the function's log records accordingly.
    log_format: str | None = None
    application_log_level: str | None = None


@dataclass(frozen=True)
class _ResourceKind:
    service: str
    # The property that, when set, is the physical name (TableName, QueueName, ...).
    name_property: str | None
    # What `!Ref` returns: the physical name, the ARN or (SQS) the queue URL.
    ref: str
    arn_resource: str
    regional: bool = True


_FUNCTION_KIND: Final = _ResourceKind("lambda", "FunctionName", "name", "function:{name}")
_LAYER_KIND: Final = _ResourceKind("lambda", "LayerName", "arn", "layer:{name}:1")
_API_KIND: Final = _ResourceKind("apigateway", None, "name", "/apis/{name}")
_KINDS: Final[Mapping[str, _ResourceKind]] = {
    "AWS::DynamoDB::Table": _ResourceKind("dynamodb", "TableName", "name", "table/{name}"),
    "AWS::SQS::Queue": _ResourceKind("sqs", "QueueName", "url", "{name}"),
    "AWS::SNS::Topic": _ResourceKind("sns", "TopicName", "arn", "{name}"),
    SERVERLESS_FUNCTION: _FUNCTION_KIND,
    "AWS::Lambda::Function": _FUNCTION_KIND,
    SERVERLESS_LAYER: _LAYER_KIND,
    "AWS::Lambda::LayerVersion": _LAYER_KIND,
    "AWS::KMS::Key": _ResourceKind("kms", None, "name", "key/{name}"),
    "AWS::KMS::Alias": _ResourceKind("kms", "AliasName", "name", "{name}"),
    "AWS::Logs::LogGroup": _ResourceKind("logs", "LogGroupName", "name", "log-group:{name}:*"),
    "AWS::SecretsManager::Secret": _ResourceKind("secretsmanager", "Name", "arn", "secret:{name}"),
    "AWS::Serverless::HttpApi": _API_KIND,
    "AWS::ApiGatewayV2::Api": _API_KIND,
    "AWS::IAM::Role": _ResourceKind("iam", "RoleName", "name", "role/{name}", regional=False),
    "AWS::Events::Rule": _ResourceKind("events", "Name", "name", "rule/{name}"),
    "AWS::Events::EventBus": _ResourceKind("events", "Name", "name", "event-bus/{name}"),
    "AWS::Scheduler::Schedule": _ResourceKind(
        "scheduler", "Name", "name", "schedule/default/{name}"
    ),
    "AWS::CloudWatch::Alarm": _ResourceKind("cloudwatch", "AlarmName", "name", "alarm:{name}"),
}


def _kind_of(resource_type: str) -> _ResourceKind:
    known = _KINDS.get(resource_type)
    if known is not None:
        return known
    # Anything else: name-valued Ref and an ARN shaped like most services' ARNs.
    parts = resource_type.split("::")
    service = parts[1].lower() if len(parts) == 3 else "unknown"
    return _ResourceKind(service, None, "name", parts[-1].lower() + "/{name}")


def load_template(
    path: Path,
    *,
    parameters: Mapping[str, str] | None = None,
    names: LocalNames | None = None,
    physical_ids: Mapping[str, str] | None = None,
    imports: Mapping[str, str] | None = None,
) -> Template:
    """Read and prepare `path`; see `Template` for the keyword arguments."""
    path = Path(path)
    if not path.is_file():
        raise TemplateNotFoundError(f"template not found: {path}")
    try:
        document = read_template(path)
    except (OSError, UnicodeDecodeError, TemplateSyntaxError) as error:
        raise TemplateError(str(error)) from error
    return Template(
        document,
        path=path,
        parameters=parameters,
        names=names,
        physical_ids=physical_ids,
        imports=imports,
    )


class Template:
    """A parsed template with local values for everything deploy time would decide.

    - `parameters`: values of template parameters (others take their Default);
    - `names`: region, account, stack name and endpoints of the local stack;
    - `physical_ids`: logical id -> physical name/id for resources whose real identity
      is known only once created (a KMS key id chosen by the emulator);
    - `imports`: values for `Fn::ImportValue`, which has no other local source.
    """

    def __init__(
        self,
        document: Mapping[str, Any],
        *,
        path: Path,
        parameters: Mapping[str, str] | None = None,
        names: LocalNames | None = None,
        physical_ids: Mapping[str, str] | None = None,
        imports: Mapping[str, str] | None = None,
    ) -> None:
        self.path = Path(path).resolve()
        self.directory = self.path.parent
        self.document = document
        self.names = names or LocalNames.from_environment()
        self._physical_ids = dict(physical_ids or {})
        self._imports = dict(imports or {})
        self._resources: Mapping[str, Any] = _mapping(document.get("Resources"), "Resources")
        self._declared_parameters: Mapping[str, Any] = _mapping(
            document.get("Parameters"), "Parameters"
        )
        self._conditions: Mapping[str, Any] = _mapping(document.get("Conditions"), "Conditions")
        self._mappings: Mapping[str, Any] = _mapping(document.get("Mappings"), "Mappings")
        self.parameter_values: Mapping[str, str] = MappingProxyType(
            self._parameter_values(parameters or {})
        )
        self._condition_cache: dict[str, bool] = {}

    # -- resources --------------------------------------------------------------------

    def resources_of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        """Logical id -> raw resource, for the resources of a type that exist (Condition)."""
        return {
            logical_id: resource
            for logical_id, resource in self._resources.items()
            if isinstance(resource, dict)
            and resource.get("Type") == resource_type
            and self._exists(logical_id)
        }

    def function_ids(self) -> list[str]:
        return sorted(self.resources_of_type(SERVERLESS_FUNCTION))

    def functions(self) -> dict[str, FunctionSpec]:
        return {logical_id: self.function(logical_id) for logical_id in self.function_ids()}

    def function(self, logical_id: str) -> FunctionSpec:
        """The function `logical_id`, resolved; UnknownFunctionError lists the others."""
        resource = self.resources_of_type(SERVERLESS_FUNCTION).get(logical_id)
        if resource is None:
            raise UnknownFunctionError(logical_id, self.function_ids())
        global_properties = _mapping(
            _mapping(self.document.get("Globals"), "Globals").get("Function"), "Globals.Function"
        )
        properties = _merge_globals(
            global_properties, _mapping(resource.get("Properties"), logical_id)
        )
        code_uri = self._string(properties.get("CodeUri"), f"{logical_id} CodeUri")
        handler = self._string(properties.get("Handler"), f"{logical_id} Handler")
        runtime = self._string(properties.get("Runtime"), f"{logical_id} Runtime")
        layers, external_layers = self._layers(logical_id, properties.get("Layers") or [])
        function_name = self.physical_name(logical_id)
        log_format, application_log_level = self._logging_config(logical_id, properties)
        return FunctionSpec(
            logical_id=logical_id,
            function_name=function_name,
            arn=self.names.function_arn(function_name),
            code_uri=(self.directory / code_uri).resolve(),
            handler=handler,
            runtime=runtime,
            timeout=self._integer(
                properties.get("Timeout", DEFAULT_TIMEOUT_SECONDS), f"{logical_id} Timeout"
            ),
            memory=self._integer(
                properties.get("MemorySize", DEFAULT_MEMORY_MB), f"{logical_id} MemorySize"
            ),
            architectures=tuple(
                str(item)
                for item in self.resolve(
                    properties.get("Architectures", list(DEFAULT_ARCHITECTURES)),
                    f"{logical_id} Architectures",
                )
            ),
            environment=MappingProxyType(self._environment(logical_id, properties)),
            layers=layers,
            external_layers=external_layers,
            events=MappingProxyType(_mapping(properties.get("Events"), f"{logical_id} Events")),
            reserved_concurrency=(
                self._integer(
                    properties["ReservedConcurrentExecutions"],
                    f"{logical_id} ReservedConcurrentExecutions",
                )
                if "ReservedConcurrentExecutions" in properties
                else None
            ),
            log_format=log_format,
            application_log_level=application_log_level,
        )

    def physical_name(self, logical_id: str) -> str:
        return self._physical_name(logical_id, where=logical_id, active=frozenset())

    def ref(self, logical_id: str) -> Any:
        """What `!Ref logical_id` gives (parameters and pseudo parameters too)."""
        return self._ref(logical_id, where=f"!Ref {logical_id}", active=frozenset())

    def get_att(self, logical_id: str, attribute: str) -> str:
        return self._get_att(
            logical_id, attribute, where=f"!GetAtt {logical_id}.{attribute}", active=frozenset()
        )

    def condition(self, name: str) -> bool:
        return self._condition(name, where=f"condition {name}", active=frozenset())

    def resolve(self, value: Any, where: str) -> Any:
        """`value` with every intrinsic function resolved; `where` prefixes any error.

        Properties set to `!Ref AWS::NoValue` are dropped; a bare AWS::NoValue gives NO_VALUE.
        """
        return self._resolve(value, where, frozenset())

    # -- parameters and conditions ----------------------------------------------------

    def _parameter_values(self, given: Mapping[str, str]) -> dict[str, str]:
        values: dict[str, str] = {}
        for name, declaration in self._declared_parameters.items():
            spec = _mapping(declaration, f"parameter {name}")
            if name in given:
                value = _scalar_text(given[name])
            elif "Default" in spec:
                value = _scalar_text(spec["Default"])
            else:
                continue  # reported when something refers to it
            _check_parameter(name, spec, value)
            values[name] = value
        return values

    def _exists(self, logical_id: str) -> bool:
        resource = self._resources.get(logical_id)
        condition = resource.get("Condition") if isinstance(resource, dict) else None
        if condition is None:
            return True
        return self._condition(str(condition), where=logical_id, active=frozenset())

    def _condition(self, name: str, where: str, active: frozenset[str]) -> bool:
        if name in self._condition_cache:
            return self._condition_cache[name]
        if name not in self._conditions:
            raise TemplateError(f"{where}: no condition {name!r} in the template")
        if name in active:
            raise TemplateError(f"{where}: condition {name} refers to itself")
        value = self._condition_value(self._conditions[name], f"condition {name}", active | {name})
        self._condition_cache[name] = value
        return value

    def _condition_value(self, expression: Any, where: str, active: frozenset[str]) -> bool:
        if isinstance(expression, bool):
            return expression
        if isinstance(expression, dict) and len(expression) == 1:
            ((key, argument),) = expression.items()
            if key == "Condition":
                return self._condition(str(argument), where, active)
            if key == "Fn::Equals":
                left, right = _arguments(argument, 2, key, where)
                return _scalar_text(self._resolve(left, where, frozenset())) == _scalar_text(
                    self._resolve(right, where, frozenset())
                )
            if key == "Fn::Not":
                (inner,) = _arguments(argument, 1, key, where)
                return not self._condition_value(inner, where, active)
            if key in ("Fn::And", "Fn::Or"):
                if not isinstance(argument, list) or not argument:
                    raise TemplateError(f"{where}: {key} needs a list of conditions")
                results = (self._condition_value(item, where, active) for item in argument)
                return all(results) if key == "Fn::And" else any(results)
        raise TemplateError(f"{where}: {expression!r} is not a condition")

    # -- resolution ---------------------------------------------------------------------

    def _resolve(self, value: Any, where: str, active: frozenset[str]) -> Any:
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, argument),) = value.items()
                if key == "Ref" or (isinstance(key, str) and key.startswith("Fn::")):
                    return self._intrinsic(key, argument, where, active)
            resolved = {key: self._resolve(item, where, active) for key, item in value.items()}
            return {key: item for key, item in resolved.items() if item is not NO_VALUE}
        if isinstance(value, list):
            items = [self._resolve(item, where, active) for item in value]
            return [item for item in items if item is not NO_VALUE]
        return value

    def _intrinsic(self, key: str, argument: Any, where: str, active: frozenset[str]) -> Any:
        if key == "Ref":
            if not isinstance(argument, str):
                raise TemplateError(f"{where}: Ref needs a name, got {argument!r}")
            return self._ref(argument, where, active)
        if key == "Fn::GetAtt":
            logical_id, attribute = self._get_att_arguments(argument, where, active)
            return self._get_att(logical_id, attribute, where, active)
        if key == "Fn::Sub":
            return self._sub(argument, where, active)
        if key == "Fn::Join":
            delimiter, items = _arguments(argument, 2, key, where)
            values = self._resolve(items, where, active)
            if not isinstance(values, list):
                raise TemplateError(f"{where}: Fn::Join needs a list of values")
            return str(delimiter).join(self._text(item, key, where) for item in values)
        if key == "Fn::Select":
            index, items = _arguments(argument, 2, key, where)
            position = self._integer(index, where)
            values = self._resolve(items, where, active)
            if not isinstance(values, list) or not 0 <= position < len(values):
                raise TemplateError(f"{where}: Fn::Select index {position} is out of range")
            return values[position]
        if key == "Fn::Split":
            delimiter, source = _arguments(argument, 2, key, where)
            text = self._text(self._resolve(source, where, active), key, where)
            return text.split(str(delimiter))
        if key == "Fn::FindInMap":
            return self._find_in_map(argument, where, active)
        if key == "Fn::Base64":
            text = self._text(self._resolve(argument, where, active), key, where)
            return base64.b64encode(text.encode("utf-8")).decode("ascii")
        if key == "Fn::If":
            condition, when_true, when_false = _arguments(argument, 3, key, where)
            chosen = when_true if self._condition(str(condition), where, active) else when_false
            return self._resolve(chosen, where, active)
        if key in ("Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or"):
            return self._condition_value({key: argument}, where, frozenset())
        if key == "Fn::ImportValue":
            name = self._text(self._resolve(argument, where, active), key, where)
            if name not in self._imports:
                raise TemplateError(
                    f"{where}: Fn::ImportValue {name!r} cannot be resolved locally "
                    "(no local stack exports it)"
                )
            return self._imports[name]
        if key in _UNSUPPORTED:
            raise TemplateError(f"{where}: {key} is not supported by the local stack")
        raise TemplateError(f"{where}: unknown intrinsic function {key}")

    def _ref(self, name: str, where: str, active: frozenset[str]) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        pseudo = self.names.pseudo_parameters()
        if name in pseudo:
            return pseudo[name]
        if name.startswith("AWS::"):
            raise TemplateError(f"{where}: pseudo parameter {name} is not supported locally")
        if name in self._declared_parameters:
            if name not in self.parameter_values:
                raise TemplateError(
                    f"{where}: parameter {name} has no value (no Default and no local value)"
                )
            value = self.parameter_values[name]
            declared_type = str(self._declared_parameters[name].get("Type", "String"))
            if declared_type == "CommaDelimitedList" or declared_type.startswith("List<"):
                return [item.strip() for item in value.split(",")] if value else []
            return value
        if name in self._resources:
            kind = self._kind(name)
            physical = self._physical_name(name, where, active)
            if kind.ref == "arn":
                return self._arn(name, physical)
            if kind.ref == "url":
                return self.names.queue_url(physical)
            return physical
        raise TemplateError(f"{where}: !Ref {name}: no parameter or resource of that name")

    def _get_att_arguments(
        self, argument: Any, where: str, active: frozenset[str]
    ) -> tuple[str, str]:
        if isinstance(argument, str):
            logical_id, _, attribute = argument.partition(".")
        elif isinstance(argument, list) and len(argument) == 2:
            logical_id = str(argument[0])
            attribute = self._text(self._resolve(argument[1], where, active), "Fn::GetAtt", where)
        else:
            raise TemplateError(f"{where}: Fn::GetAtt needs [resource, attribute]")
        if not logical_id or not attribute:
            raise TemplateError(f"{where}: Fn::GetAtt {argument!r} is incomplete")
        return logical_id, attribute

    def _get_att(self, logical_id: str, attribute: str, where: str, active: frozenset[str]) -> str:
        if logical_id not in self._resources:
            raise TemplateError(f"{where}: !GetAtt {logical_id}.{attribute}: no such resource")
        resource_type = self._resource_type(logical_id)
        physical = self._physical_name(logical_id, where, active)
        arn = self._arn(logical_id, physical)
        attributes: dict[str, str] = {"Arn": arn}
        if resource_type == "AWS::DynamoDB::Table":
            attributes["StreamArn"] = f"{arn}/stream/2025-01-01T00:00:00.000"
        elif resource_type == "AWS::SQS::Queue":
            attributes["QueueUrl"] = self.names.queue_url(physical)
            attributes["QueueName"] = physical
        elif resource_type == "AWS::KMS::Key":
            attributes["KeyId"] = physical
        elif resource_type == "AWS::SNS::Topic":
            attributes["TopicArn"] = arn
            attributes["TopicName"] = physical
        if attribute not in attributes:
            raise TemplateError(
                f"{where}: !GetAtt {logical_id}.{attribute} ({resource_type}) "
                "is not supported by the local stack"
            )
        return attributes[attribute]

    def _sub(self, argument: Any, where: str, active: frozenset[str]) -> str:
        variables: dict[str, Any] = {}
        if isinstance(argument, str):
            text = argument
        elif (
            isinstance(argument, list)
            and len(argument) == 2
            and isinstance(argument[0], str)
            and isinstance(argument[1], dict)
        ):
            text = argument[0]
            variables = {
                str(name): self._resolve(value, where, active)
                for name, value in argument[1].items()
            }
        else:
            raise TemplateError(f"{where}: Fn::Sub needs a string or [string, variables]")

        def substitute(match: re.Match[str]) -> str:
            expression = match.group(1)
            if expression.startswith("!"):
                return "${" + expression[1:] + "}"  # `${!Literal}` stays `${Literal}`
            name = expression.strip()
            if name in variables:
                value = variables[name]
            elif "." in name:
                logical_id, _, attribute = name.partition(".")
                value = self._get_att(logical_id, attribute, where, active)
            else:
                value = self._ref(name, where, active)
            return self._text(value, "Fn::Sub", where)

        return _SUB_VARIABLE.sub(substitute, text)

    def _find_in_map(self, argument: Any, where: str, active: frozenset[str]) -> Any:
        if not isinstance(argument, list) or len(argument) not in (3, 4):
            raise TemplateError(f"{where}: Fn::FindInMap needs [map, key, key]")
        keys = [
            self._text(self._resolve(item, where, active), "Fn::FindInMap", where)
            for item in argument[:3]
        ]
        mapping = self._mappings.get(keys[0])
        level = mapping.get(keys[1]) if isinstance(mapping, dict) else None
        if isinstance(level, dict) and keys[2] in level:
            return self._resolve(level[keys[2]], where, active)
        if len(argument) == 4 and isinstance(argument[3], dict) and "DefaultValue" in argument[3]:
            return self._resolve(argument[3]["DefaultValue"], where, active)
        raise TemplateError(f"{where}: Fn::FindInMap: no {'/'.join(keys)} in Mappings")

    # -- physical names ---------------------------------------------------------------

    def _resource_type(self, logical_id: str) -> str:
        resource = self._resources.get(logical_id)
        return str(resource.get("Type", "")) if isinstance(resource, dict) else ""

    def _kind(self, logical_id: str) -> _ResourceKind:
        return _kind_of(self._resource_type(logical_id))

    def _physical_name(self, logical_id: str, where: str, active: frozenset[str]) -> str:
        if logical_id in self._physical_ids:
            return self._physical_ids[logical_id]
        if logical_id in active:
            raise TemplateError(f"{where}: the name of {logical_id} refers to itself")
        resource_type = self._resource_type(logical_id)
        kind = _kind_of(resource_type)
        properties = self._resources[logical_id].get("Properties") or {}
        if kind.name_property and kind.name_property in properties:
            return self._text(
                self._resolve(properties[kind.name_property], where, active | {logical_id}),
                kind.name_property,
                where,
            )
        if resource_type == "AWS::KMS::Key":
            # Key ids are UUIDs; a name-derived one stays the same between runs.
            return str(uuid.uuid5(uuid.NAMESPACE_URL, self.names.physical_name(logical_id)))
        if kind is _API_KIND:
            return self.names.api_id(logical_id)
        name = self.names.physical_name(logical_id)
        fifo = _scalar_text(properties.get("FifoQueue")) == "true"
        if resource_type == "AWS::SQS::Queue" and fifo:
            name += ".fifo"
        return name

    def _arn(self, logical_id: str, physical: str) -> str:
        kind = self._kind(logical_id)
        resource = kind.arn_resource.format(name=physical)
        return self.names.arn(kind.service, resource, regional=kind.regional)

    # -- functions ----------------------------------------------------------------------

    def _environment(self, logical_id: str, properties: Mapping[str, Any]) -> dict[str, str]:
        environment = _mapping(properties.get("Environment"), f"{logical_id} Environment")
        variables = _mapping(environment.get("Variables"), f"{logical_id} Environment.Variables")
        resolved: dict[str, str] = {}
        for name, value in variables.items():
            where = f"{logical_id}, environment variable {name}"
            result = self._resolve(value, where, frozenset())
            if result is NO_VALUE:
                continue
            if isinstance(result, dict | list) or result is None:
                raise TemplateError(f"{where}: the value must be a string, got {result!r}")
            resolved[str(name)] = _scalar_text(result)
        return resolved

    def _logging_config(
        self, logical_id: str, properties: Mapping[str, Any]
    ) -> tuple[str | None, str | None]:
        """LoggingConfig's LogFormat and ApplicationLogLevel, resolved (None when unset)."""
        where = f"{logical_id} LoggingConfig"
        config = _mapping(properties.get("LoggingConfig"), where)
        return (
            self._optional_text(config, "LogFormat", where),
            self._optional_text(config, "ApplicationLogLevel", where),
        )

    def _optional_text(self, properties: Mapping[str, Any], name: str, where: str) -> str | None:
        if name not in properties:
            return None
        value = self._resolve(properties[name], f"{where}.{name}", frozenset())
        if value is NO_VALUE:
            return None
        return self._text(value, "", f"{where}.{name}")

    def _layers(self, logical_id: str, layers: Any) -> tuple[tuple[Path, ...], tuple[str, ...]]:
        if not isinstance(layers, list):
            raise TemplateError(f"{logical_id} Layers: must be a list")
        folders: list[Path] = []
        external: list[str] = []
        for layer in layers:
            where = f"{logical_id} Layers"
            reference = layer.get("Ref") if isinstance(layer, dict) and len(layer) == 1 else None
            if isinstance(reference, str) and self._resource_type(reference) == SERVERLESS_LAYER:
                properties = self._resources[reference].get("Properties") or {}
                content = self._string(properties.get("ContentUri"), f"{reference} ContentUri")
                folders.append((self.directory / content).resolve())
            else:
                external.append(self._text(self._resolve(layer, where, frozenset()), "", where))
        return tuple(folders), tuple(external)

    # -- small conversions ----------------------------------------------------------------

    def _string(self, value: Any, where: str) -> str:
        resolved = self._resolve(value, where, frozenset())
        if not isinstance(resolved, str) or not resolved:
            raise TemplateError(f"{where}: expected a string (a local path or name), got {value!r}")
        return resolved

    def _integer(self, value: Any, where: str) -> int:
        resolved = self._resolve(value, where, frozenset())
        try:
            return int(str(resolved))
        except ValueError:
            raise TemplateError(f"{where}: expected a whole number, got {resolved!r}") from None

    @staticmethod
    def _text(value: Any, function: str, where: str) -> str:
        if isinstance(value, str | int | float | bool):
            return _scalar_text(value)
        raise TemplateError(f"{where}: {function or 'the value'} needs a string, got {value!r}")


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TemplateError(f"{where}: expected a mapping, got {type(value).__name__}")
    return value


def _arguments(argument: Any, count: int, function: str, where: str) -> list[Any]:
    if not isinstance(argument, list) or len(argument) != count:
        raise TemplateError(f"{where}: {function} needs a list of {count} arguments")
    return argument


def _scalar_text(value: Any) -> str:
    """How CloudFormation turns a scalar into a string (`true`, not `True`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _is_intrinsic(value: Any) -> bool:
    if not isinstance(value, dict) or len(value) != 1:
        return False
    key = str(next(iter(value)))
    return key in ("Ref", "Condition") or key.startswith("Fn::")


def _merge_globals(global_value: Any, local_value: Any) -> Any:
    """SAM's Globals merge: maps merge key by key, lists append, anything else is replaced."""
    if (
        isinstance(global_value, dict)
        and isinstance(local_value, dict)
        and not _is_intrinsic(global_value)
        and not _is_intrinsic(local_value)
    ):
        merged = dict(global_value)
        for key, value in local_value.items():
            merged[key] = _merge_globals(global_value[key], value) if key in global_value else value
        return merged
    if isinstance(global_value, list) and isinstance(local_value, list):
        return global_value + local_value
    return local_value


def _check_parameter(name: str, spec: Mapping[str, Any], value: str) -> None:
    allowed = spec.get("AllowedValues")
    if isinstance(allowed, list) and value not in [_scalar_text(item) for item in allowed]:
        raise TemplateError(
            f"parameter {name}={value!r} is not one of {', '.join(map(str, allowed))}"
        )
    pattern = spec.get("AllowedPattern")
    if isinstance(pattern, str) and re.fullmatch(pattern, value) is None:
        raise TemplateError(f"parameter {name}={value!r} does not match {pattern}")
    if str(spec.get("Type", "String")) == "Number":
        try:
            number = float(value)
        except ValueError:
            raise TemplateError(f"parameter {name}={value!r} is not a number") from None
        if "MinValue" in spec and number < float(spec["MinValue"]):
            raise TemplateError(f"parameter {name}={value} is below {spec['MinValue']}")
        if "MaxValue" in spec and number > float(spec["MaxValue"]):
            raise TemplateError(f"parameter {name}={value} is above {spec['MaxValue']}")
    if "MinLength" in spec and len(value) < int(spec["MinLength"]):
        raise TemplateError(f"parameter {name} is shorter than {spec['MinLength']} characters")
    if "MaxLength" in spec and len(value) > int(spec["MaxLength"]):
        raise TemplateError(f"parameter {name} is longer than {spec['MaxLength']} characters")
