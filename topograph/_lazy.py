"""Lazy re-exports: a package lists ``name -> module`` and imports on first use.

Keeps ``import topograph`` (and each subpackage) light: torch_geometric,
trimesh or matplotlib load only when a name that needs them is used.
"""
from __future__ import annotations

import importlib
from typing import Any, Callable


def lazy_getattr(package: str, exports: dict[str, str]) -> Callable[[str], Any]:
    """A module-level ``__getattr__`` resolving ``exports`` for ``package``."""

    def __getattr__(name: str) -> Any:
        if name in exports:
            return getattr(importlib.import_module(exports[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
