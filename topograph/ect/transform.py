"""The (differentiable) Euler characteristic transform of point clouds, graphs and meshes.

Axis order, used everywhere in ``topograph.ect``: an ECT image is
``[B, resolution, T]`` = (sample, threshold, direction). Row ``r`` is the
threshold ``t_r`` (evenly spaced in ``[-radius, radius]``, increasing), column
``j`` is the direction ``directions[j]``.
"""
from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor

from topograph.core.complex import GraphBatch
from topograph.core.validation import check_allocation
from topograph.ect._inputs import check_config, check_image_size, prepare
from topograph.ect._kernel import check_backend, exact_ect, kernel_path, sigmoid_ect
from topograph.ect.fit import check_height_range

__all__ = ["ect", "thresholds", "simplex_groups"]


def thresholds(resolution: int, radius: float = 1.0, *, device=None, dtype=None) -> Tensor:
    """The ``resolution`` thresholds evenly spaced in ``[-radius, radius]`` (both ends included).

    Exactly symmetric: ``t[R - 1 - r] == -t[r]``, the ends are exactly ``+-radius`` and,
    for odd ``resolution``, the middle threshold is exactly 0 (``torch.linspace`` puts
    it at about -3e-8 in float32, so a vertex at height 0 would be counted one row
    late). Each ``t_r = (2r - (R - 1)) / (R - 1) * radius`` is computed in float64
    from an exact integer numerator, then converted to ``dtype``: every rounding
    step is symmetric under negation.
    """
    check_config(resolution, radius, None)
    check_allocation(16 * resolution, f"resolution={resolution} thresholds",
                     torch.device(device) if device is not None else torch.device("cpu"))
    num = 2 * torch.arange(resolution, dtype=torch.float64) - (resolution - 1)
    t = num / (resolution - 1) * float(radius)  # ends: exactly +-1 times radius
    return t.to(device=device, dtype=dtype if dtype is not None else torch.get_default_dtype())


def simplex_groups(cx: GraphBatch) -> list[tuple[Tensor, Tensor, float]]:
    """Groups (simplices [S, q] as vertex ids, sample id [S], sign (-1)^dim) of the complex.

    Every dimension the complex holds counts (vertices, edges, triangles,
    tetrahedra, ...). A simplex's height in direction v is the max of its
    vertices' heights ``x @ v`` (:func:`topograph.core.filtration.lower_star`); the
    kernels compute it on the fly from the vertex heights.
    """
    return [(s.T.contiguous(), cx.batch[s[0]], -1.0 if d % 2 else 1.0) for d, s in cx.groups()]


def ect(
    x: Tensor,
    directions: Tensor,
    *,
    edge_index: Tensor | None = None,
    faces: Tensor | None = None,
    simplices: Sequence[Tensor] | None = None,
    batch: Tensor | None = None,
    num_samples: int | None = None,
    complex: GraphBatch | None = None,
    resolution: int = 64,
    radius: float = 1.0,
    scale: float | None = None,
    normalize: bool = False,
    validate: bool = True,
    backend: str = "auto",
) -> Tensor:
    """Euler characteristic transform, one image ``[resolution, T]`` per sample.

    ``ECT[b, r, j] = sum over simplices s of sample b of (-1)^dim(s) * step(t_r - h_s(v_j))``
    with ``h_s(v) = max over the vertices of s of <x, v>`` and ``step(u) = [u >= 0]``
    (a simplex counts once its height is at or below the threshold).

    Args:
        x: ``[N, d]`` float vertex coordinates (all samples stacked).
        directions: ``[T, d]``, one direction per row (used as given; unit rows
            are usual, see :mod:`topograph.ect.directions`).
        edge_index: optional ``[2, E]`` edges, any orientation; duplicates and
            self-loops are removed.
        faces: optional ``[3, F]`` triangles; their edges are added to the complex
            (duplicates and degenerate triangles with a repeated vertex are dropped).
        simplices: optional higher simplices, ``[d + 1, S]`` tensors with d >= 3
            (e.g. tetrahedra ``[4, S]``); their faces are added; they count with
            sign ``(-1)^d``.
        batch: optional ``[N]`` PyG-style sample id of each vertex.
        num_samples: number of samples B; pass it with ``batch`` to avoid a host sync.
        complex: a prepared :class:`~topograph.core.complex.GraphBatch` instead of
            ``edge_index`` / ``faces`` / ``simplices`` / ``batch``.
        resolution: number of thresholds R (>= 2), evenly spaced in ``[-radius, radius]``.
        radius: threshold range; shapes should fit in the ball of this radius.
        scale: ``None`` for the exact ECT (no gradient); a positive number replaces
            the step by ``sigmoid(scale * u)``, differentiable w.r.t. ``x`` and
            ``directions``. Equal to the dense formula to float precision, but never
            builds the ``[R, S, T]`` tensor (see :mod:`topograph.ect._kernel`).
        normalize: divide each sample's image by its own max absolute value.
        validate: warn (:class:`~topograph.ect.fit.ECTRangeWarning`, once per call,
            naming the largest height) when a vertex height falls outside
            ``[-radius, radius]``: simplices above ``radius`` are never counted, so
            the image would be silently truncated. Fit shapes first with
            :func:`~topograph.ect.fit.fit_to_unit_ball`. The check costs one host
            sync on CUDA; ``validate=False`` skips it.
        backend: ``"auto"`` (numba kernels for CPU float32 / float64, Triton kernels
            for CUDA float32 / float64 when Triton is installed, torch otherwise),
            ``"numba"``, ``"triton"`` or ``"torch"`` (also on the CPU).

    Returns:
        ``[B, resolution, T]`` tensor (sample, threshold, direction), dtype of ``x``.
    """
    check_config(resolution, radius, scale)
    check_backend(backend)
    x, dirs, cx = prepare(x, directions, edge_index, faces, batch, num_samples, simplices, complex)
    check_image_size(cx.num_samples, resolution, dirs.shape[0], x.dtype, x.device)
    if 2.0 * float(radius) > torch.finfo(x.dtype).max:
        raise ValueError(f"radius={radius!r} is too large for {x.dtype}: the threshold range "
                         "[-radius, radius] overflows; rescale the shapes or use float64")
    # float16 / bfloat16 inputs are worked in float32 (heights and counts): a half-precision
    # sum stops counting exactly at 2^8 (bfloat16) or 2^11 (float16) simplices, and
    # half-precision heights move vertices across thresholds
    work = x.dtype if x.dtype in (torch.float32, torch.float64) else torch.float32
    thr = thresholds(resolution, radius, device=x.device, dtype=work)
    if x.shape[0] == 0:
        img = x.new_zeros(cx.num_samples, resolution, dirs.shape[0])
    else:
        with torch.set_grad_enabled(scale is not None and torch.is_grad_enabled()):
            hv = x.to(work) @ dirs.to(work).T
        if validate:
            check_height_range(hv, float(radius), x, dirs)
        path = kernel_path(backend, x)
        if scale is None:
            with torch.no_grad():
                img = exact_ect(hv, simplex_groups(cx), thr, cx.num_samples, path)
        else:
            img = sigmoid_ect(hv, simplex_groups(cx), thr, cx.num_samples, scale, radius, path)
        img = img.to(x.dtype)
    if normalize:
        img = img / img.abs().amax(dim=(1, 2), keepdim=True).clamp_min(torch.finfo(img.dtype).tiny)
    return img
