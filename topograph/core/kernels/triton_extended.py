"""Triton kernel: extended persistence of lower-star filtrations of batched graphs (GPU path).

Maths (the contract of the numba kernel, :mod:`topograph.core.pairing._extended_kernels`,
index for index). Vertices are ranked by ``(value, index)``; every edge has an
earlier endpoint ``first`` and a later endpoint ``last`` in that order.

* Up sweep (edges by ``(rank of last, edge index)``): elder-rule union-find; an
  edge merging two components kills the younger: ordinary dim-0 pair
  ``(v, last)``. Alongside it, a maximum spanning forest with edge weights
  ``rank(first)``: an edge closing a cycle is an extended dim-1 pair, born at
  ``last`` and dying at the ``first`` vertex of the lightest forest edge on the
  path between its endpoints; if heavier than that edge it replaces it.
* Down sweep (edges by ``(-rank of first, edge index)``): the same union-find on
  superlevel sets, oldest = highest: relative dim-1 pairs ``(w, first)``.
* Every component's minimum (no ordinary death) pairs with its maximum (the root
  of the down sweep): extended dim-0 pair.

GPU layout (as :mod:`topograph.core.kernels.triton_graph`): torch ranks the
vertices of all ``k`` filtrations at once (one stable sort of ``[k, N]``) and
orders the edges of both sweeps with stable sorts of ``[k, E]`` (sweep key, then
graph id, so each graph's edges are contiguous); then one Triton program per
(graph, filtration) runs both sweeps, the forest (parent pointers re-rooted by
reversal, "evert") and the path queries in global scratch rows. Each program
touches only its own graph's vertices and edges, so programs never race; scalar
loads after stores to the same address are separated by ``tl.debug_barrier()``
(one warp per program). The launch count is fixed and nothing waits for the host.
"""
from __future__ import annotations

import torch
import triton
import triton.language as tl
from torch import Tensor

from topograph.core.kernels.triton_graph import _find, segments, vertex_rank


@triton.jit
def _evert(fparent, fweight, fvert, x, p, w, wv):
    """Re-root ``x``'s forest tree at ``x`` and hang it below ``p`` through an edge of
    weight ``w`` (a rank) realised by vertex ``wv`` (reverses the pointers up to the root)."""
    cur = x
    while cur >= 0:
        nxt = tl.load(fparent + cur)
        nw = tl.load(fweight + cur)
        nv = tl.load(fvert + cur)
        tl.store(fparent + cur, p)
        tl.store(fweight + cur, w)
        tl.store(fvert + cur, wv)
        tl.debug_barrier()
        p = cur
        w = nw
        wv = nv
        cur = nxt


@triton.jit
def _lca(fparent, mark, x, y, stamp):
    """Lowest common ancestor of ``x`` and ``y`` in one forest tree: walk up from both
    ends in turn, marking the trails (``stamp`` / ``stamp + 1``), until one meets the
    other's trail; O(path length)."""
    tl.store(mark + x, stamp)
    tl.store(mark + y, stamp + 1)
    tl.debug_barrier()
    a = x
    b = y
    lca = x * 0 - 1
    while lca < 0:
        pa = tl.load(fparent + a)
        if pa >= 0:
            a = pa
            if tl.load(mark + a) == stamp + 1:
                lca = a
            else:
                tl.store(mark + a, stamp)
                tl.debug_barrier()
        if lca < 0:
            pb = tl.load(fparent + b)
            if pb >= 0:
                b = pb
                if tl.load(mark + b) == stamp:
                    lca = b
                else:
                    tl.store(mark + b, stamp + 1)
                    tl.debug_barrier()
    return lca


@triton.jit
def _lightest(fparent, fweight, z, lca, best, node, side, this_side):
    """Walk the forest from ``z`` up to ``lca``; a strictly lighter edge than ``best``
    replaces ``(best, node, side)`` (its weight, its lower vertex, the side of the path)."""
    while z != lca:
        fw = tl.load(fweight + z)
        if fw < best:
            best = fw
            node = z
            side = z * 0 + this_side
        z = tl.load(fparent + z)
    return best, node, side


