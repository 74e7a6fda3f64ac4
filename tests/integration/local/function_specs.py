"""A one-file function for the local runtime's tests: its code written, its spec resolved."""

from __future__ import annotations

from pathlib import Path

from local.template import FunctionSpec
from tests.function_specs import function_spec


def one_file_function(tmp_path: Path, code: str, handler: str, **changes: object) -> FunctionSpec:
    """``code`` as ``app.py`` in ``tmp_path/code`` (kept if already there), run by ``handler``."""
    folder = tmp_path / "code"
    folder.mkdir(exist_ok=True)
    if not (folder / "app.py").exists():
        (folder / "app.py").write_text(code)
    values: dict[str, object] = {"handler": handler, "timeout": 3, "memory": 128, **changes}
    code_uri = values.pop("code_uri", folder)
    assert isinstance(code_uri, Path)
    return function_spec(code_uri, **values)
