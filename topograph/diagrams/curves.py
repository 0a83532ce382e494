"""Betti and Euler curves and total persistence of batches of diagrams.

The Betti curve of a diagram counts, at every grid value x, the points with
``birth <= x < death`` (``gudhi.representations.BettiCurve``'s convention).
Essential points (death +inf) are counted from their birth on
(``essential="keep"``, the default, as gudhi does with infinite deaths).
The Euler curve is the alternating sum of the Betti curves of the dimensions
0, 1, 2, ...: for a lower-star filtration by a height function, it is the Euler
characteristic curve, i.e. the Euler characteristic transform in one direction.
Curves are step functions of the diagram: their gradient is zero almost everywhere.
"""
from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor

from topograph.diagrams._inputs import (
    DiagramLike,
    EssentialMode,
    Padded,
    check_essential_mode,
    to_padded,
)
from topograph.diagrams.vectorize import _check_range, _check_resolution, auto_range, landscape_grid


def _grid(pads: Sequence[Padded], resolution: int, sample_range, grid, keep_endpoints) -> Tensor:
    like = pads[0].points
    if grid is not None:
        if not isinstance(grid, Tensor) or grid.dim() != 1:
            raise ValueError("grid must be a 1-d tensor of increasing values")
        return grid.to(like.dtype).to(like.device)
    R = _check_resolution(resolution, "resolution")
    if sample_range is None:
        pts = torch.cat([p.points.reshape(-1, 2) for p in pads])
        mask = torch.cat([p.mask.reshape(-1) for p in pads])
        lo, hi = auto_range(pts, mask)
        return landscape_grid(lo, hi, R, True, keep_endpoints, like)
    lo, hi = _check_range(sample_range, 2, "sample_range")
    return landscape_grid(lo, hi, R, False, keep_endpoints, like)


def _betti(pad: Padded, xs: Tensor) -> Tensor:
    b, d = pad.points[..., 0].detach(), pad.points[..., 1].detach()
    alive = (b[:, None, :] <= xs[:, None]) & (xs[:, None] < d[:, None, :]) & pad.mask[:, None, :]
    return alive.sum(-1).to(pad.points.dtype)  # [B, R]


def betti_curve(
    diagrams: DiagramLike,
    *,
    resolution: int = 100,
    sample_range: Sequence[float] | None = None,
    grid: Tensor | None = None,
    keep_endpoints: bool = False,
    essential: EssentialMode = "keep",
    validate: bool = True,
) -> Tensor:
    """Betti curves ``[*batch, R]`` on a grid, as ``gudhi.representations.BettiCurve``.

    The grid is ``grid`` if given, else ``linspace(*sample_range, resolution)``, else
    (``sample_range=None``) gudhi's automatic grid: ``resolution`` inner points of
    ``linspace(smallest birth, largest finite death, resolution + 2)`` over the batch.
    ``essential``: ``"keep"`` (count them forever), ``"drop"`` or a float cap.
    """
    check_essential_mode(essential, ("keep", "drop", "as_is"))
    pad = to_padded(diagrams, essential=essential, validate=validate, name="diagrams")
    xs = _grid([pad], resolution, sample_range, grid, keep_endpoints)
    return _betti(pad, xs).reshape(*pad.shape, xs.shape[0])


def euler_curve(
    diagrams_by_dim: Sequence[DiagramLike],
    *,
    resolution: int = 100,
    sample_range: Sequence[float] | None = None,
    grid: Tensor | None = None,
    keep_endpoints: bool = False,
    validate: bool = True,
) -> Tensor:
    """Euler characteristic curves ``sum_k (-1)^k betti_k``, ``[*batch, R]``.

    ``diagrams_by_dim[k]`` is the batch of dimension-k diagrams (all with the same
    batch shape); essential classes are counted (they are part of the homology).
    The grid is shared by all dimensions (computed from all of them when automatic).
    """
    if not isinstance(diagrams_by_dim, (list, tuple)) or not diagrams_by_dim:
        raise TypeError("diagrams_by_dim must be a non-empty list: the diagrams of "
                        "dimension 0, 1, ...")
    pads = [to_padded(d, essential="keep", validate=validate, name=f"diagrams_by_dim[{k}]")
            for k, d in enumerate(diagrams_by_dim)]
    for k, p in enumerate(pads[1:], 1):
        if p.shape != pads[0].shape:
            raise ValueError(f"diagrams_by_dim[{k}] has batch shape {p.shape} but "
                             f"diagrams_by_dim[0] has {pads[0].shape}")
    xs = _grid(pads, resolution, sample_range, grid, keep_endpoints)
    out = sum((-1) ** k * _betti(p, xs) for k, p in enumerate(pads))
    return out.reshape(*pads[0].shape, xs.shape[0])


def total_persistence(
    diagrams: DiagramLike,
    *,
    order: float = 1.0,
    essential: EssentialMode = "drop",
    validate: bool = True,
) -> Tensor:
    """``sum (death - birth)^order`` per diagram, ``[*batch]``, differentiable.

    Essential points are dropped (``"drop"``) or capped (a float); keeping them would
    make the sum infinite.
    """
    check_essential_mode(essential, ("drop", "as_is"))
    if isinstance(order, bool) or not isinstance(order, (int, float)) or not order > 0:
        raise ValueError(f"order must be a positive float, got {order!r}")
    pad = to_padded(diagrams, essential=essential, validate=validate, name="diagrams")
    pers = (pad.points[..., 1] - pad.points[..., 0]).clamp_min(0)
    pers = torch.where(pad.mask, pers, torch.zeros_like(pers))
    val = pers if order == 1 else torch.where(pers > 0, pers.clamp_min(1e-30) ** order,
                                             torch.zeros_like(pers))
    return val.sum(-1).reshape(pad.shape)
