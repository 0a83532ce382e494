"""Triton kernel: dims 0 and 1 pairing of edge filtrations of batched graphs (GPU path).

Maths. A filtration of a graph gives every vertex a value ``f(v)`` and every edge
a value ``g(e) >= max(f(u), f(v))`` (lower-star: ``g(e) = max``). Vertices enter
in the order ``(f, vertex index)``; edges in the order ``(g, rank of the edge's
later endpoint in the vertex order, edge index)``, after the vertices of equal
value. Sweeping the edges with a union-find, an edge joining two components
kills the younger one (elder rule: the component whose oldest vertex comes later
in the vertex order); an edge inside one component closes a cycle, an essential
class of dimension 1 born at ``g(e)``.

GPU layout (one global sort, then one small sequential program per problem):

1. torch sorts all vertices of every filtration at once (``[k, N]``, stable: ties
   by index) and all edges with the composite key above (three stable sorts of
   ``[k, E]``: edge index order is the identity, then later-endpoint rank, then
   ``g``, then sample id, which groups each sample's edges in filtration order).
2. One Triton program per (sample, filtration) runs the union-find over its own
   edges in global scratch memory. Union by age keeps every component's root at
   its oldest vertex, so comparing two roots' ranks is the elder rule.
3. torch compacts the cycle-closing edges per filtration (cumsum + scatter).

The number of kernel launches is fixed; nothing waits for the host. Each program
reads and writes its own rows only (samples are disjoint vertex ranges), so
programs never race. Scalar loads after stores to the same address in one
program are separated by ``tl.debug_barrier()`` (a CTA barrier, which orders
global memory inside the program); programs use one warp.
"""
from __future__ import annotations

import torch
import triton
import triton.language as tl
from torch import Tensor


@triton.jit
def _find(parent_ptr, x):
    """Root of ``x`` with path halving (``parent_ptr`` points at this problem's row)."""
    p = tl.load(parent_ptr + x)
    while p != x:
        gp = tl.load(parent_ptr + p)
        tl.store(parent_ptr + x, gp)
        tl.debug_barrier()
        x = gp
        p = tl.load(parent_ptr + x)
    return x


@triton.jit
def _union_find_kernel(u_ptr, v_ptr, order_ptr, seg_ptr, rank_ptr, parent_ptr, death_ptr, closes_ptr,
                       N, E):
    g = tl.program_id(0)
    f = tl.program_id(1).to(tl.int64)
    start = tl.load(seg_ptr + g)
    end = tl.load(seg_ptr + g + 1)
    parent = parent_ptr + f * N
    rank = rank_ptr + f * N
    for t in range(start, end):
        e = tl.load(order_ptr + f * E + t)
        a = _find(parent, tl.load(u_ptr + e))
        b = _find(parent, tl.load(v_ptr + e))
        if a == b:
            tl.store(closes_ptr + f * E + e, 1)
        else:
            ra = tl.load(rank + a)
            rb = tl.load(rank + b)
            young = tl.where(ra < rb, b, a)
            old = tl.where(ra < rb, a, b)
            tl.store(death_ptr + f * N + young, e)
            tl.store(parent + young, old)
            tl.debug_barrier()


def vertex_rank(vt: Tensor) -> Tensor:
    """``[k, N]`` position of each vertex in the order ``(value, index)`` per row."""
    order = torch.sort(vt, dim=1, stable=True).indices
    ar = torch.arange(vt.shape[1], device=vt.device).expand_as(order)
    return torch.empty_like(order).scatter_(1, order, ar)


def edge_order(rank: Tensor, u: Tensor, v: Tensor, edge_values: Tensor, edge_batch: Tensor) -> Tensor:
    """``[k, E]`` edges grouped by sample, each sample's in ``(g, later rank, index)`` order."""
    later = torch.maximum(rank[:, u], rank[:, v])  # [k, E]
    order = torch.sort(later, dim=1, stable=True).indices
    order = order.gather(1, torch.sort(edge_values.gather(1, order), dim=1, stable=True).indices)
    return order.gather(1, torch.sort(edge_batch[order], dim=1, stable=True).indices)


def segments(edge_batch: Tensor, num_samples: int) -> Tensor:
    """``[G + 1]`` start of every sample's edges (edges grouped by sample)."""
    ids = torch.arange(num_samples + 1, device=edge_batch.device, dtype=edge_batch.dtype)
    return torch.searchsorted(edge_batch.contiguous(), ids)


def pair_edge_filtration(u: Tensor, v: Tensor, vertex_values: Tensor, edge_values: Tensor,
                         edge_batch: Tensor, num_samples: int) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Elder-rule pairing of ``k`` edge filtrations (Triton; CUDA or the interpreter).

    Args:
        u, v: ``[E]`` int64 canonical edges, grouped by sample.
        vertex_values: ``[k, N]``; edge_values: ``[k, E]`` (any real dtype; only
            the order matters).
        edge_batch: ``[E]`` sorted sample id of each edge; num_samples: ``G``.
    Returns:
        rank ``[k, N]``; death_edge ``[k, N]`` (edge killing the class born at each
        vertex, -1 essential); cycle_edge ``[k, E]`` (cycle-closing edges in edge
        order, hence grouped by sample, first ``count[f]`` valid, rest 0);
        count ``[k]``. All on the inputs' device, no host synchronisation.
    """
    k, N = vertex_values.shape
    E = u.shape[0]
    device = u.device
    rank = vertex_rank(vertex_values)
    death = torch.full((k, N), -1, dtype=torch.long, device=device)
    closes = torch.zeros((k, E), dtype=torch.int8, device=device)
    if E and k and num_samples:
        order = edge_order(rank, u, v, edge_values, edge_batch).contiguous()
        seg = segments(edge_batch, num_samples)
        parent = torch.arange(N, device=device).repeat(k, 1)
        _union_find_kernel[(num_samples, k)](u.contiguous(), v.contiguous(), order, seg, rank.contiguous(),
                                             parent, death, closes, N, E, num_warps=1)
    return (rank, death) + compact(closes.bool())


def compact(mask: Tensor) -> tuple[Tensor, Tensor]:
    """Indices of the ``True`` entries of every row of ``mask [k, E]``, left-aligned in
    ``[k, E]`` (rest 0), and their count ``[k]``; fixed launches, no host sync."""
    k, E = mask.shape
    pos = torch.cumsum(mask, dim=1) - 1
    out = torch.zeros((k, E + 1), dtype=torch.long, device=mask.device)
    col = torch.where(mask, pos, E)  # E: a dump column
    out.scatter_(1, col, torch.arange(E, device=mask.device).expand(k, E).contiguous())
    return out[:, :E].contiguous(), mask.sum(dim=1)
