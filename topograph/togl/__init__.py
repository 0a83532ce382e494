"""TOGL: topological graph layer, coordinate functions, models, training and CLI.

Names are resolved lazily (``from topograph.togl import GraphClassifier``).
"""
from __future__ import annotations

from topograph._lazy import lazy_dir, lazy_getattr

_EXPORTS: dict[str, str] = {
    "TOGL": "topograph.togl.layer",
    "GraphClassifier": "topograph.togl.models",
    "DeepSet": "topograph.togl.deepset",
    "Triangle": "topograph.togl.coordinates",
    "Gaussian": "topograph.togl.coordinates",
    "Line": "topograph.togl.coordinates",
    "RationalHat": "topograph.togl.coordinates",
    "TOGLTrainConfig": "topograph.togl.train",
    "TrainConfig": "topograph.togl.train",  # deprecated name of TOGLTrainConfig
    "cross_validate": "topograph.togl.train",
    "train_fold": "topograph.togl.train",
}

__all__ = sorted(k for k in _EXPORTS if k != "TrainConfig")  # not the deprecated name


__getattr__ = lazy_getattr(__name__, _EXPORTS)
__dir__ = lazy_dir(__name__, globals(), __all__)
