"""Keep shapes inside the ECT's threshold range: a range check and a unit-ball fit.

The ECT counts a simplex at threshold ``t`` once its height ``max <x, v>`` is at
or below ``t``. Thresholds stop at ``radius``, so a simplex higher than
``radius`` in some direction is never counted: the image is silently truncated
(its last row is no longer the Euler characteristic). :func:`check_height_range`
turns that into an :class:`ECTRangeWarning` naming the largest height, and
:func:`fit_to_unit_ball` is the explicit, per-sample, differentiable fix.
"""
from __future__ import annotations

import os
import sys
import warnings

import torch
from torch import Tensor

from topograph.core.validation import check_count, check_float

__all__ = ["ECTRangeWarning", "check_height_range", "check_height_range_once", "fit_to_unit_ball"]


class ECTRangeWarning(UserWarning):
    """Vertex heights fall outside ``[-radius, radius]``: the ECT image is truncated.

    Turn it into an error with ``warnings.simplefilter("error", ECTRangeWarning)``.
    """


_HERE = os.path.dirname(os.path.abspath(__file__))
_TORCH_NN = os.path.dirname(os.path.abspath(torch.nn.modules.module.__file__))


def _user_stacklevel() -> int:
    """Stack level of the first frame outside this package and torch.nn (the user's call)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.dirname(os.path.abspath(frame.f_code.co_filename)) in (_HERE, _TORCH_NN):
        frame, level = frame.f_back, level + 1
    return level


def check_height_range(heights: Tensor, radius: float) -> float | None:
    """Warn once (one :class:`ECTRangeWarning` for the whole call) if ``|heights| > radius``.

    ``heights`` is ``[N, T]`` (vertex, direction). Returns the largest absolute
    height when it is outside the range, else ``None``. Costs one reduction and
    one host synchronisation (free on the CPU; on CUDA pass ``validate=False`` to
    the ECT to skip it in a tight loop once the data is known to fit).
    """
    if heights.numel() == 0:
        return None
    hmax = float(heights.detach().abs().amax())  # the one host sync
    if not hmax > radius:
        return None
    warnings.warn(
        f"ECT vertex heights reach {hmax:.4g}, outside the threshold range [-{radius:g}, {radius:g}]: "
        f"simplices higher than {radius:g} are never counted, so the image is truncated (its last "
        "row is not the Euler characteristic). Fit each shape into the ball first "
        "(topograph.ect.fit_to_unit_ball(x, batch), the FitToUnitBall transform, or "
        f"mesh_to_data(mesh, fit_to_unit_ball=True)), or set radius >= {hmax:.4g}. "
        "validate=False skips this check.",
        ECTRangeWarning, stacklevel=_user_stacklevel())
    return hmax


def check_height_range_once(owner: object, x: object, directions: Tensor, radius: float) -> None:
    """:func:`check_height_range` for a layer or transform: warns at most once per ``owner``.

    A training loop or a data set pipeline then gets one warning, not one per
    step or sample; after it, the check (and its host sync) is skipped. Inputs
    that the ECT would reject are left to the ECT's own errors.
    """
    if getattr(owner, "_range_warned", False):
        return
    if not (isinstance(x, Tensor) and x.is_floating_point() and x.dim() == 2
            and x.shape[1] == directions.shape[-1] and x.shape[0]):
        return
    with torch.no_grad():
        heights = x @ directions.to(x.dtype).T
    if check_height_range(heights, float(radius)) is not None:
        owner._range_warned = True  # type: ignore[attr-defined]


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
