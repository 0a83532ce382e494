"""Triton kernel: lower-star persistence of batched 2-complexes, dims 1 and 2 (GPU path).

Maths (the numba kernel's, :mod:`topograph.core.pairing._mesh_kernels`). A simplex
enters with its last vertex in the order ``(value, index)``; simplices are ordered
by ``(rank of the last vertex, dimension, canonical index)``. Dimension 0 is the
graph union-find over the edges in that order (``triton_graph``); the edges that
close a cycle are *positive*, numbered ``0..npos-1`` in entry order per sample.
The (edge, triangle) pairs are the pivots of the triangles' boundary matrix over
Z/2, restricted to the rows of positive edges (compression: deleting the rows of
negative edges changes no pivot), so a triangle's column starts with at most 3
entries. Two ways to find them, per sample, as the numba kernel does:

* every edge in at most two triangles: duality. Edges in decreasing order run a
  union-find over the triangles (plus one virtual node for the edges with one
  triangle); an edge joining two components kills the earlier of their two
  latest triangles. Triangles never killed create the essential 2-classes.
* otherwise: the standard column reduction. The working column is a dense 0/1
  row over the sample's positive edges; its pivot only decreases, so one
  downward scan per column finds every pivot and collects the reduced column.
  Reduced columns are stored as runs in a per-sample pool.

GPU layout: torch computes ranks, the edge and triangle orders (one stable sort
each on the key ``sample * N + rank of the last vertex``), the positive-edge
ordinals and the triangles of every edge; then one Triton program per
(sample, filtration) runs the sequential part above in global scratch memory
(one warp; a barrier between a store and a later load of the same address, as
in ``triton_graph``). Only the pool is sized by a guess (``4 F_s + 16`` entries
per sample, the numba kernel's start): a program that would write past its
pool sets a flag, and the caller reruns with four times the room (the only
data-dependent relaunch; never seen on meshes, where columns stay short).
"""
from __future__ import annotations

import torch
import triton
import triton.language as tl
from torch import Tensor

from topograph.core.kernels.triton_graph import (
    _find,
    _union_find_kernel,
    compact,
    segments,
    vertex_rank,
)

ROOM = (4, 16)  # pool entries per sample: 4 per triangle + 16 (the numba kernel's start)


@triton.jit
def _dual(order_e, order_t, posord, last_t, cof_ptr, scr, d1, b2, flag_ptr, e0, E_s, t0, F_s, E):
    """Duality path of one problem; ``scr`` holds parent / latest / position rows
    (``F_s + 1`` local nodes each, the last one virtual). Returns the dim-2 row count."""
    parent = scr
    latest = scr + (F_s + 1)
    pos = scr + 2 * (F_s + 1)  # position in the triangle order; -1 once killed
    for s in range(F_s + 1):
        tl.store(parent + s, s)
        tl.store(latest + s, s)
    for s in range(F_s):
        tl.store(pos + tl.load(order_t + t0 + s) - t0, s)
    tl.store(pos + F_s, F_s)
    tl.debug_barrier()
    for j in range(E_s):
        e = tl.load(order_e + e0 + E_s - 1 - j)
        ta = tl.load(cof_ptr + e)
        if ta >= 0:
            tb = tl.load(cof_ptr + E + e)
            a = _find(parent, ta - t0)
            b = _find(parent, tl.where(tb >= 0, tb - t0, F_s))
            if a != b:
                la = tl.load(latest + a)
                lb = tl.load(latest + b)
                p = tl.load(posord + e)
                if p < 0:  # a theorem says never; the caller raises
                    tl.store(flag_ptr + 1, 1)
                else:
                    if tl.load(pos + la) < tl.load(pos + lb):
                        tl.store(d1 + e0 + p, tl.load(last_t + t0 + la))
                        tl.store(pos + la, -1)
                        tl.store(parent + a, b)
                    else:
                        tl.store(d1 + e0 + p, tl.load(last_t + t0 + lb))
                        tl.store(pos + lb, -1)
                        tl.store(parent + b, a)
                    tl.debug_barrier()
    n2 = tl.zeros((), tl.int64)
    for s in range(F_s):
        t = tl.load(order_t + t0 + s)
        if tl.load(pos + t - t0) >= 0:
            tl.store(b2 + t0 + n2, tl.load(last_t + t))
            n2 += 1
    return n2


