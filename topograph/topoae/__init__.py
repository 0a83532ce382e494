"""Topological autoencoders (Moor, Horn, Rieck, Borgwardt, ICML 2020).

``TopologicalSignatureLoss`` (also ``topograph.nn``), autoencoder models, quality
measures (``topograph.topoae.metrics``) and training utilities.
"""
from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "TopologicalSignatureLoss": "topograph.topoae.loss",
    "MLPAutoencoder": "topograph.topoae.models",
    "LinearAutoencoder": "topograph.topoae.models",
    "TopologicallyRegularizedAutoencoder": "topograph.topoae.models",
    "spheres_autoencoder": "topograph.topoae.models",
    "image_autoencoder": "topograph.topoae.models",
    "quality_measures": "topograph.topoae.metrics",
    "train_autoencoder": "topograph.topoae.train",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'topograph.topoae' has no attribute {name!r}")
