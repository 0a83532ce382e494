"""Topological autoencoders (Moor, Horn, Rieck, Borgwardt, ICML 2020).

``TopologicalSignatureLoss`` (also ``topograph.nn``), autoencoder models, quality
measures (``from topograph.topoae import quality_measures``; see
``topograph.topoae.metrics`` for shapes and limits) and training utilities.
"""
from __future__ import annotations

from topograph._lazy import lazy_dir, lazy_getattr

_EXPORTS = {
    "TopologicalSignatureLoss": "topograph.topoae.loss",
    "MLPAutoencoder": "topograph.topoae.models",
    "LinearAutoencoder": "topograph.topoae.models",
    "TopologicallyRegularizedAutoencoder": "topograph.topoae.models",
    "spheres_autoencoder": "topograph.topoae.models",
    "image_autoencoder": "topograph.topoae.models",
    "quality_measures": "topograph.topoae.metrics",
    "kl_divergences": "topograph.topoae.metrics",
    "rank_measures": "topograph.topoae.metrics",
    "trustworthiness": "topograph.topoae.metrics",
    "continuity": "topograph.topoae.metrics",
    "distance_rmse": "topograph.topoae.metrics",
    "reconstruction_mse": "topograph.topoae.metrics",
    "train_autoencoder": "topograph.topoae.train",
    "TopoAETrainConfig": "topograph.topoae.train",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_getattr(__name__, _EXPORTS)
__dir__ = lazy_dir(__name__, globals(), __all__)