@triton.jit
def _reduce(order_t, posord, last_t, te_ptr, pool, cap, pst, pln, wk, d1, b2, e0, t0, F_s, F):
    """Column reduction of one problem (any 2-complex). ``pst`` / ``pln`` (pool start
    and length of the reduced column with each pivot) and ``wk`` (the working
    column) point at the sample's positive-edge rows. Returns the dim-2 row count
    and the pool entries used (``> cap``: out of room, the results are void)."""
    used = tl.zeros((), tl.int64)
    n2 = tl.zeros((), tl.int64)
    big = tl.full((), 1 << 62, tl.int64)
    for s in range(F_s):
        if used <= cap:
            t = tl.load(order_t + t0 + s)
            x0 = tl.load(posord + tl.load(te_ptr + t))
            x1 = tl.load(posord + tl.load(te_ptr + F + t))
            x2 = tl.load(posord + tl.load(te_ptr + 2 * F + t))
            top = tl.maximum(tl.maximum(x0, x1), x2)
            lo = tl.minimum(tl.minimum(tl.where(x0 >= 0, x0, big), tl.where(x1 >= 0, x1, big)),
                            tl.where(x2 >= 0, x2, big))
            positive = top < 0
            if top >= 0:
                if tl.load(pst + top) < 0:  # apparent pair: store the column as it is
                    m = (x0 >= 0).to(tl.int64) + (x1 >= 0).to(tl.int64) + (x2 >= 0).to(tl.int64)
                    if used + m <= cap:
                        tl.store(pool + used, top)
                        if m > 1:
                            tl.store(pool + used + 1, lo)
                        if m > 2:
                            tl.store(pool + used + 2, x0 + x1 + x2 - top - lo)
                    tl.store(pst + top, used)
                    tl.store(pln + top, m)
                    used += m
                    tl.store(d1 + e0 + top, tl.load(last_t + t))
                else:
                    for q in range(3):
                        x = tl.load(posord + tl.load(te_ptr + q * F + t))
                        if x >= 0:
                            tl.store(wk + x, 1)
                    tl.debug_barrier()
                    low = top
                    st = tl.load(pst + low)
                    while st >= 0:  # add the stored column whose pivot is ``low`` (Z/2)
                        for i in range(tl.load(pln + low)):
                            x = tl.load(pool + st + i).to(tl.int64)
                            tl.store(wk + x, 1 - tl.load(wk + x))
                            lo = tl.minimum(lo, x)
                        tl.debug_barrier()
                        nl = tl.full((), -1, tl.int64)  # the new pivot: below the old one
                        j = low - 1
                        while (j >= lo) & (nl < 0):
                            if tl.load(wk + j) != 0:
                                nl = j
                            j -= 1
                        low = nl
                        st = tl.where(low >= 0, tl.load(pst + tl.maximum(low, 0)), -1)
                    positive = low < 0  # reduced to zero (the working row is clean again)
                    if low >= 0:  # a new pivot: collect the column (downwards), clear the row
                        m = tl.zeros((), tl.int64)
                        j = low
                        while j >= lo:
                            if tl.load(wk + j) != 0:
                                if used + m < cap:
                                    tl.store(pool + used + m, j)
                                m += 1
                                tl.store(wk + j, 0)
                            j -= 1
                        tl.debug_barrier()
                        tl.store(pst + low, used)
                        tl.store(pln + low, m)
                        used += m
                        tl.store(d1 + e0 + low, tl.load(last_t + t))
            if positive:
                tl.store(b2 + t0 + n2, tl.load(last_t + t))
                n2 += 1
            tl.debug_barrier()
    return n2, used


