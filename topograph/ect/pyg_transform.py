"""ECTTransform: precompute ECT images as a PyTorch Geometric transform."""
from __future__ import annotations

import torch
from torch import Tensor
from torch_geometric.data import Data
from torch_geometric.transforms import BaseTransform

from topograph.ect._inputs import check_config
from topograph.ect._kernel import check_backend
from topograph.ect.directions import random_directions
from topograph.ect.fit import check_height_range_once, fit_to_unit_ball
from topograph.ect.layer import complex_from_data
from topograph.ect.transform import ect

__all__ = ["ECTTransform", "FitToUnitBall"]


class ECTTransform(BaseTransform):
    """Store the ECT of a ``Data`` object in ``data.ect`` with shape ``[1, resolution, T]``.

    The leading 1 lets PyG's collation stack images into ``[B, resolution, T]``.
    Uses ``pos`` (else ``x``), ``edge_index`` and ``face`` when present. Applied to a
    PyG ``Batch`` of B samples it stores ``[B, resolution, T]``, one image per sample.

    Args:
        directions: ``[T, d]`` directions (default: 64 seeded random ones in 3-D).
        resolution: number of thresholds, as in :func:`topograph.ect.ect`.
        radius: threshold range, as in :func:`topograph.ect.ect`.
        scale: ``None`` (exact ECT, the natural choice for precomputing) or a sigmoid scale.
        normalize: per-sample normalisation, as in :func:`topograph.ect.ect`.
        backend: ``"auto"``, ``"numba"``, ``"triton"`` or ``"torch"``, as in :func:`topograph.ect.ect`.
        validate: warn (``ECTRangeWarning``) when a vertex height leaves
            ``[-radius, radius]``, once per transform (one warning for a whole
            data set); put :class:`FitToUnitBall` before this transform to fit
            every shape into the ball.
    """

    def __init__(
        self,
        directions: Tensor | None = None,
        *,
        resolution: int = 64,
        radius: float = 1.0,
        scale: float | None = None,
        normalize: bool = False,
        validate: bool = True,
        backend: str = "auto",
    ) -> None:
        check_config(resolution, radius, scale)
        check_backend(backend)
        self.backend, self.validate = backend, validate
        self.directions = directions if directions is not None else random_directions(64, 3, seed=0)
        self.resolution, self.radius, self.scale, self.normalize = resolution, radius, scale, normalize

    def forward(self, data: Data) -> Data:
        kw = complex_from_data(data)  # a PyG Batch keeps its batch vector: one image per sample
        x = kw["x"]
        dirs = self.directions.to(device=x.device, dtype=x.dtype if x.dtype.is_floating_point else None)
        if self.validate:
            check_height_range_once(self, x, dirs, self.radius)
        with torch.no_grad():
            data.ect = ect(directions=dirs, resolution=self.resolution, radius=self.radius,
                           scale=self.scale, normalize=self.normalize, validate=False,
                           backend=self.backend, **kw)
        return data

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(num_directions={self.directions.shape[0]}, "
                f"resolution={self.resolution}, radius={self.radius}, scale={self.scale})")


class FitToUnitBall(BaseTransform):
    """Centre ``data.pos`` (else ``data.x``) and scale it into the ball of ``radius``.

    The per-sample fit of :func:`topograph.ect.fit_to_unit_ball` as a PyG
    transform, e.g. ``Compose([FitToUnitBall(), ECTTransform(...)])``. Unlike
    PyG's ``NormalizeScale`` (which fits the cube ``[-1, 1]^d``, whose corners lie
    at distance ``sqrt(d)``), every height ``<x, v>`` with a unit ``v`` then lies in
    ``[-radius, radius]``.
    """

    def __init__(self, radius: float = 1.0, *, margin: float = 1e-4) -> None:
        self.radius, self.margin = radius, margin

    def forward(self, data: Data) -> Data:
        key = "pos" if getattr(data, "pos", None) is not None else "x"
        if getattr(data, key, None) is None:
            raise ValueError("data has neither 'pos' nor 'x' coordinates to fit")
        batch = getattr(data, "batch", None)  # a PyG Batch: fit every sample on its own
        num = int(data.num_graphs) if batch is not None else None
        data[key] = fit_to_unit_ball(data[key], batch, num_samples=num, radius=self.radius,
                                     margin=self.margin)
        return data

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(radius={self.radius})"
