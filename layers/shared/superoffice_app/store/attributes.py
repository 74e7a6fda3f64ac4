"""Python values <-> DynamoDB attribute values, for the low-level client.

Our own small codec instead of boto3's TypeSerializer: the layer must not import boto3
at module level (the authorizer shares the layer), and the store writes a handful of
types only. Floats are refused: DynamoDB numbers are decimals, and nothing in the store
needs a fraction (times are strings, counts and revisions integers).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["AttributeValue", "Item", "from_attribute", "from_item", "to_attribute", "to_item"]

AttributeValue = dict[str, Any]
Item = dict[str, AttributeValue]


def to_attribute(value: object) -> AttributeValue:
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):  # before int: bool is an int
        return {"BOOL": value}
    if isinstance(value, int):
        return {"N": str(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, bytes | bytearray):
        return {"B": bytes(value)}
    if isinstance(value, Mapping):
        return {"M": {str(key): to_attribute(item) for key, item in value.items()}}
    if isinstance(value, Sequence):
        return {"L": [to_attribute(item) for item in value]}
    raise TypeError(f"the store cannot write a {type(value).__name__}")


def from_attribute(attribute: Mapping[str, Any]) -> Any:
    ((kind, value),) = attribute.items()
    if kind == "S":
        return value
    if kind == "N":
        return int(value) if value.lstrip("-").isdigit() else float(value)
    if kind == "B":
        return bytes(value)
    if kind == "BOOL":
        return bool(value)
    if kind == "NULL":
        return None
    if kind == "M":
        return {key: from_attribute(item) for key, item in value.items()}
    if kind == "L":
        return [from_attribute(item) for item in value]
    if kind == "SS":
        return set(value)
    raise TypeError(f"the store does not read DynamoDB {kind} attributes")


def to_item(values: Mapping[str, object]) -> Item:
    """An item from a mapping; None values are left out (absent, not NULL)."""
    return {name: to_attribute(value) for name, value in values.items() if value is not None}


def from_item(item: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    return {name: from_attribute(value) for name, value in item.items()}
