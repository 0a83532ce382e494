"""TOGL: topological graph layer, coordinate functions, models, training and CLI.

Names are resolved lazily (``from topograph.togl import GraphClassifier``).
"""
from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "TOGL": "topograph.togl.layer",
    "GraphClassifier": "topograph.togl.models",
    "DeepSet": "topograph.togl.deepset",
    "Triangle": "topograph.togl.coordinates",
    "Gaussian": "topograph.togl.coordinates",
    "Line": "topograph.togl.coordinates",
    "RationalHat": "topograph.togl.coordinates",
    "TrainConfig": "topograph.togl.train",
    "cross_validate": "topograph.togl.train",
    "train_fold": "topograph.togl.train",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'topograph.togl' has no attribute {name!r}")
