"""DECT: a fast, memory-lean differentiable Euler characteristic transform.

``topograph.ect`` is both this package and a function: ``topograph.ect(x, directions)``
calls :func:`topograph.ect.transform.ect`, and ``inspect.signature(topograph.ect)``
and ``help(topograph.ect)`` show that function's signature and docstring. Images
are ``[B, resolution, T]`` (sample, threshold, direction) everywhere. Shapes must
fit in ``[-radius, radius]`` (see :func:`fit_to_unit_ball`).
"""
from __future__ import annotations

import importlib
import inspect
import sys
import textwrap
import types
from typing import Any

from topograph._lazy import lazy_dir
from topograph.ect.directions import (
    LearnableDirections,
    circle_directions,
    random_directions,
    sphere_directions,
)
from topograph.ect.fit import ECTRangeWarning, fit_to_unit_ball
from topograph.ect.transform import ect, thresholds

_LAZY = {
    "ECTLayer": "topograph.ect.layer",
    "ECTTransform": "topograph.ect.pyg_transform",
    "FitToUnitBall": "topograph.ect.pyg_transform",
    "ECTClassifier": "topograph.ect.classifier",
    "DirectionPooling": "topograph.ect.pooling",
}

__all__ = [
    "ect",
    "thresholds",
    "fit_to_unit_ball",
    "ECTRangeWarning",
    "random_directions",
    "circle_directions",
    "sphere_directions",
    "LearnableDirections",
    *_LAZY,
]

# `topograph.ect(...)` is the function: its signature for inspect / IDEs, its
# docstring appended to the package's for help().
__signature__ = inspect.signature(ect)
__doc__ = (f"{__doc__}\ntopograph.ect{__signature__}\n\n"
           + textwrap.indent(inspect.cleandoc(ect.__doc__ or ""), "    ") + "\n")
__dir__ = lazy_dir(__name__, globals(), __all__)


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
