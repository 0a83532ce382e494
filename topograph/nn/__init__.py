"""Layers and losses: the one import path for trainable topological building blocks."""
from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "TopologicalSignatureLoss": "topograph.topoae.loss",
    "TOGL": "topograph.togl.layer",
    "ECTLayer": "topograph.ect.layer",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'topograph.nn' has no attribute {name!r}")
