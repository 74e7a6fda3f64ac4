"""A one-file function for the local runtime's tests: its code written, its spec resolved."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

from local.template import FunctionSpec


def one_file_function(tmp_path: Path, code: str, handler: str, **changes: object) -> FunctionSpec:
    """``code`` as ``app.py`` in ``tmp_path/code`` (kept if already there), run by ``handler``."""
    folder = tmp_path / "code"
    folder.mkdir(exist_ok=True)
    if not (folder / "app.py").exists():
        (folder / "app.py").write_text(code)
    values: dict[str, object] = {
        "logical_id": "Fn",
        "function_name": "superoffice-app-local-Fn",
        "arn": "arn:aws:lambda:eu-west-1:123456789012:function:superoffice-app-local-Fn",
        "code_uri": folder,
        "handler": handler,
        "runtime": "python3.13",
        "timeout": 3,
        "memory": 128,
        "architectures": ("arm64",),
        "environment": MappingProxyType({}),
        "layers": (),
        "external_layers": (),
        "events": MappingProxyType({}),
        **changes,
    }
    return FunctionSpec(**values)  # type: ignore[arg-type]
