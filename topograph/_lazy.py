"""Lazy re-exports: a package lists ``name -> module`` and imports on first use.

Keeps ``import topograph`` (and each subpackage) light: torch_geometric,
trimesh or matplotlib load only when a name that needs them is used.
:func:`lazy_dir` gives such a package a ``__dir__`` that lists the lazy names
too, so ``dir()`` and tab completion show the public API.
"""
from __future__ import annotations

import importlib
import types
from typing import Any, Callable, Iterable


def lazy_getattr(package: str, exports: dict[str, str]) -> Callable[[str], Any]:
    """A module-level ``__getattr__`` resolving ``exports`` for ``package``."""

    def __getattr__(name: str) -> Any:
        if name in exports:
            return getattr(importlib.import_module(exports[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__


def lazy_dir(package: str, namespace: dict[str, Any], public: Iterable[str]) -> Callable[[], list[str]]:
    """A module-level ``__dir__``: the public names (lazy ones included), the
    package's own loaded submodules and the module dunders; helper imports such
    as ``importlib`` or ``Any`` stay hidden."""

    def __dir__() -> list[str]:
        names = set(public)
        for key, value in namespace.items():
            if key.startswith("__") and key.endswith("__"):
                names.add(key)
            elif (not key.startswith("_") and isinstance(value, types.ModuleType)
                  and value.__name__.startswith(package + ".")):
                names.add(key)
        return sorted(names)

    return __dir__
