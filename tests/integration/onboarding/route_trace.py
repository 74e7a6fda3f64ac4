"""Follows one request through the project's own files: which it enters, and how often it
comes back to one it had left.

A reader following the install callback through the code opens each file it enters;
every return to a file left earlier is a jump back. ``RouteTrace`` records, for each
Python function call made while it is active, the project file that defines the function
(library files are not counted), collapses consecutive calls within one file, and counts
the distinct files (``files``) and the entries into a file visited before (``returns``);
``packages`` is the same route seen at the level of the layer's packages.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

REPO = Path(__file__).resolve().parents[3]
PROJECT_DIRS = (REPO / "layers" / "shared" / "superoffice_app", REPO / "functions")


def _project_file(filename: str) -> str | None:
    path = Path(filename)
    for root in PROJECT_DIRS:
        if path.is_relative_to(root):
            return str(path.relative_to(REPO))
    return None


@dataclass
class RouteTrace:
    path: list[str] = field(default_factory=list)  # project files, consecutive ones collapsed

    def _profile(self, frame: FrameType, event: str, _: Any) -> None:
        if event != "call":
            return
        name = _project_file(frame.f_code.co_filename)
        if name is not None and (not self.path or self.path[-1] != name):
            self.path.append(name)

    @contextmanager
    def active(self) -> Iterator[RouteTrace]:
        # This thread only: what SuperOffice calls back meanwhile (the webhook registration
        # test, served by another function in another thread) is not this request's route.
        sys.setprofile(self._profile)
        try:
            yield self
        finally:
            sys.setprofile(None)

    @property
    def files(self) -> list[str]:
        return sorted(set(self.path))

    @property
    def returns(self) -> int:
        return _returns(self.path)

    @property
    def packages(self) -> list[str]:
        """The route at package level: the handler, or the layer's package (top module)."""
        collapsed: list[str] = []
        for name in self.path:
            parts = Path(name).parts
            package = parts[1] if parts[0] == "functions" else parts[3].removesuffix(".py")
            if not collapsed or collapsed[-1] != package:
                collapsed.append(package)
        return collapsed


def _returns(route: list[str]) -> int:
    """Entries into a file (or package) that the route had left before."""
    return len(route) - len(set(route))