@triton.jit
def _mesh_kernel(order_e, order_t, seg_e, seg_t, posord, last_t, te_ptr, cof_ptr, manifold, scr,
                 pool, poff, pst, pln, wk, d1, b2, n2_ptr, flag_ptr, E, F, B, POOL):
    g = tl.program_id(0)
    f = tl.program_id(1).to(tl.int64)
    e0 = tl.load(seg_e + g)
    E_s = tl.load(seg_e + g + 1) - e0
    t0 = tl.load(seg_t + g)
    F_s = tl.load(seg_t + g + 1) - t0
    if tl.load(manifold + g) != 0:
        n2 = _dual(order_e + f * E, order_t + f * F, posord + f * E, last_t + f * F, cof_ptr,
                   scr + f * 3 * (F + B) + 3 * (t0 + g), d1 + f * E, b2 + f * F, flag_ptr,
                   e0, E_s, t0, F_s, E)
    else:
        p0 = tl.load(poff + g)
        n2, used = _reduce(order_t + f * F, posord + f * E, last_t + f * F, te_ptr, pool + f * POOL + p0,
                           tl.load(poff + g + 1) - p0, pst + f * E + e0, pln + f * E + e0, wk + f * E + e0,
                           d1 + f * E, b2 + f * F, e0, t0, F_s, F)
        if used > tl.load(poff + g + 1) - p0:
            tl.store(flag_ptr, 1)
    tl.store(n2_ptr + f * B + g, n2)


def _cofaces(te: Tensor, edge_batch: Tensor, E: int, B: int) -> tuple[Tensor, Tensor]:
    """``[2, E]`` the first two triangles of every edge (-1: none; in triangle order)
    and ``[B]`` whether every edge of each sample has at most two triangles."""
    F = te.shape[1]
    flat = te.T.reshape(-1)  # triangle t's edges at 3t .. 3t + 2
    tri = torch.sort(flat, stable=True).indices // 3
    cnt = torch.zeros(E, dtype=torch.long, device=te.device).index_add_(0, flat, torch.ones_like(flat))
    first = torch.cumsum(cnt, 0) - cnt
    cof = torch.stack([torch.where(cnt > i, tri[(first + i).clamp_max(3 * F - 1)], -1) for i in (0, 1)])
    most = torch.zeros(B, dtype=torch.long, device=te.device).scatter_reduce_(0, edge_batch, cnt, "amax")
    return cof.contiguous(), (most <= 2).to(torch.int32)


def _rows(count: Tensor, group: Tensor, seg: Tensor, size: int) -> Tensor:
    """``[size]`` slots holding rows: the first ``count[s]`` slots of every sample's block."""
    slots = torch.arange(group.shape[0], device=group.device)
    keep = (slots - seg.index_select(0, group)) < count.index_select(0, group)
    return compact(keep[None])[0][0, :size]


def pair_mesh(vt: Tensor, u: Tensor, v: Tensor, faces: Tensor, batch: Tensor,
              num_samples: int) -> tuple[Tensor, ...]:
    """Dimension 0-2 pairing of ``k`` lower-star filtrations of a batch of 2-complexes.

    Args:
        vt: ``[k, N]`` vertex values (only their order matters).
        u, v: ``[E]`` canonical edges (sorted by ``(u, v)``, grouped by sample);
            faces: ``[3, F]`` canonical triangles (grouped by sample, edges present).
        batch: ``[N]`` sorted sample id; num_samples: ``B``.
    Returns:
        ``death_vertex [N, k]``, ``birth1, death1 [P1, k]``, ``batch1 [P1]``,
        ``birth2 [P2, k]``, ``batch2 [P2]``: the fields of
        :class:`~topograph.core.pairing.mesh.MeshPairing`, equal to the numba kernel's.
        One host synchronisation (the row counts ``P1``, ``P2`` and the flags),
        plus one per rerun of an out-of-room reduction.
    """
    k, N = vt.shape
    E, B = u.shape[0], num_samples
    dev = vt.device
    rank = vertex_rank(vt + 0.0)  # + 0.0: -0.0 ties with +0.0 (the numba sort's rule)
    edge_batch = batch.index_select(0, u)
    ru, rv = rank[:, u], rank[:, v]
    last_e = torch.where(ru > rv, u, v)  # [k, E] the vertex giving each edge its value
    order_e = torch.sort(edge_batch * N + torch.maximum(ru, rv), dim=1, stable=True).indices
    seg_e = segments(edge_batch, B)
    death = torch.full((k, N), -1, dtype=torch.long, device=dev)
    closes = torch.zeros((k, E), dtype=torch.int8, device=dev)
    if E and B:
        _union_find_kernel[(B, k)](u, v, order_e, seg_e, rank.contiguous(),
                                   torch.arange(N, device=dev).repeat(k, 1), death, closes, N, E, num_warps=1)
    dv0 = torch.where(death < 0, -1, last_e.gather(1, death.clamp_min(0))) if E else death
    # positive edges: their ordinal in entry order within the sample, and their birth vertex
    pos = closes.gather(1, order_e).long()  # [k, E] by slot
    excl = torch.cumsum(pos, 1) - pos
    start = seg_e.index_select(0, edge_batch)  # [E] first slot of each slot's sample
    ordinal = excl - excl.index_select(1, start)
    posord = torch.full_like(pos, -1).scatter_(1, order_e, torch.where(pos > 0, ordinal, -1))
    dest = torch.where(pos > 0, start + ordinal, E)
    b1 = torch.zeros((k, E + 1), dtype=torch.long, device=dev).scatter_(1, dest, last_e.gather(1, order_e))
    n1 = torch.zeros((k, B), dtype=torch.long, device=dev).scatter_add_(1, edge_batch.expand(k, E), pos)
    mult = 1
    while True:
        d1, b2, n2, flag = _dims12(rank, faces, batch, u, v, edge_batch, order_e, seg_e, posord, B, mult)
        stats = torch.stack([n1[0].sum(), n2[0].sum(), flag[0], flag[1] | (n1 != n1[:1]).any()
                             | (n2 != n2[:1]).any()]).tolist()  # host sync: output sizes, flags
        if not stats[2]:
            break
        mult *= 4  # a reduction ran out of pool room: rerun with four times the room
    if stats[3]:  # pragma: no cover - theorems, kept as guards
        raise RuntimeError("mesh pairing: row counts differ between filtrations or a negative edge "
                           "was paired; please report this")
    tri_batch = batch.index_select(0, faces[0])
    r1 = _rows(n1[0], edge_batch, seg_e, stats[0])
    r2 = _rows(n2[0], tri_batch, segments(tri_batch, B), stats[1])
    return (dv0.T, b1[:, r1].T, d1[:, r1].T, edge_batch.index_select(0, r1), b2[:, r2].T,
            tri_batch.index_select(0, r2))


