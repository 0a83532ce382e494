"""Persistence diagrams as batched tensors: distances and vectorisations.

Every function takes a :class:`~topograph.core.diagram.Diagram`, a ``[m, 2]``
(birth, death) tensor, or a list of them (a batch), and returns a tensor shaped
like that batch (``[]``, ``[B]`` or ``[num_samples, k]``, then the feature axes).
Values match gudhi's (``gudhi.wasserstein``, ``gudhi.bottleneck_distance``,
``gudhi.representations``); see ``docs/diagrams.md`` for the conventions.
"""
from __future__ import annotations

from topograph._lazy import lazy_getattr

_EXPORTS = {
    "wasserstein_distance": "topograph.diagrams.distances",
    "bottleneck_distance": "topograph.diagrams.distances",
    "sliced_wasserstein": "topograph.diagrams.sliced",
    "persistence_image": "topograph.diagrams.vectorize",
    "persistence_landscape": "topograph.diagrams.vectorize",
    "betti_curve": "topograph.diagrams.curves",
    "euler_curve": "topograph.diagrams.curves",
    "total_persistence": "topograph.diagrams.curves",
    "DiagramMatchingLoss": "topograph.diagrams.losses",
    "PersistenceShapingLoss": "topograph.diagrams.losses",
}

__all__ = sorted(_EXPORTS)

__getattr__ = lazy_getattr(__name__, _EXPORTS)
