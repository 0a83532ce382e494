"""Triton kernel: dimension 0 of Vietoris-Rips filtrations by Prim (GPU path).

Maths. The 0-dimensional pairs of a Rips filtration are the edges of a minimum
spanning tree: each tree edge kills one component born at 0. Dense Prim needs no
sort of the n(n-1)/2 edges: keep, for every vertex outside the tree, its
smallest squared distance to the tree and the tree vertex realising it; at each
of the n - 1 steps add the nearest outside vertex and relax the others with its
row of distances. O(n^2) work and O(n) memory per sample.

Strict total order on ties: (squared distance, vertex index); a vertex keeps the
first (earliest-added) tree vertex among equally near ones, so the result is
deterministic. Rows come from a distance matrix or are computed from centred
coordinates as sums of squared coordinate differences (no Gram form, so no
cancellation even for clouds far from the origin). Every pair is scanned exactly
once, so the farthest pair (the diameter) comes for free.

GPU layout: one program per sample; each step sweeps the sample's vertices in
tiles of ``BLOCK`` lanes (vector loads, a min-reduction per tile), keeping the
per-vertex state in global scratch (each lane reads back what it wrote; the
scalar reads of the chosen vertex follow a barrier).
"""
from __future__ import annotations

import torch
import triton
import triton.language as tl
from torch import Tensor

from topograph.core.kernels import kernel_float


@triton.jit
def _prim_kernel(data_ptr, best_ptr, src_ptr, out_ptr, far_ptr, n, d,
                 FROM_POINTS: tl.constexpr, BLOCK: tl.constexpr):
    b = tl.program_id(0).to(tl.int64)
    best = best_ptr + b * n  # distance to the tree; -inf once in the tree
    src = src_ptr + b * n
    acc_t = best_ptr.dtype.element_ty
    lanes = tl.arange(0, BLOCK)
    m = tl.zeros((), tl.int64)  # vertex 0 starts the tree
    fmax = tl.full((), -1.0, acc_t)
    fi = tl.zeros((), tl.int64)
    fj = tl.zeros((), tl.int64)
    for t in range(0, n - 1):
        tl.store(best + m, float("-inf"))
        tl.debug_barrier()
        mn = tl.full((), float("inf"), acc_t)
        arg = tl.zeros((), tl.int64)
        for j0 in range(0, n, BLOCK):
            j = j0 + lanes
            inside = j < n
            if FROM_POINTS:
                w = tl.zeros((BLOCK,), acc_t)
                for c in range(0, d):
                    xm = tl.load(data_ptr + (b * n + m) * d + c).to(acc_t)
                    xj = tl.load(data_ptr + (b * n + j) * d + c, mask=inside, other=0.0).to(acc_t)
                    w += (xj - xm) * (xj - xm)
            else:
                w = tl.load(data_ptr + (b * n + m) * n + j, mask=inside, other=0.0).to(acc_t)
            bj = tl.load(best + j, mask=inside, other=float("-inf"))
            sj = tl.load(src + j, mask=inside, other=0)
            open_ = inside & (bj != float("-inf"))
            # farthest pair among the pairs (m, j outside the tree): each scanned once
            wf = tl.where(open_, w, -1.0)
            tmax = tl.max(wf, axis=0)
            better = tmax > fmax
            fj = tl.where(better, j0 + tl.argmax(wf, axis=0), fj)
            fi = tl.where(better, m, fi)
            fmax = tl.where(better, tmax, fmax)
            relax = open_ & (w < bj)  # strict: the earliest tree vertex stays on ties
            bj = tl.where(relax, w, bj)
            tl.store(best + j, bj, mask=relax)
            tl.store(src + j, tl.where(relax, m, sj), mask=relax)
            key = tl.where(open_, bj, float("inf"))
            tmin = tl.min(key, axis=0)
            take = tmin < mn  # strict: the smallest index stays on ties
            arg = tl.where(take, j0 + tl.argmin(key, axis=0), arg)
            mn = tl.where(take, tmin, mn)
        tl.debug_barrier()
        tl.store(out_ptr + (b * (n - 1) + t) * 2, tl.load(src + arg))
        tl.store(out_ptr + (b * (n - 1) + t) * 2 + 1, arg)
        m = arg
    tl.store(far_ptr + b * 2, fi)
    tl.store(far_ptr + b * 2 + 1, fj)


def prim(data: Tensor, from_points: bool) -> tuple[Tensor, Tensor]:
    """MST edges ``[B, n-1, 2]`` (tree vertex, new vertex; in the order added) and
    farthest pairs ``[B, 2]`` of ``data``: points ``[B, n, d]`` (centred here) or
    distance matrices ``[B, n, n]`` (only the order of entries matters)."""
    B, n = data.shape[0], data.shape[1]
    out = torch.zeros((B, max(n - 1, 0), 2), dtype=torch.long, device=data.device)
    far = torch.zeros((B, 2), dtype=torch.long, device=data.device)
    if n < 2 or B == 0:
        return out, far
    if from_points:
        data = data - data.mean(dim=1, keepdim=True)
    data = kernel_float(data.contiguous())
    best = torch.full((B, n), float("inf"), dtype=data.dtype, device=data.device)
    src = torch.zeros((B, n), dtype=torch.long, device=data.device)
    d = data.shape[2]
    block = min(1024, triton.next_power_of_2(n))
    _prim_kernel[(B,)](data, best, src, out, far, n, d, FROM_POINTS=from_points, BLOCK=block,
                       num_warps=4 if block >= 256 else 1)
    return out, far
