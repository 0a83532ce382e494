"""Triton kernels for the bucketed ECT (GPU path; same maths as :mod:`topograph.ect._numba`).

Maths (see :mod:`topograph.ect._kernel`): a simplex's height in direction ``t``
is the max of its vertices' heights ``h``; its bin is ``k``, the first threshold
with ``t_k >= h``. The exact ECT adds the simplex's sign ``(-1)^dim`` into bin
``k`` (a cumulative sum over bins follows in torch). The sigmoid ECT adds into
row ``k`` of a table ``[B T (R+1), C]`` the simplex's window sigmoids
``sigmoid(base + sd (j - w))`` (``j < 2w``, ``base = sd (k - u)``,
``u = (h - t_0) / delta``, ``sd = scale delta``) and the powers of its series
factors ``a = e^{-(max(base, 0) + sd w)}`` (``a^p``, p = 0..m) and
``d = e^{min(base, sd) - sd (w + 1)}`` (``d^p``, p = 1..m); a fixed linear map
(torch matmul with ``K``) turns the table into the image. The backward pass
recomputes the factors' derivatives with respect to ``h`` and sends
``sign * scale * sum_c z[row, c] * dfactor_c`` to the simplex's highest vertex
(first one on ties), ``z = dL/dtable``.

GPU layout: one program per (block of simplices, direction); each simplex is
independent, results are scattered with atomic adds (the exact ECT adds
integers, so it stays exact and deterministic; the sigmoid table and the
gradient are sums of floats whose order may vary between runs, at rounding
level).
"""
from __future__ import annotations

import torch
import triton
import triton.language as tl
from torch import Tensor

_BLOCK = 128


@triton.jit
def _height(hv_ptr, simp_ptr, i, live, nv, T, t):
    """Max height of each simplex of the block (and the vertex attaining it, first on ties)."""
    top = tl.load(simp_ptr + i * nv, mask=live, other=0)
    h = tl.load(hv_ptr + top * T + t, mask=live, other=0.0)
    for c in range(1, nv):
        vc = tl.load(simp_ptr + i * nv + c, mask=live, other=0)
        hc = tl.load(hv_ptr + vc * T + t, mask=live, other=0.0)
        up = hc > h
        top = tl.where(up, vc, top)
        h = tl.where(up, hc, h)
    return h, top


@triton.jit
def _bin(h, t0, inv, res):
    """``ceil((h - t0) * inv)`` clamped to ``0..res`` (NaN-safe), as a float."""
    kf = tl.ceil((h - t0) * inv)
    kf = tl.where(kf >= 0.0, kf, 0.0)  # NaN and negatives: bin 0
    return tl.minimum(kf, res * 1.0)


@triton.jit
def _exact_kernel(hv_ptr, simp_ptr, b_ptr, thr_ptr, hist_ptr, sign, S, nv, T, res, BLOCK: tl.constexpr):
    i = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    t = tl.program_id(1)
    live = i < S
    t0 = tl.load(thr_ptr)
    inv = (res - 1) / (tl.load(thr_ptr + res - 1) - t0)
    h, _ = _height(hv_ptr, simp_ptr, i, live, nv, T, t)
    k = _bin(h, t0, inv, res).to(tl.int64)
    for _r in range(2):  # rounding moves the estimate by at most one bin: fix it exactly
        dn = (k > 0) & (tl.load(thr_ptr + k - 1, mask=live & (k > 0), other=0.0) >= h)
        k = tl.where(dn, k - 1, k)
        up = (k < res) & (tl.load(thr_ptr + k, mask=live & (k < res), other=0.0) < h)
        k = tl.where(up, k + 1, k)
    bi = tl.load(b_ptr + i, mask=live, other=0)
    row = (bi * T + t) * (res + 1) + k
    tl.atomic_add(hist_ptr + row, tl.zeros_like(h) + sign, mask=live)


@triton.jit
def _sigmoid(z):
    e = tl.exp(-tl.abs(z))  # never overflows
    return tl.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


@triton.jit
def _factors(h, t0, inv, sd, res, w):
    u = (h - t0) * inv
    kf = _bin(h, t0, inv, res)
    base = sd * (kf - u)
    a = tl.exp(-(tl.maximum(base, 0.0) + sd * w))
    d = tl.exp(tl.minimum(base, sd) - sd * (w + 1))
    return kf.to(tl.int64), base, a, d


