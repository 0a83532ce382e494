"""Layers and losses: the one import path for trainable topological building blocks."""
from __future__ import annotations

from topograph._lazy import lazy_dir, lazy_getattr

_EXPORTS = {
    "TopologicalSignatureLoss": "topograph.topoae.loss",
    "TOGL": "topograph.togl.layer",
    "ECTLayer": "topograph.ect.layer",
    "DirectionPooling": "topograph.ect.pooling",
    "DiagramMatchingLoss": "topograph.diagrams.losses",
    "PersistenceShapingLoss": "topograph.diagrams.losses",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_getattr(__name__, _EXPORTS)
__dir__ = lazy_dir(__name__, globals(), __all__)
