"""A package's public names, each loaded from its module on first use (PEP 562).

A package ``__init__`` that imported all its modules would make every function pay, at
cold start, for the parts it never uses (the authorizer for session issuance, the
stream relay for SuperOffice's whole client). With ``lazy_exports`` the package's
``__getattr__`` and ``__dir__`` import a name's module when the name is first read and
keep the value in the package, so later reads cost nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, modules: Mapping[str, Iterable[str]]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``, whose submodule ``m`` defines ``modules[m]``."""
    module_of = {name: module for module, names in modules.items() for name in names}
    namespace = vars(sys.modules[package])

    def __getattr__(name: str) -> object:
        module = module_of.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        qualified = f"{package}.{module}"
        __import__(qualified)  # importlib.import_module would cost an import of its own
        value = getattr(sys.modules[qualified], name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *module_of})

    return __getattr__, __dir__
