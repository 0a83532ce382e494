"""ECTTransform: precompute ECT images as a PyTorch Geometric transform."""
from __future__ import annotations

import torch
from torch import Tensor
from torch_geometric.data import Data
from torch_geometric.transforms import BaseTransform

from topograph.ect._inputs import check_config
from topograph.ect._kernel import check_backend
from topograph.ect.directions import random_directions
from topograph.ect.layer import complex_from_data
from topograph.ect.transform import ect

__all__ = ["ECTTransform"]


class ECTTransform(BaseTransform):
    """Store the ECT of a ``Data`` object in ``data.ect`` with shape ``[1, resolution, T]``.

    The leading 1 lets PyG's collation stack images into ``[B, resolution, T]``.
    Uses ``pos`` (else ``x``), ``edge_index`` and ``face`` when present.

    Args:
        directions: ``[T, d]`` directions (default: 64 seeded random ones in 3-D).
        resolution: number of thresholds, as in :func:`topograph.ect.ect`.
        radius: threshold range, as in :func:`topograph.ect.ect`.
        scale: ``None`` (exact ECT, the natural choice for precomputing) or a sigmoid scale.
        normalize: per-sample normalisation, as in :func:`topograph.ect.ect`.
        backend: ``"auto"``, ``"numba"`` or ``"torch"``, as in :func:`topograph.ect.ect`.
    """

    def __init__(
        self,
        directions: Tensor | None = None,
        *,
        resolution: int = 64,
        radius: float = 1.0,
        scale: float | None = None,
        normalize: bool = False,
        backend: str = "auto",
    ) -> None:
        check_config(resolution, radius, scale)
        check_backend(backend)
        self.backend = backend
        self.directions = directions if directions is not None else random_directions(64, 3, seed=0)
        self.resolution, self.radius, self.scale, self.normalize = resolution, radius, scale, normalize

    def forward(self, data: Data) -> Data:
        kw = complex_from_data(data)
        kw.pop("batch", None), kw.pop("num_samples", None)
        x = kw["x"]
        dirs = self.directions.to(device=x.device, dtype=x.dtype if x.dtype.is_floating_point else None)
        with torch.no_grad():
            data.ect = ect(directions=dirs, resolution=self.resolution, radius=self.radius,
                           scale=self.scale, normalize=self.normalize, backend=self.backend, **kw)
        return data

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(num_directions={self.directions.shape[0]}, "
                f"resolution={self.resolution}, radius={self.radius}, scale={self.scale})")
