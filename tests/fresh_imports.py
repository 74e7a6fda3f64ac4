"""Which modules a fresh interpreter holds after a statement: what an import costs a
cold start, checked without this process's already-loaded modules in the way."""

from __future__ import annotations

import ast
import subprocess
import sys

from tests.conftest import REPO


def loaded_after(statement: str, watched: tuple[str, ...]) -> list[str]:
    """Which of ``watched`` a fresh interpreter, with the layer on its path, has loaded
    after ``statement`` (a package counts as loaded once any of its modules is)."""
    code = f"import sys\n{statement}\nprint(sorted(m for m in {watched!r} if m in sys.modules))\n"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO / "layers" / "shared",
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    loaded: list[str] = ast.literal_eval(result.stdout.strip())
    return loaded
