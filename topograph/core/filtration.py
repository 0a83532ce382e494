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


def pairwise_distances(points: Tensor, exact: bool | None = None) -> Tensor:
    """Euclidean distance matrices ``[..., n, n]`` of point clouds ``[..., n, d]``.

    ``exact=True`` sums coordinate differences (exact zeros on the diagonal and for
    duplicate points, best for low dimension); ``exact=False`` uses the matrix
    product form, several times faster for high-dimensional points (e.g. d=101)
    but only accurate to rounding. ``None`` picks exact for ``d <= 16``. Both give
    finite (zero) gradients at coincident points, and the diagonal is exactly 0.
    """
    if points.dtype in (torch.float16, torch.bfloat16):
        # cdist has no half-precision CPU kernel: compute in float32, return the input dtype
        return pairwise_distances(points.float(), exact).to(points.dtype)
    if exact is None:
        exact = points.shape[-1] <= 16
    mode = "donot_use_mm_for_euclid_dist" if exact else "use_mm_for_euclid_dist"
    dist = torch.cdist(points, points, compute_mode=mode)
    if not exact:
        n = points.shape[-2]
        eye = torch.eye(n, dtype=torch.bool, device=points.device)
        dist = dist.masked_fill(eye, 0.0)
    return dist


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