@triton.jit
def _extended_kernel(u_ptr, v_ptr, first_ptr, last_ptr, rank_ptr, up_ptr, down_ptr, eseg_ptr, vseg_ptr,
                     parent_ptr, size_ptr, fparent_ptr, fweight_ptr, fvert_ptr, mark_ptr, dparent_ptr,
                     up_death_ptr, down_death_ptr, comp_max_ptr, cyc_birth_ptr, cyc_death_ptr, N, E):
    g = tl.program_id(0)
    f = tl.program_id(1).to(tl.int64)
    rows = f * N
    erows = f * E
    rank = rank_ptr + rows
    parent = parent_ptr + rows
    size = size_ptr + rows
    fparent = fparent_ptr + rows
    fweight = fweight_ptr + rows
    fvert = fvert_ptr + rows
    mark = mark_ptr + rows
    dparent = dparent_ptr + rows
    up_death = up_death_ptr + rows
    first = first_ptr + erows
    last = last_ptr + erows
    start = tl.load(eseg_ptr + g)
    end = tl.load(eseg_ptr + g + 1)
    stamp = start * 0
    for t in range(start, end):  # up sweep
        e = tl.load(up_ptr + erows + t)
        x = tl.load(u_ptr + e)
        y = tl.load(v_ptr + e)
        fe = tl.load(first + e)
        le = tl.load(last + e)
        w = tl.load(rank + fe)
        a = _find(parent, x)
        b = _find(parent, y)
        if a != b:
            sa = tl.load(size + a)
            sb = tl.load(size + b)
            if sa < sb:  # re-root the smaller tree (fewer pointers to reverse)
                _evert(fparent, fweight, fvert, x, y, w, fe)
            else:
                _evert(fparent, fweight, fvert, y, x, w, fe)
            older = tl.load(rank + a) < tl.load(rank + b)  # union by age: roots are the oldest
            young = tl.where(older, b, a)
            old = tl.where(older, a, b)
            tl.store(up_death + young, le)
            tl.store(parent + young, old)
            tl.store(size + old, sa + sb)
            tl.debug_barrier()
        else:  # cycle edge: the lightest forest edge on the path x .. y gives the death
            stamp += 2
            lca = _lca(fparent, mark, x, y, stamp)
            best, node, side = _lightest(fparent, fweight, x, lca, stamp * 0 + N, x, x * 0, 0)
            best, node, side = _lightest(fparent, fweight, y, lca, best, node, side, 1)
            tl.store(cyc_birth_ptr + erows + e, le)
            tl.store(cyc_death_ptr + erows + e, tl.load(fvert + node))
            if w > best:  # swap: drop the lightest path edge, keep e in the forest
                tl.store(fparent + node, -1)
                tl.debug_barrier()
                if side == 0:
                    _evert(fparent, fweight, fvert, x, y, w, fe)
                else:
                    _evert(fparent, fweight, fvert, y, x, w, fe)
    for t in range(start, end):  # down sweep: superlevel union-find, oldest = highest rank
        e = tl.load(down_ptr + erows + t)
        a = _find(dparent, tl.load(u_ptr + e))
        b = _find(dparent, tl.load(v_ptr + e))
        if a != b:
            higher = tl.load(rank + a) > tl.load(rank + b)
            young = tl.where(higher, b, a)
            tl.store(down_death_ptr + rows + young, tl.load(first + e))
            tl.store(dparent + young, tl.where(higher, a, b))
            tl.debug_barrier()
    for m in range(tl.load(vseg_ptr + g), tl.load(vseg_ptr + g + 1)):  # component minimum -> maximum
        if tl.load(up_death + m) < 0:
            tl.store(comp_max_ptr + rows + m, _find(dparent, m))


def sweep_order(key: Tensor, edge_batch: Tensor) -> Tensor:
    """``[k, E]`` edges grouped by graph, each graph's in ``(key, edge index)`` order."""
    order = torch.sort(key, dim=1, stable=True).indices
    return order.gather(1, torch.sort(edge_batch[order], dim=1, stable=True).indices)


def extended_pairs(u: Tensor, v: Tensor, vertex_values: Tensor, batch: Tensor, edge_batch: Tensor,
                   num_samples: int) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """Extended persistence pairs of ``k`` lower-star filtrations (Triton; CUDA or the interpreter).

    Args:
        u, v: ``[E]`` int64 canonical edges, grouped by graph.
        vertex_values: ``[k, N]`` (only the order matters).
        batch: ``[N]`` sorted graph id of each vertex; edge_batch: ``[E]`` of each edge;
            num_samples: ``G``.
    Returns:
        The numba kernel's arrays as tensors (-1 where absent): ``up_death``,
        ``down_death``, ``comp_max`` ``[k, N]`` and ``cyc_birth``, ``cyc_death``
        ``[k, E]`` (vertex indices). On the inputs' device, no host synchronisation.
    """
    k, N = vertex_values.shape
    E = u.shape[0]
    device = u.device
    rank = vertex_rank(vertex_values).contiguous()

    def full(n, fill):
        return torch.full((k, n), fill, dtype=torch.long, device=device)

    up_death, down_death, comp_max = full(N, -1), full(N, -1), full(N, -1)
    cyc_birth, cyc_death = full(E, -1), full(E, -1)
    if not (k and num_samples):
        return up_death, down_death, comp_max, cyc_birth, cyc_death
    if E == 0:  # no edges: every vertex is its component's minimum and maximum
        ar = torch.arange(N, device=device).expand(k, N)
        return up_death, down_death, ar.contiguous(), cyc_birth, cyc_death
    ru, rv = rank[:, u], rank[:, v]
    first = torch.where(ru < rv, u, v).contiguous()
    last = torch.where(ru < rv, v, u).contiguous()
    up = sweep_order(torch.maximum(ru, rv), edge_batch).contiguous()
    down = sweep_order(-torch.minimum(ru, rv), edge_batch).contiguous()
    ident = torch.arange(N, device=device).repeat(k, 1)
    _extended_kernel[(num_samples, k)](
        u.contiguous(), v.contiguous(), first, last, rank, up, down, segments(edge_batch, num_samples),
        segments(batch, num_samples), ident, full(N, 1), full(N, -1), full(N, 0), full(N, 0), full(N, -1),
        ident.clone(), up_death, down_death, comp_max, cyc_birth, cyc_death, N, E, num_warps=1)
    return up_death, down_death, comp_max, cyc_birth, cyc_death
