"""Fit shapes into a ball, per sample: centring and scaling of batched coordinates.

Lives in the core so that data loaders (``topograph.data``) and the ECT share
one implementation; ``topograph.ect.fit_to_unit_ball`` re-exports it.
"""
from __future__ import annotations

import torch
from torch import Tensor

from topograph.core.validation import check_count, check_float

__all__ = ["fit_to_unit_ball"]


def fit_to_unit_ball(
    x: Tensor,
    batch: Tensor | None = None,
    *,
    num_samples: int | None = None,
    radius: float = 1.0,
    margin: float = 1e-4,
) -> Tensor:
    """Centre each sample and scale it so that its farthest vertex lies on the ball of ``radius``.

    ``x_b -> (x_b - mean(x_b)) * radius * (1 - margin) / max_i ||x_i - mean(x_b)||``,
    per sample ``b`` of the PyG-style ``batch`` vector. With unit directions every
    height ``<x, v>`` then lies in ``[-radius, radius]``, so the ECT with that
    ``radius`` sees the whole shape. ``margin`` keeps the farthest vertex a hair
    inside, so that float rounding of ``x @ v`` cannot push it past the last
    threshold. Differentiable (gradients flow through the mean and the max norm);
    a sample whose vertices all coincide is only centred (it becomes the origin).

    Args:
        x: ``[N, d]`` float vertex coordinates (all samples stacked).
        batch: optional ``[N]`` sample id of every vertex (default: one sample).
        num_samples: number of samples; pass it with ``batch`` to avoid a host sync.
        radius: target radius (use the ECT's ``radius``).
        margin: relative gap left between the farthest vertex and the sphere, in ``[0, 1)``.

    Returns:
        ``[N, d]`` coordinates, same dtype and device as ``x``.
    """
    check_float(x, "x")
    if x.dim() != 2:
        raise ValueError(f"x must have shape [N, d], got {tuple(x.shape)}")
    if not (isinstance(radius, (int, float)) and radius > 0 and radius < float("inf")):
        raise ValueError(f"radius must be a finite number > 0, got {radius!r}")
    if not (isinstance(margin, (int, float)) and 0 <= margin < 1):
        raise ValueError(f"margin must be a number in [0, 1), got {margin!r}")
    n = x.shape[0]
    if n == 0:
        return x.clone()
    if batch is None:
        centred = x - x.mean(dim=0, keepdim=True)
        norm = centred.norm(dim=1).amax()
        return centred * (radius * (1 - margin) / norm.clamp_min(torch.finfo(x.dtype).tiny))
    if batch.dim() != 1 or batch.shape[0] != n or batch.dtype.is_floating_point:
        raise ValueError(f"batch must be an integer vector with one sample id per vertex ({n}), "
                         f"got {batch.dtype} {tuple(batch.shape)}")
    batch = batch.long()
    b = int(batch.max()) + 1 if num_samples is None else check_count(num_samples, "num_samples", 1)
    count = torch.zeros(b, dtype=x.dtype, device=x.device).index_add_(
        0, batch, torch.ones(n, dtype=x.dtype, device=x.device)).clamp_min(1)
    mean = torch.zeros(b, x.shape[1], dtype=x.dtype, device=x.device).index_add(0, batch, x) / count[:, None]
    centred = x - mean.index_select(0, batch)
    norms = centred.norm(dim=1)
    top = torch.zeros(b, dtype=x.dtype, device=x.device).scatter_reduce(
        0, batch, norms, reduce="amax", include_self=False)
    factor = radius * (1 - margin) / top.clamp_min(torch.finfo(x.dtype).tiny)
    return centred * factor.index_select(0, batch)[:, None]
