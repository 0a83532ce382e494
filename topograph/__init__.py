"""topograph: differentiable persistent homology and Euler characteristic transforms.

One batched, device-agnostic filtration core (``topograph.core``) powers three
modules: the topological autoencoder loss (``topograph.topoae``), the TOGL graph
layer (``topograph.togl``) and the differentiable Euler characteristic transform
(``topograph.ect``). Layers and losses live in ``topograph.nn``, data sets in
``topograph.data``.
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

from topograph.core import (  # noqa: E402
    Diagram,
    GraphBatch,
    GraphPersistence,
    RipsPersistence,
    lower_star_persistence,
    rips_persistence,
)
from topograph.core import ComplexPersistence, pht  # noqa: E402
from topograph.core import ExtendedPersistence, extended_persistence, graph_persistence  # noqa: E402

__all__ = [
    "Diagram",
    "GraphBatch",
    "GraphPersistence",
    "RipsPersistence",
    "lower_star_persistence",
    "graph_persistence",
    "extended_persistence",
    "ExtendedPersistence",
    "rips_persistence",
    "ComplexPersistence",
    "pht",
    "ect",
    "nn",
    "data",
    "diagrams",
    "__version__",
]


_SUBMODULES = ("ect", "nn", "data", "diagrams", "topoae", "togl", "plotting", "core")


def __getattr__(name: str) -> Any:
    # Feature modules are imported on first use so that `import topograph` stays light.
    if name in _SUBMODULES:
        return importlib.import_module(f"topograph.{name}")
    raise AttributeError(f"module 'topograph' has no attribute {name!r}")


def __dir__() -> list[str]:
    # public names and the lazily imported feature modules, for dir() / tab completion
    return sorted(set(__all__) | set(_SUBMODULES)
                  | {k for k in globals() if k.startswith("__") and k.endswith("__")})
