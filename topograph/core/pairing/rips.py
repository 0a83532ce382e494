"""Persistence pairing of Vietoris-Rips filtrations of point clouds (no gradients).

Dimension 0 of a Rips filtration is the minimum spanning tree: every MST edge
kills a component born at 0. Two backends give an MST of every distance matrix
in a batch ``[B, n, n]``:

* ``"numba"``: dense Prim, O(n^2) per sample with no edge sort (CPU fast path);
* ``"torch"``: dense Borůvka in ceil(log2 n) rounds of whole-batch tensor work,
  with a fixed number of operations and no host sync (the CUDA path, selectable
  on the CPU for testing).

Ties may give different (equally minimal) trees; the multiset of deaths is the same.
Dimension 1 uses giotto-ph on the CPU (``rips_dim1_pairs``): that path copies
the distance matrix to the host and loops over samples.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor

from topograph.core._deprecation import keyword_only
from topograph.core.filtration import centred, pairwise_distances
from topograph.core.kernels import kernel_float, numba_pairing, resolve, triton_kernels
from topograph.core.validation import check_float, check_has_data


@keyword_only(1, ("backend",))
def rips_pairs(dist: Tensor, *, backend: str = "auto") -> Tensor:
    """MST edges ``[B, n-1, 2]`` (or ``[n-1, 2]`` for a single ``[n, n]`` matrix).

    A low-level primitive: shapes and dtypes are checked, values are not (they must
    be finite; :func:`topograph.rips_persistence` validates them)."""
    check_float(dist, "dist")
    check_has_data(dist=dist)
    if dist.dim() not in (2, 3) or dist.shape[-1] != dist.shape[-2]:
        raise ValueError(f"dist must be [n, n] or [B, n, n], got {list(dist.shape)}")
    single = dist.dim() == 2
    d = dist.detach().unsqueeze(0) if single else dist.detach()
    kind = resolve(backend, d.device, extra=("torch",))
    with torch.no_grad():
        if kind == "numba":  # CPU kernel; other devices: one round trip
            host = np.ascontiguousarray(kernel_float(d).cpu().numpy())
            out = torch.from_numpy(numba_pairing().prim_kernel(host)[0]).to(d.device)
        elif kind == "triton":
            out = triton_kernels("rips").prim(d, from_points=False)[0]
        else:
            out = _boruvka(d)
    return out[0] if single else out


# Up to this dimension the numba kernel computes squared distances from the
# coordinates itself (as fast as the Gram route at d = 8, and O(n) memory);
# above it one BLAS product gives the Gram matrices, unless they would exceed
# GRAM_MAX_BYTES (then the coordinates again: slower, but no n x n memory).
POINTS_MAX_DIM = 8
GRAM_MAX_BYTES = 1 << 30


def batched_numpy(t: Tensor) -> np.ndarray:
    """C-contiguous numpy view (a copy only if ``t`` is not contiguous) of a CPU tensor
    ``[n, d]`` or ``[B, n, d]``, with a batch axis of 1 added to the former."""
    a = np.ascontiguousarray(t.numpy())
    return a if a.ndim == 3 else a[None]


def prim_operand(points: Tensor) -> tuple[np.ndarray, int]:
    """What the numba Prim (``_kernels.prim_sample``) reads for CPU clouds ``[B, n, d]``
    (or one cloud ``[n, d]``, returned with a batch axis of 1): the coordinates in low
    dimension (``d <= POINTS_MAX_DIM``) or when the Gram matrices would exceed
    ``GRAM_MAX_BYTES``, else Gram matrices ``x x^T`` of the centred points
    (:func:`topograph.core.filtration.centred`, so that the squared distances are
    accurate wherever the cloud lies) from one BLAS product, followed by the centred
    points (``[B, n, n + d]``: Prim recomputes the entries that cancel, so every
    squared distance is accurate to its own rounding); and the ``prim_sample`` kind."""
    pts = kernel_float(points.detach() if points.requires_grad else points)
    n = pts.shape[-2]
    gram_bytes = (pts.shape[0] if pts.dim() == 3 else 1) * n * (n + pts.shape[-1]) * pts.element_size()
    if pts.shape[-1] <= POINTS_MAX_DIM or gram_bytes > GRAM_MAX_BYTES:
        return batched_numpy(pts), 2
    pts = centred(pts if pts.dim() == 3 else pts[None])  # the Gram form cancels far from the origin
    buf = torch.empty(pts.shape[0], n, n + pts.shape[-1], dtype=pts.dtype)
    torch.bmm(pts, pts.transpose(1, 2), out=buf[..., :n])
    buf[..., n:] = pts  # [G | X]: entries that still cancel are recomputed from X
    return buf.numpy(), 1


def mst_numba(points: Tensor) -> tuple[np.ndarray, np.ndarray]:
    """CPU fast path of :func:`rips_pairs_from_points`: MST edges ``[B, n-1, 2]`` and
    farthest pairs ``[B, 2]`` of ``points [B, n, d]`` as int64 numpy arrays."""
    run_prim = numba_pairing().run_prim
    data, kind = prim_operand(points)
    n, d = points.shape[-2], points.shape[-1]
    return run_prim(data, kind, n * n * (max(d, 1) if kind == 2 else 1))


@keyword_only(1, ("backend", "return_farthest"))
def rips_pairs_from_points(points: Tensor, *, backend: str = "auto",
                           return_farthest: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """MST edges ``[B, n-1, 2]`` of point clouds ``[B, n, d]``.

    The numba backend runs Prim on squared distances computed a row at a time, from
    the operand :func:`prim_operand` chooses (coordinates, or Gram matrices from one
    batched BLAS product). The torch backend builds the distance matrices and runs
    Borůvka.
    With ``return_farthest`` also the farthest pair ``[B, 2]`` of each cloud (its
    diameter, e.g. for normalising distances), which Prim finds on the way.
    """
    check_float(points, "points")
    check_has_data(points=points)
    if points.dim() != 3:
        raise ValueError(f"points must be [B, n, d], got {list(points.shape)}")
    kind = resolve(backend, points.device, extra=("torch",))
    with torch.no_grad():
        if kind == "numba":  # CPU kernel; other devices: one round trip
            edges, far = mst_numba(points.detach().cpu())
            edges, far = torch.from_numpy(edges).to(points.device), torch.from_numpy(far).to(points.device)
        elif kind == "triton":
            edges, far = triton_kernels("rips").prim(points.detach(), from_points=True)
        else:
            d = pairwise_distances(points.detach())
            edges, far = _boruvka(d), farthest_pair(d)
    return (edges, far) if return_farthest else edges


def farthest_pair(dist: Tensor) -> Tensor:
    """Index pair ``[B, 2]`` of the largest entry of each matrix of ``dist [B, n, n]``.

    Row maxima first, then two argmaxes over ``n`` entries: cheaper than one argmax
    over ``n^2`` entries. (On the CPU, Prim finds this pair on the way.)
    """
    with torch.no_grad():
        i = dist.amax(dim=2).argmax(dim=1)  # [B]
        b = torch.arange(dist.shape[0], device=dist.device)
        j = dist[b, i].argmax(dim=1)
    return torch.stack([i, j], dim=-1)


def _boruvka(d: Tensor) -> Tensor:
    """MST edges ``[B, n-1, 2]`` of distance matrices ``d [B, n, n]`` (dense Borůvka).

    Correct for any input by construction: the matrices are made symmetric
    (``min(d, d^T)``: a BLAS product or a user matrix may differ from its transpose
    by rounding) and edges are totally ordered by ``(distance, min(i, j), max(i, j))``,
    so every component picks one well-defined lightest edge and hooking can only
    form mutual pairs (never a longer cycle), whatever the ties and duplicates.
    """
    B, n, _ = d.shape
    device = d.device
    out = torch.zeros((B, max(n - 1, 0), 2), dtype=torch.long, device=device)
    if n < 2:
        return out
    d = torch.minimum(d, d.transpose(1, 2))
    ar = torch.arange(n, device=device)
    # Unique edge keys break ties between equal distances: (distance, min(i,j), max(i,j)).
    eid = torch.minimum(ar[:, None], ar[None, :]) * n + torch.maximum(ar[:, None], ar[None, :])
    big = n * n
    label = ar.repeat(B, 1)  # component (root vertex) of every vertex
    count = torch.zeros(B, dtype=torch.long, device=device)  # MST edges found so far
    bidx = torch.arange(B, device=device)[:, None]
    rounds = max(1, math.ceil(math.log2(n)))
    inf = torch.tensor(float("inf"), dtype=d.dtype, device=device)
    for _ in range(rounds):
        inside = label[:, :, None] == label[:, None, :]
        dm = torch.where(inside, inf, d)
        row_min = dm.amin(dim=2)  # [B, n]
        comp_min = torch.full((B, n), float("inf"), dtype=d.dtype, device=device)
        comp_min = comp_min.scatter_reduce(1, label, row_min, reduce="amin")
        cand = (dm == comp_min.gather(1, label)[:, :, None]) & ~inside
        row_key = torch.where(cand, eid, big).amin(dim=2)  # [B, n]
        comp_key = torch.full((B, n), big, dtype=torch.long, device=device)
        comp_key = comp_key.scatter_reduce(1, label, row_key, reduce="amin")
        has = comp_key < big  # components (indexed by root) with an outgoing edge
        key = comp_key.clamp_max(big - 1)
        i, j = key // n, key % n
        li, lj = label.gather(1, i), label.gather(1, j)
        roots = ar[None, :]
        target = torch.where(li == roots, lj, li)  # component at the other end
        target = torch.where(has, target, roots)
        # Distinct keys: the hook graph has only mutual 2-cycles; the smaller root stays.
        mutual = target.gather(1, target) == roots
        hooks = has & ~(mutual & (roots < target))
        parent = torch.where(hooks, target, roots)
        # Record the hooking components' edges: slot = count + rank among this round's hooks.
        slot = count[:, None] + torch.cumsum(hooks.long(), 1) - 1
        slot = torch.where(hooks, slot, n - 1)  # n-1 = dump column
        buf = torch.zeros((B, n, 2), dtype=torch.long, device=device)
        buf[bidx, slot] = torch.stack([i, j], -1)
        out = torch.where(torch.arange(n - 1, device=device)[None, :, None] < count[:, None, None],
                          out, buf[:, : n - 1])
        count = count + hooks.long().sum(1)
        for _ in range(rounds):  # pointer jumping to the new roots
            parent = parent.gather(1, parent)
        label = parent.gather(1, label)
    return out


def rips_dim1_pairs(dist: Tensor) -> list[tuple[Tensor, Tensor]]:
    """Dimension-1 Rips pairs of each ``[n, n]`` matrix of ``dist [B, n, n]`` via giotto-ph.

    Returns, per sample, ``(birth_edges [m, 2], death_edges [m, 2])`` vertex indices on
    ``dist``'s device; essential classes (none for a full Rips complex) are dropped.
    CPU-bound: copies to the host and loops over samples.
    """
    from gph import ripser_parallel  # a dependency, imported on first use (slow to load)
    out = []
    host = dist.detach().to("cpu", torch.float64).numpy()
    for mat in host:
        res = ripser_parallel(mat, metric="precomputed", maxdim=1, return_generators=True)
        gens = res["gens"][1][0] if len(res["gens"][1]) else np.zeros((0, 4), dtype=np.int64)
        gens = np.asarray(gens, dtype=np.int64).reshape(-1, 4)
        g = torch.from_numpy(gens).to(dist.device)
        out.append((g[:, 0:2], g[:, 2:4]))
    return out
