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
    target = radius * (1 - margin)
    if batch is None:
        xs = x / _pow2_scale(x.detach().abs().amax())
        centred = xs - xs.mean(dim=0, keepdim=True)
        top = centred.norm(dim=1).amax()
        return centred * (target / torch.where(top > 0, top, torch.ones_like(top)))
    if batch.dim() != 1 or batch.shape[0] != n or batch.dtype.is_floating_point:
        raise ValueError(f"batch must be an integer vector with one sample id per vertex ({n}), "
                         f"got {batch.dtype} {tuple(batch.shape)}")
    batch = batch.long()
    if num_samples is None:
        b = int(batch.max()) + 1
    else:
        b = check_count(num_samples, "num_samples", 1)
    if num_samples is None or batch.device.type == "cpu":  # no extra host sync on an accelerator
        lo, hi = (int(v) for v in batch.aminmax())
        if lo < 0 or hi >= b:
            raise ValueError(f"batch ids must lie in [0, num_samples={b}), got ids from {lo} to {hi}; "
                             "pass num_samples > the largest id (or leave it None)")
    zeros = torch.zeros(b, dtype=x.dtype, device=x.device)
    # a power of two per sample: exact, and keeps squared norms of huge or tiny shapes finite and non-zero
    big = zeros.scatter_reduce(0, batch, x.detach().abs().amax(dim=1), reduce="amax", include_self=False)
    xs = x / _pow2_scale(big).index_select(0, batch)[:, None]
    count = zeros.index_add(0, batch, torch.ones(n, dtype=x.dtype, device=x.device)).clamp_min(1)
    mean = torch.zeros(b, x.shape[1], dtype=x.dtype, device=x.device).index_add(0, batch, xs) / count[:, None]
    centred = xs - mean.index_select(0, batch)
    top = zeros.scatter_reduce(0, batch, centred.norm(dim=1), reduce="amax", include_self=False)
    factor = target / torch.where(top > 0, top, torch.ones_like(top))  # coinciding vertices: only centred
    return centred * factor.index_select(0, batch)[:, None]


def _pow2_scale(m: Tensor) -> Tensor:
    """The power of two ``2^e >= m`` (elementwise; 1 where ``m`` is 0), in ``m``'s dtype."""
    return torch.ldexp(torch.ones_like(m), torch.frexp(m)[1])
