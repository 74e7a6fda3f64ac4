"""Create the template's AWS resources on the local emulators, generically by type.

- `AWS::DynamoDB::Table`: through `local.tables` (DynamoDB Local keeps them on disk);
- `AWS::KMS::Key`: in moto, with the template's local key id as `_custom_id_` tag, so
  the persistent-key launcher gives it the same id and key material at every start;
- `AWS::KMS::Alias`: created, or pointed at its key again;
- `AWS::SQS::Queue`: dead-letter queues before the queues that redrive to them;
- `AWS::Events::EventBus`: in moto (what is published there is kept only if a rule
  routes it somewhere: tests and the demo add a rule to an SQS queue to look);
- the app's secrets named by the template parameters in `SECRET_PARAMETERS`.

Everything is idempotent: a restart on the same state finds tables and recreates what moto
forgot. The result maps logical ids to physical ids for `load_template(physical_ids=...)`.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Mapping
from typing import Any, Final

from local.runner.persistent_kms_moto import CUSTOM_ID_TAG
from local.tables import create_tables
from local.template import Template, TemplateError

KMS_KEY: Final = "AWS::KMS::Key"
KMS_ALIAS: Final = "AWS::KMS::Alias"
SQS_QUEUE: Final = "AWS::SQS::Queue"
EVENT_BUS: Final = "AWS::Events::EventBus"
# Template parameter naming a secret -> which local credential fills it.
SECRET_PARAMETERS: Final = {
    "ClientSecretName": "client_secret",
    "PrivateKeySecretName": "private_key",
    "SessionKeySecretName": "session_keys",
}
# CloudFormation queue properties that are SetQueueAttributes attributes of the same name.
_QUEUE_ATTRIBUTES: Final = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
)
_QUEUE_JSON_ATTRIBUTES: Final = ("RedrivePolicy", "RedriveAllowPolicy")
# Queue properties without local meaning (encryption at rest, tags).
_QUEUE_IGNORED: Final = frozenset(
    {"QueueName", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds", "SqsManagedSseEnabled", "Tags"}
)

Log = Callable[[str], None]


def provision(
    template: Template,
    *,
    dynamodb: Any,
    kms: Any,
    sqs: Any,
    secretsmanager: Any,
    secret_values: Mapping[str, str],
    log: Log,
    events: Any = None,
) -> dict[str, str]:
    """Create everything; return logical id -> physical id (tables, keys, queues)."""
    physical_ids: dict[str, str] = {}
    physical_ids.update(create_tables(dynamodb, template, log=log))
    physical_ids.update(create_keys(kms, template))
    create_aliases(kms, template)
    physical_ids.update(create_queues(sqs, template))
    put_secrets(secretsmanager, template, secret_values)
    if events is not None:
        physical_ids.update(create_event_buses(events, template))
    return physical_ids


def create_event_buses(events: Any, template: Template) -> dict[str, str]:
    created: dict[str, str] = {}
    for logical_id, resource in sorted(template.resources_of_type(EVENT_BUS).items()):
        properties = template.resolve(resource.get("Properties") or {}, logical_id)
        name = str(properties.get("Name") or template.physical_name(logical_id))
        with contextlib.suppress(events.exceptions.ResourceAlreadyExistsException):
            events.create_event_bus(Name=name)
        created[logical_id] = name
    return created


def create_keys(kms: Any, template: Template) -> dict[str, str]:
    created: dict[str, str] = {}
    for logical_id, resource in sorted(template.resources_of_type(KMS_KEY).items()):
        properties = template.resolve(resource.get("Properties") or {}, logical_id)
        key_id = template.physical_name(logical_id)
        kms.create_key(
            Description=str(properties.get("Description", "")),
            KeyUsage=str(properties.get("KeyUsage", "ENCRYPT_DECRYPT")),
            KeySpec=str(properties.get("KeySpec", "SYMMETRIC_DEFAULT")),
            Tags=[{"TagKey": CUSTOM_ID_TAG, "TagValue": key_id}],
        )
        created[logical_id] = key_id
    return created


def create_aliases(kms: Any, template: Template) -> None:
    for logical_id, resource in sorted(template.resources_of_type(KMS_ALIAS).items()):
        properties = template.resolve(resource.get("Properties") or {}, logical_id)
        name, target = str(properties["AliasName"]), str(properties["TargetKeyId"])
        try:
            kms.create_alias(AliasName=name, TargetKeyId=target)
        except kms.exceptions.AlreadyExistsException:
            kms.update_alias(AliasName=name, TargetKeyId=target)


def queue_attributes(template: Template, logical_id: str) -> dict[str, str]:
    """CreateQueue's Attributes for one queue resource (RedrivePolicy as JSON text)."""
    resource = template.resources_of_type(SQS_QUEUE)[logical_id]
    properties = template.resolve(resource.get("Properties") or {}, logical_id)
    unknown = sorted(
        set(properties) - set(_QUEUE_ATTRIBUTES) - set(_QUEUE_JSON_ATTRIBUTES) - _QUEUE_IGNORED
    )
    if unknown:
        raise TemplateError(f"{logical_id}: {', '.join(unknown)} not supported by the runner")
    attributes = {name: _text(properties[name]) for name in _QUEUE_ATTRIBUTES if name in properties}
    for name in _QUEUE_JSON_ATTRIBUTES:
        if name in properties:
            value = properties[name]
            attributes[name] = value if isinstance(value, str) else json.dumps(value)
    return attributes


def create_queues(sqs: Any, template: Template) -> dict[str, str]:
    queues = template.resources_of_type(SQS_QUEUE)
    attributes = {logical_id: queue_attributes(template, logical_id) for logical_id in queues}
    # A redrive policy names its dead-letter queue by ARN, which must exist already.
    order = sorted(
        queues, key=lambda logical_id: ("RedrivePolicy" in attributes[logical_id], logical_id)
    )
    created: dict[str, str] = {}
    for logical_id in order:
        name = template.physical_name(logical_id)
        sqs.create_queue(QueueName=name, Attributes=attributes[logical_id])
        created[logical_id] = name
    return created


def put_secrets(secretsmanager: Any, template: Template, values: Mapping[str, str]) -> None:
    for parameter, credential in SECRET_PARAMETERS.items():
        name = template.parameter_values.get(parameter)
        if not name:
            continue
        try:
            secretsmanager.create_secret(Name=name, SecretString=values[credential])
        except secretsmanager.exceptions.ResourceExistsException:
            secretsmanager.put_secret_value(SecretId=name, SecretString=values[credential])


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
