"""Filtrations: lower-star extension of vertex values and Rips distances.

Both are plain differentiable tensor functions; pairings later pick entries of
these tensors by index, which is how gradients are routed.
"""
from __future__ import annotations

import torch
from torch import Tensor


def lower_star(values: Tensor, simplices: Tensor) -> Tensor:
    """Value of every simplex = max of its vertices' values (lower-star filtration).

    Args:
        values: ``[N]`` or ``[N, k]`` vertex values (k filtrations at once).
        simplices: ``[q, S]`` vertex indices of S simplices with q vertices each.
    Returns:
        ``[S]`` or ``[S, k]``.
    """
    return values[simplices].amax(dim=0)


def lower_star_max(values: Tensor, simplices: Tensor) -> tuple[Tensor, Tensor]:
    """Lower-star value of every simplex and the vertex attaining it.

    The one definition of "height of a simplex = max over its vertices, gradient to
    the arg-max vertex": persistence gathers births and deaths from that vertex and
    the ECT sends a simplex's gradient to it.

    Args:
        values: ``[N, k]`` vertex values.
        simplices: ``[q, S]`` vertex indices.
    Returns:
        ``([S, k] values, [S, k] vertex ids)``; ties go to the first vertex of the
        simplex (the value, and so the gradient's size, is the same).
    """
    h, arg = values[simplices].max(dim=0)
    return h, simplices.T.gather(1, arg)


def lower_star_argmax(values: Tensor, simplices: Tensor, rank: Tensor) -> Tensor:
    """Index of the vertex that gives each simplex its value, ``[S, k]``.

    Ties are broken by ``rank`` (``[N, k]``, the vertex order used by the pairing),
    so the chosen vertex is the last of the simplex to enter the filtration.
    """
    best = simplices[0].unsqueeze(1).expand(-1, rank.shape[1])
    best_rank = rank[simplices[0]]
    for q in range(1, simplices.shape[0]):  # q <= 3: a select per vertex beats argmax
        r = rank[simplices[q]]
        later = r > best_rank
        best = torch.where(later, simplices[q].unsqueeze(1), best)
        best_rank = torch.where(later, r, best_rank)
    return best


def centred(points: Tensor) -> Tensor:
    """``points [..., n, d]`` minus each sample's mean point (distances are unchanged).

    The Gram form ``|x|^2 + |y|^2 - 2 <x, y>`` of a squared distance loses
    ``log2(|x|^2 / |x - y|^2)`` bits to cancellation: at an offset of 1000 times
    the spread, float32 keeps none. After centring, ``|x|`` is at most the
    sample's radius, so the error of every squared distance is a few units of
    rounding of the squared radius, wherever the sample lies. Subtracting the mean
    is exact where it matters (Sterbenz: ``x - m`` is exact when ``x`` and ``m``
    are within a factor 2 of each other, the case of a far-away sample).
    """
    return points - points.mean(dim=-2, keepdim=True)


def pairwise_distances(points: Tensor, exact: bool | None = None) -> Tensor:
    """Euclidean distance matrices ``[..., n, n]`` of point clouds ``[..., n, d]``.

    ``exact=True`` sums coordinate differences (exact zeros on the diagonal and for
    duplicate points, best for low dimension); ``exact=False`` uses the matrix
    product (Gram) form on the centred points (:func:`centred`), several times
    faster for high-dimensional points (e.g. d=101) and accurate to rounding of
    the sample's squared radius, whatever its offset from the origin. ``None``
    picks exact for ``d <= 16``. Both give finite (zero) gradients at coincident
    points; the result is symmetric by construction and its diagonal is exactly 0.
    """
    if points.dtype in (torch.float16, torch.bfloat16):
        # cdist has no half-precision CPU kernel: compute in float32, return the input dtype
        return pairwise_distances(points.float(), exact).to(points.dtype)
    if exact is None:
        exact = points.shape[-1] <= 16
    if exact:
        return torch.cdist(points, points, compute_mode="donot_use_mm_for_euclid_dist")
    pc = centred(points)
    dist = torch.cdist(pc, pc, compute_mode="use_mm_for_euclid_dist")
    dist = 0.5 * (dist + dist.transpose(-1, -2))  # the BLAS product need not be symmetric
    n = points.shape[-2]
    eye = torch.eye(n, dtype=torch.bool, device=points.device)
    return dist.masked_fill(eye, 0.0)


def edge_lengths(points: Tensor, edges: Tensor) -> Tensor:
    """Euclidean lengths ``[B, m]`` of edges ``[B, m, 2]`` of point clouds ``[B, n, d]``.

    Gathers only the paired coordinates (``index_select`` of whole rows; its
    backward is an ``index_add``), so forward and backward cost O(m d) instead of
    the O(n^2) of differentiating a full distance matrix. Coincident endpoints get
    length 0 and a zero (finite) gradient.
    """
    B, n, d = points.shape
    flat = edges + (torch.arange(B, device=edges.device) * n).view(B, 1, 1)
    i, j = flat.reshape(-1, 2).unbind(1)
    pts = points.reshape(B * n, d)
    diff = pts.index_select(0, i) - pts.index_select(0, j)
    return torch.linalg.vector_norm(diff, dim=-1).view(B, -1)
