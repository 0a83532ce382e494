"""DECT: a fast, memory-lean differentiable Euler characteristic transform.

``topograph.ect`` is both this package and a function: ``topograph.ect(x, directions)``
calls :func:`topograph.ect.transform.ect`. Images are ``[B, resolution, T]``
(sample, threshold, direction) everywhere.
"""
from __future__ import annotations

import importlib
import sys
import types
from typing import Any

from topograph.ect.directions import (
    LearnableDirections,
    circle_directions,
    random_directions,
    sphere_directions,
)
from topograph.ect.transform import ect, thresholds

_LAZY = {
    "ECTLayer": "topograph.ect.layer",
    "ECTTransform": "topograph.ect.pyg_transform",
    "ECTClassifier": "topograph.ect.classifier",
}

__all__ = [
    "ect",
    "thresholds",
    "random_directions",
    "circle_directions",
    "sphere_directions",
    "LearnableDirections",
    *_LAZY,
]


class _CallableModule(types.ModuleType):
    """Module type whose instances forward calls to :func:`ect`."""

    def __call__(self, *args: Any, **kwargs: Any):
        return ect(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        if name in _LAZY:
            value = getattr(importlib.import_module(_LAZY[name]), name)
            setattr(self, name, value)
            return value
        raise AttributeError(f"module 'topograph.ect' has no attribute {name!r}")


sys.modules[__name__].__class__ = _CallableModule