def _dims12(rank: Tensor, faces: Tensor, batch: Tensor, u: Tensor, v: Tensor, edge_batch: Tensor,
            order_e: Tensor, seg_e: Tensor, posord: Tensor, B: int, mult: int) -> tuple[Tensor, ...]:
    """The (edge, triangle) pairs and positive triangles: ``d1 [k, E]`` (death vertex by
    positive-edge slot), ``b2 [k, F]`` (birth vertex by slot), ``n2 [k, B]``, flags ``[2]``."""
    k, N = rank.shape
    E, F = u.shape[0], faces.shape[1]
    dev = rank.device
    d1 = torch.full((k, E), -1, dtype=torch.long, device=dev)
    b2 = torch.zeros((k, F), dtype=torch.long, device=dev)
    n2 = torch.zeros((k, B), dtype=torch.long, device=dev)
    flag = torch.zeros(2, dtype=torch.long, device=dev)
    if not (F and B):
        return d1, b2, n2, flag
    a, b, c = faces
    te = torch.searchsorted(u * N + v, torch.stack([a * N + b, b * N + c, a * N + c])).contiguous()
    rt = rank[:, faces]  # [k, 3, F]
    top, arg = rt.max(dim=1)
    last_t = faces.expand(k, 3, F).gather(1, arg[:, None]).squeeze(1).contiguous()
    tri_batch = batch.index_select(0, a)
    order_t = torch.sort(tri_batch * N + top, dim=1, stable=True).indices
    seg_t = segments(tri_batch, B)
    cof, manifold = _cofaces(te, edge_batch, E, B)
    per, pad = ROOM
    room = mult * (per * (seg_t[1:] - seg_t[:-1]) + pad)  # pool entries per sample
    poff = torch.cat([room.new_zeros(1), torch.cumsum(room, 0)])
    pool = torch.empty((k, mult * (per * F + pad * B)), dtype=torch.int32, device=dev)
    pst = torch.full((k, E), -1, dtype=torch.long, device=dev)
    pln = torch.zeros((k, E), dtype=torch.long, device=dev)
    wk = torch.zeros((k, E), dtype=torch.int8, device=dev)
    scr = torch.empty((k, 3 * (F + B)), dtype=torch.long, device=dev)
    _mesh_kernel[(B, k)](order_e, order_t, seg_e, seg_t, posord, last_t, te, cof, manifold, scr,
                         pool, poff, pst, pln, wk, d1, b2, n2, flag, E, F, B, pool.shape[1], num_warps=1)
    return d1, b2, n2, flag
