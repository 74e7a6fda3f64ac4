"""What the store needs of DynamoDB: a client, a table name, expressions, error codes.

The client is a boto3 DynamoDB client created by the caller (endpoint, region and
credentials are the caller's business, so tests hand in DynamoDB Local's). The
Protocol lists the operations the store calls: the IAM actions its functions need.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from .attributes import AttributeValue, to_attribute

__all__ = [
    "DynamoDBClient",
    "DynamoTable",
    "Expression",
    "TransactAction",
    "cancellation_reasons",
    "error_code",
]


class DynamoDBClient(Protocol):
    """The subset of boto3's DynamoDB client the store uses."""

    def get_item(self, **kwargs: Any) -> dict[str, Any]: ...
    def put_item(self, **kwargs: Any) -> dict[str, Any]: ...
    def update_item(self, **kwargs: Any) -> dict[str, Any]: ...
    def delete_item(self, **kwargs: Any) -> dict[str, Any]: ...
    def query(self, **kwargs: Any) -> dict[str, Any]: ...
    def batch_write_item(self, **kwargs: Any) -> dict[str, Any]: ...
    def transact_write_items(self, **kwargs: Any) -> dict[str, Any]: ...


TransactAction = dict[str, Any]
"""One entry of ``TransactWriteItems``: ``{"Put": ...}``, ``{"ConditionCheck": ...}``..."""


@dataclass(frozen=True)
class DynamoTable:
    """A table as the store addresses it: the client that reaches it, and its name."""

    client: DynamoDBClient = field(repr=False)
    name: str


def error_code(error: BaseException) -> str | None:
    """The AWS error code of a botocore ClientError (duck-typed: no botocore import)."""
    response = getattr(error, "response", None)
    if not isinstance(response, Mapping):
        return None
    code = response.get("Error", {}).get("Code")
    return str(code) if code is not None else None


def cancellation_reasons(error: BaseException) -> list[Mapping[str, Any]]:
    """Per-item reasons of a TransactionCanceledException, in request order."""
    response = getattr(error, "response", None)
    if not isinstance(response, Mapping):
        return []
    reasons = response.get("CancellationReasons")
    return list(reasons) if isinstance(reasons, list) else []


class Expression:
    """Placeholders for one request's expressions.

    Every attribute name goes through ``#n<i>``: several of ours (``status``, ``name``,
    ``key``, ``ttl``) are DynamoDB reserved words, and a uniform rule beats a list.
    """

    def __init__(self) -> None:
        self._names: dict[str, str] = {}
        self._values: dict[str, AttributeValue] = {}

    def name(self, attribute: str) -> str:
        for placeholder, known in self._names.items():
            if known == attribute:
                return placeholder
        placeholder = f"#n{len(self._names)}"
        self._names[placeholder] = attribute
        return placeholder

    def value(self, value: object) -> str:
        placeholder = f":v{len(self._values)}"
        self._values[placeholder] = to_attribute(value)
        return placeholder

    def values_in(self, values: object) -> str:
        """``(:v1, :v2, ...)`` for an IN condition."""
        if not isinstance(values, list | tuple | set | frozenset) or not values:
            raise ValueError("IN needs at least one value")
        return "(" + ", ".join(self.value(item) for item in sorted(values)) + ")"

    def arguments(self) -> dict[str, Any]:
        arguments: dict[str, Any] = {}
        if self._names:
            arguments["ExpressionAttributeNames"] = dict(self._names)
        if self._values:
            arguments["ExpressionAttributeValues"] = dict(self._values)
        return arguments
