"""Persistence images and landscapes of batches of diagrams (equal to gudhi.representations).

Both are computed for the whole batch at once from the padded ``[B, M, 2]`` rows;
padding rows are masked out. Essential points are dropped by default
(``essential="drop"``; gudhi has no convention for them, its users drop them with
``DiagramSelector``) or capped with a float.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import Tensor

from topograph.core.kernels import configure_numba
from topograph.diagrams._inputs import (
    DiagramLike,
    EssentialMode,
    check_essential_mode,
    to_padded,
)
from topograph.diagrams._landscape import landscape_values


def _check_resolution(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    return value


def _check_range(r: object, n: int, name: str) -> tuple:
    if not isinstance(r, (list, tuple)) or len(r) != n:
        raise ValueError(f"{name} must be a list or tuple of {n} floats, got {r!r}")
    vals = tuple(float(v) for v in r)
    if any(not math.isfinite(v) for v in vals):
        raise ValueError(f"{name} must be finite, got {r!r}")
    return vals


def persistence_image(
    diagrams: DiagramLike,
    *,
    resolution: Sequence[int] = (20, 20),
    bandwidth: float = 1.0,
    im_range: Sequence[float] | None = None,
    weight: Callable[[Tensor], Tensor] | None = None,
    essential: EssentialMode = "drop",
    validate: bool = True,
) -> Tensor:
    """Persistence images (Adams et al., JMLR 2017), as ``gudhi.representations.PersistenceImage``.

    Every point (b, d) becomes (b, p = d - b) and contributes
    ``w(b, p) * exp(-((x - b)^2 + (y - p)^2) / (2 bandwidth^2)) / (2 pi bandwidth^2)``
    at the pixel centres ``x = linspace(xmin, xmax, resolution[0])`` (birth axis) and
    ``y = linspace(ymin, ymax, resolution[1])`` (persistence axis).

    Args:
        diagrams: a Diagram, a ``[m, 2]`` tensor or a list of them.
        resolution: ``(nx, ny)`` pixels along birth and persistence, as gudhi's.
        bandwidth: the Gaussian's standard deviation.
        im_range: ``(xmin, xmax, ymin, ymax)``; ``None``: the smallest and largest birth
            and persistence over the whole batch (what gudhi's ``fit`` does).
        weight: a function of ``[..., 2]`` (birth, persistence) tensors returning
            ``[...]`` weights (gudhi's default: 1; Adams et al. use a ramp in persistence).
        essential: ``"drop"``, a float cap for essential deaths, or ``"as_is"``
            (a Diagram's own finite essential deaths, e.g. ``essential_death="max"``).
        validate: check the inputs.

    Returns:
        ``[*batch, ny, nx]`` images (rows = persistence, columns = birth);
        ``image.reshape(*batch, -1)`` equals gudhi's flattened vector.
    """
    check_essential_mode(essential, ("drop", "as_is"))
    if not isinstance(resolution, (list, tuple)) or len(resolution) != 2:
        raise ValueError(f"resolution must be a pair (nx, ny), got {resolution!r}")
    nx, ny = (_check_resolution(r, "resolution") for r in resolution)
    if not (isinstance(bandwidth, (int, float)) and bandwidth > 0):
        raise ValueError(f"bandwidth must be a positive float, got {bandwidth!r}")
    pad = to_padded(diagrams, essential=essential, validate=validate, name="diagrams")
    b = pad.points[..., 0]
    p = pad.points[..., 1] - b
    if im_range is None:
        if not bool(pad.mask.any()):
            raise ValueError("every diagram is empty: pass im_range=(xmin, xmax, ymin, ymax)")
        with torch.no_grad():
            bm, pm = b[pad.mask], p[pad.mask]
            im_range = (float(bm.min()), float(bm.max()), float(pm.min()), float(pm.max()))
    x0, x1, y0, y1 = _check_range(im_range, 4, "im_range")
    xs = torch.from_numpy(np.linspace(x0, x1, nx)).to(b.device, b.dtype)
    ys = torch.from_numpy(np.linspace(y0, y1, ny)).to(b.device, b.dtype)
    s2 = 2.0 * bandwidth ** 2
    if weight is None:
        w = pad.mask.to(b.dtype) / (math.pi * s2)
    else:
        w = weight(torch.stack([b, p], -1))
        w = torch.where(pad.mask, w, torch.zeros_like(w)) / (math.pi * s2)
    img = torch.cat([_separable_image(b[i:i + _CHUNK], p[i:i + _CHUNK], w[i:i + _CHUNK], xs, ys, s2)
                     for i in range(0, max(pad.size, 1), _CHUNK)], 0)
    return img.reshape(*pad.shape, ny, nx)


# Diagrams per batched product: the [chunk, M, nx] temporaries stay in cache (one
# [1024, 100, 20] float64 temporary is 16 MB; chunks are ~2.5x faster overall), and for
# M = 100 a chunk of 16 stays under torch's parallel grain (32768 elements), so no chunk
# pays a thread synchronisation (with 2 threads on a busy machine, chunks of 32 took 60x
# longer).
_CHUNK = 16


def _separable_image(b: Tensor, p: Tensor, w: Tensor, xs: Tensor, ys: Tensor, s2: float) -> Tensor:
    """The Gaussian is separable: image[i, j] = sum over points of w gy[point, i] gx[point, j],
    one batched matrix product ``[C, ny, M] @ [C, M, nx]``. Squares and exps run in
    place (autograd-safe: square saves its input, a scalar division saves nothing,
    exp saves its own output)."""
    gx = torch.square(b.unsqueeze(-1) - xs).div_(-s2).exp_()  # [C, M, nx]
    gy = torch.square(p.unsqueeze(-1) - ys).div_(-s2).exp_()  # [C, M, ny]
    return torch.bmm((gy * w.unsqueeze(-1)).transpose(1, 2), gx)  # [C, ny, nx]


def landscape_grid(lo: float, hi: float, resolution: int, auto: bool, keep_endpoints: bool,
                   like: Tensor) -> Tensor:
    """gudhi's sample grid: ``linspace(lo, hi, resolution)``; for a range computed from
    the data (``auto``) two more points whose end points are then dropped, unless
    ``keep_endpoints``."""
    # numpy's linspace, not torch's: the grid values are bit-identical to gudhi's.
    if auto and not keep_endpoints:
        grid = np.linspace(lo, hi, resolution + 2)[1:-1]
    else:
        grid = np.linspace(lo, hi, resolution)
    return torch.from_numpy(grid).to(like.device, like.dtype)


def auto_range(points: Tensor, mask: Tensor) -> tuple[float, float]:
    """(smallest birth, largest finite death) over a padded batch (gudhi's ``fit``)."""
    with torch.no_grad():
        d = points[..., 1]
        fin = mask & torch.isfinite(d)
        if not bool(mask.any()):
            raise ValueError("every diagram is empty: pass sample_range=(lo, hi)")
        lo = float(points[..., 0][mask].min())
        hi = float(d[fin].max()) if bool(fin.any()) else lo
        return lo, hi


def persistence_landscape(
    diagrams: DiagramLike,
    *,
    num_landscapes: int = 5,
    resolution: int = 100,
    sample_range: Sequence[float] | None = None,
    keep_endpoints: bool = False,
    essential: EssentialMode = "drop",
    validate: bool = True,
) -> Tensor:
    """Persistence landscapes (Bubenik, JMLR 2015), as ``gudhi.representations.Landscape``.

    ``lambda_k(x)`` is the k-th largest tent ``max(0, (d - b) / 2 - |x - (b + d) / 2|)``,
    multiplied by ``sqrt(2)`` as gudhi does (the tents measured along the diagonal).

    Args:
        diagrams: a Diagram, a ``[m, 2]`` tensor or a list of them.
        num_landscapes: how many landscapes (zeros where a diagram has fewer points).
        resolution: number of samples per landscape.
        sample_range: ``(lo, hi)``: ``linspace(lo, hi, resolution)``. ``None``: the
            smallest birth and largest death over the batch, sampled at ``resolution``
            inner points of ``linspace(lo, hi, resolution + 2)`` (gudhi's ``fit``);
            ``keep_endpoints=True`` keeps the ends instead.
        essential: ``"drop"``, a float cap for essential deaths, or ``"as_is"``
            (a Diagram's own finite essential deaths, e.g. ``essential_death="max"``).
        validate: check the inputs.

    Returns:
        ``[*batch, num_landscapes, resolution]``; ``reshape(*batch, -1)`` equals gudhi's vector.
    """
    check_essential_mode(essential, ("drop", "as_is"))
    K = _check_resolution(num_landscapes, "num_landscapes")
    R = _check_resolution(resolution, "resolution")
    pad = to_padded(diagrams, essential=essential, validate=validate, name="diagrams")
    auto = sample_range is None
    lo, hi = auto_range(pad.points, pad.mask) if auto else _check_range(sample_range, 2, "sample_range")
    xs = landscape_grid(lo, hi, R, auto, keep_endpoints, pad.points)
    # Which point gives each value: computed without gradient (numba), then gathered.
    configure_numba()
    grad = torch.is_grad_enabled() and pad.points.requires_grad
    want_idx = grad or pad.points.dtype != torch.float64
    val, idx = landscape_values(pad.points.detach().cpu().double().contiguous().numpy(),
                                pad.mask.sum(1).cpu().numpy(), xs.detach().cpu().double().numpy(),
                                K, want_idx)
    if not want_idx:
        # No gradient needed: the kernel's values (same float operations as the gather below).
        return torch.from_numpy(val).to(pad.points.device).reshape(*pad.shape, K, R)
    mid = pad.points.sum(-1) / 2
    half = (pad.points[..., 1] - pad.points[..., 0]) / 2
    idx = torch.from_numpy(idx).to(mid.device).reshape(pad.size, K * R)
    hit = idx >= 0
    i = idx.clamp_min(0)
    m = mid.gather(1, i) if mid.shape[1] else torch.zeros_like(idx, dtype=mid.dtype)
    h = half.gather(1, i) if mid.shape[1] else torch.zeros_like(idx, dtype=mid.dtype)
    top = torch.where(hit, (h - (xs.repeat(K) - m).abs()).clamp_min(0), torch.zeros_like(m))
    return (math.sqrt(2.0) * top).reshape(*pad.shape, K, R)