@triton.jit
def _sigmoid_fwd_kernel(hv_ptr, simp_ptr, b_ptr, table_ptr, par_ptr, S, nv, T, res, w, m, C,
                        BLOCK: tl.constexpr):
    i = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    t = tl.program_id(1)
    live = i < S
    sign, t0, inv, sd = tl.load(par_ptr), tl.load(par_ptr + 1), tl.load(par_ptr + 2), tl.load(par_ptr + 3)
    h, _ = _height(hv_ptr, simp_ptr, i, live, nv, T, t)
    k, base, a, d = _factors(h, t0, inv, sd, res, w)
    bi = tl.load(b_ptr + i, mask=live, other=0)
    row = ((bi * T + t) * (res + 1) + k) * C
    for j in range(0, 2 * w):
        sg = _sigmoid(base + sd * (j - w))
        tl.atomic_add(table_ptr + row + j, sign * sg, mask=live)
    v = tl.zeros_like(h) + 1.0
    for p in range(0, m + 1):
        tl.atomic_add(table_ptr + row + 2 * w + p, sign * v, mask=live)
        v = v * a
    v = d
    for p in range(0, m):
        tl.atomic_add(table_ptr + row + 2 * w + m + 1 + p, sign * v, mask=live)
        v = v * d


@triton.jit
def _sigmoid_bwd_kernel(hv_ptr, simp_ptr, b_ptr, z_ptr, grad_ptr, par_ptr, S, nv, T, res, w, m, C,
                        BLOCK: tl.constexpr):
    i = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    t = tl.program_id(1)
    live = i < S
    sign, t0, inv, sd = tl.load(par_ptr), tl.load(par_ptr + 1), tl.load(par_ptr + 2), tl.load(par_ptr + 3)
    s = tl.load(par_ptr + 4)
    h, top = _height(hv_ptr, simp_ptr, i, live, nv, T, t)
    k, base, a, d = _factors(h, t0, inv, sd, res, w)
    bi = tl.load(b_ptr + i, mask=live, other=0)
    row = ((bi * T + t) * (res + 1) + k) * C
    acc = tl.zeros_like(h)
    for j in range(0, 2 * w):
        sg = _sigmoid(base + sd * (j - w))
        acc -= tl.load(z_ptr + row + j, mask=live, other=0.0) * sg * (1.0 - sg)
    v = a
    for p in range(1, m + 1):
        acc += tl.load(z_ptr + row + 2 * w + p, mask=live, other=0.0) * p * v
        v = v * a
    v = d
    for p in range(1, m + 1):
        acc -= tl.load(z_ptr + row + 2 * w + m + p, mask=live, other=0.0) * p * v
        v = v * d
    tl.atomic_add(grad_ptr + top * T + t, sign * s * acc, mask=live)


def _params(hv: Tensor, *values: float) -> Tensor:
    """Real scalars in ``hv``'s dtype (Triton would pass Python floats as float32),
    written on the device by fill kernels: no host-to-device copy, no sync."""
    par = torch.empty(len(values), dtype=hv.dtype, device=hv.device)
    for i, v in enumerate(values):
        par[i] = v
    return par


def _grid(simp: Tensor, num_dirs: int) -> tuple[int, int]:
    return (triton.cdiv(simp.shape[0], _BLOCK), num_dirs)


def exact_hist(hv: Tensor, simp: Tensor, b: Tensor, sign: float, thr: Tensor, hist: Tensor,
               num_dirs: int, res: int) -> None:
    """``hist[(b T + t) (R+1) + k] += sign`` for every (simplex, direction)."""
    if simp.shape[0] == 0:
        return
    _exact_kernel[_grid(simp, num_dirs)](hv.contiguous(), simp.contiguous(), b.contiguous(), thr.contiguous(),
                                        hist, float(sign), simp.shape[0], simp.shape[1], num_dirs, res,
                                        BLOCK=_BLOCK)


def sigmoid_fwd(hv: Tensor, simp: Tensor, b: Tensor, sign: float, t0: float, inv: float, sd: float, res: int,
                w: int, m: int, table: Tensor, num_dirs: int) -> None:
    """Accumulate the window / series factors of every (simplex, direction) into ``table [rows, C]``."""
    if simp.shape[0] == 0:
        return
    par = _params(hv, sign, t0, inv, sd)
    _sigmoid_fwd_kernel[_grid(simp, num_dirs)](hv.contiguous(), simp.contiguous(), b.contiguous(), table, par,
                                              simp.shape[0], simp.shape[1], num_dirs, res, w, m,
                                              table.shape[1], BLOCK=_BLOCK)


def sigmoid_bwd(hv: Tensor, simp: Tensor, b: Tensor, sign: float, t0: float, inv: float, sd: float, s: float,
                res: int, w: int, m: int, z: Tensor, grad: Tensor, num_dirs: int) -> None:
    """``grad[top, t] += sign s sum_c z[row, c] dfactor_c/dh`` for every (simplex, direction)."""
    if simp.shape[0] == 0:
        return
    par = _params(hv, sign, t0, inv, sd, s)
    _sigmoid_bwd_kernel[_grid(simp, num_dirs)](hv.contiguous(), simp.contiguous(), b.contiguous(),
                                              z.contiguous(), grad, par, simp.shape[0], simp.shape[1],
                                              num_dirs, res, w, m, z.shape[1], BLOCK=_BLOCK)
