"""A FunctionSpec for the local runtime's tests, with test defaults for every field."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

from local.template import FunctionSpec


def function_spec(code_uri: Path, **changes: object) -> FunctionSpec:
    """Function ``Fn`` with its code in ``code_uri``; ``changes`` replace any field."""
    values: dict[str, object] = {
        "logical_id": "Fn",
        "function_name": "superoffice-app-local-Fn",
        "arn": "arn:aws:lambda:eu-west-1:123456789012:function:superoffice-app-local-Fn",
        "code_uri": code_uri,
        "handler": "app.lambda_handler",
        "runtime": "python3.13",
        "timeout": 5,
        "memory": 1024,
        "architectures": ("arm64",),
        "environment": MappingProxyType({}),
        "layers": (),
        "external_layers": (),
        "events": MappingProxyType({}),
        **changes,
    }
    return FunctionSpec(**values)  # type: ignore[arg-type]
