"""scikit-learn's offline 8x8 ``digits`` as 2-D point clouds of lit pixels, or as grid graphs.

Pixel (row, col) becomes the point ``((col - 3.5), (3.5 - row)) / 5`` so every
digit lies in the unit disc (upright, x to the right). Nothing is downloaded.
"""
from __future__ import annotations

import numpy as np
import torch
from torch_geometric.data import Data

from topograph.data.images import load_digits

__all__ = ["digits_point_clouds", "digits_grid_graphs"]


def _grid_edges(mask: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """4-neighbour edges between lit pixels (as point indices), shape [2, E]."""
    edges = []
    for dr, dc in ((0, 1), (1, 0)):
        a = mask[: mask.shape[0] - dr, : mask.shape[1] - dc] & mask[dr:, dc:]
        r, c = np.nonzero(a)
        edges.append(np.stack([ids[r, c], ids[r + dr, c + dc]]))
    return np.concatenate(edges, axis=1)


def _digits(threshold: float, graph: bool, jitter: float, seed: int, limit: int | None) -> list[Data]:
    if not 0 <= threshold < 1:  # also rejects NaN
        raise ValueError(f"threshold must be in [0, 1) (pixel intensities are in [0, 1]), got {threshold!r}; "
                         "with threshold >= 1 every point cloud would be empty")
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be None or >= 1, got {limit}")
    if not np.isfinite(jitter) or jitter < 0:
        raise ValueError(f"jitter must be a finite number >= 0, got {jitter!r}")
    X, labels = load_digits()  # the one digits loader (flat [1797, 64] in [0, 1])
    images = X.reshape(len(X), 8, 8)
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    rng = np.random.default_rng(seed)
    out = []
    for img, y in zip(images, labels):
        mask = img > threshold
        r, c = np.nonzero(mask)
        pos = np.stack([c - 3.5, 3.5 - r], axis=1) / 5.0
        if jitter:
            pos = pos + jitter * rng.standard_normal(pos.shape)
        data = Data(pos=torch.as_tensor(pos, dtype=torch.float32), y=torch.tensor([int(y)]))
        if graph:
            ids = np.full(mask.shape, -1)
            ids[r, c] = np.arange(len(r))
            data.edge_index = torch.as_tensor(_grid_edges(mask, ids), dtype=torch.long)
        out.append(data)
    return out


def digits_point_clouds(
    threshold: float = 0.5, *, jitter: float = 0.0, seed: int = 0, limit: int | None = None
) -> list[Data]:
    """The 1797 digits as point clouds (``pos [n, 2]``) of pixels brighter than ``threshold`` (in [0, 1])."""
    return _digits(threshold, False, jitter, seed, limit)


def digits_grid_graphs(
    threshold: float = 0.5, *, jitter: float = 0.0, seed: int = 0, limit: int | None = None
) -> list[Data]:
    """The digits as graphs: lit pixels joined to their lit 4-neighbours (``pos``, ``edge_index``)."""
    return _digits(threshold, True, jitter, seed, limit)
