"""Fused CPU kernel for the default topological signature loss.

The loss touches only ``2 (n - 1)`` pairs and the two farthest pairs, so its value
*and* its gradient with respect to both point sets fit in one O(n (D + m)) pass
after the two pairings. Eager PyTorch would spend ~60 small operations (forward
and backward) on the same work, and at TopoAE's batch sizes every Python-level
operation inside a training step costs more than the arithmetic. So one numba
call per forward does both pairings, through the core's Prim
(``topograph.core.pairing._kernels.prim_sample``, the same code as
``rips_pairs_from_points``), and the loss with its analytic gradient. It routes
gradients to exactly the paired points, as the gathered version does, and is
tested equal to it (values and gradients) in ``tests/test_topoae_loss.py``.
"""
from __future__ import annotations

import numpy as np
import torch
from numba import njit, prange
from torch import Tensor

from topograph.core import kernels as _seam

_kernels = _seam.numba_pairing()  # the core's Prim, threading layer set first
prim_sample, use_packed = _kernels.prim_sample, _kernels.use_packed

# reassociation lets LLVM vectorise the sums of squares (4x here); no NaN/inf
# assumptions, so non-finite input still propagates to the caller's check
_FAST = {"reassoc", "nsz"}  # no FMA contraction or reciprocals: equal inputs give equal outputs


@njit(cache=True, fastmath=_FAST)
def _norm_diff(a, i, j):
    """|a_i - a_j|, summed in a's dtype (as torch's norm does), returned as float64."""
    s = a.dtype.type(0)
    for c in range(a.shape[1]):
        d = a[i, c] - a[j, c]
        s += d * d
    return np.sqrt(np.float64(s))


@njit(cache=True, fastmath=_FAST)
def _add_pair_grad(g, a, i, j, coef):
    cf = a.dtype.type(coef)
    for c in range(a.shape[1]):
        d = cf * (a[i, c] - a[j, c])
        g[i, c] += d
        g[j, c] -= d


@njit(cache=True)
def _div2(a, b, c):
    """``a / b / c`` in this order, outside fastmath (which may rewrite it as ``a / (b c)``):
    ``b c`` underflows to 0 when both are near the dtype's tiny (all points equal)."""
    return (a / b) / c


@njit(cache=True, fastmath=_FAST)
def _signature(xb, zb, pix, piz, far_x, far_z, fixed_x, fixed_z, tiny, huge, need_gx, gxb, gzb, parts):
    """Loss parts ``parts [2]`` (L_XZ, L_ZX) of one problem and the gradients of their
    sum (``gzb``, and ``gxb`` if ``need_gx``; both zero on entry).

    ``pix``, ``piz [P, 2]``: the MST edges of X and of Z. ``fixed_x``/``fixed_z`` > 0
    are constant divisors; <= 0 means "divide by the problem's largest distance" (the
    farthest pair ``far_x [2]`` / ``far_z``), which then also receives gradient.
    Returns False (parts set to inf) if a squared diameter exceeds ``huge`` (the
    dtype's largest value: the pairing ran on overflowed squared distances).
    """
    P = pix.shape[0]
    dfx = _norm_diff(xb, far_x[0], far_x[1])
    dfz = _norm_diff(zb, far_z[0], far_z[1])
    if not (dfx * dfx <= huge and dfz * dfz <= huge):
        parts[0] = np.inf
        parts[1] = np.inf
        return False
    sx = fixed_x if fixed_x > 0 else max(dfx, tiny)
    sz = fixed_z if fixed_z > 0 else max(dfz, tiny)
    ax = 0.0  # d loss / d sx = -ax
    az = 0.0  # d loss / d sz = +az
    l_xz = 0.0
    l_zx = 0.0
    for p in range(2 * P):
        if p < P:
            i, j = pix[p, 0], pix[p, 1]
        else:
            i, j = piz[p - P, 0], piz[p - P, 1]
        dx = _norm_diff(xb, i, j)
        dz = _norm_diff(zb, i, j)
        r = dx / sx - dz / sz
        if p < P:
            l_xz += 0.5 * r * r
        else:
            l_zx += 0.5 * r * r
        if need_gx and dx > 0:
            _add_pair_grad(gxb, xb, i, j, _div2(r, sx, dx))
        if dz > 0:
            _add_pair_grad(gzb, zb, i, j, -_div2(r, sz, dz))
        ax += r * _div2(dx, sx, sx)
        az += r * _div2(dz, sz, sz)
    if need_gx and fixed_x <= 0 and sx > tiny:
        _add_pair_grad(gxb, xb, far_x[0], far_x[1], -ax / sx)
    if fixed_z <= 0 and sz > tiny:
        _add_pair_grad(gzb, zb, far_z[0], far_z[1], az / sz)
    parts[0] = l_xz
    parts[1] = l_zx
    return True  # the caller checks finiteness (outside fastmath)


@njit(cache=True)
def _outputs(x, z, need_gx):
    B, n = z.shape[0], z.shape[1]
    P = max(n - 1, 0)
    pix = np.empty((B, P, 2), np.int64)
    piz = np.empty((B, P, 2), np.int64)
    far = np.zeros((B, 2, 2), np.int64)
    gx = np.zeros(x.shape if need_gx else (1, 1, 1), x.dtype)
    return pix, piz, far, np.zeros((B, 2)), gx, np.zeros(z.shape, z.dtype)


@njit(cache=True)
def _problem(b, ax, kx, az, kz, x, z, pix, piz, far, fixed_x, fixed_z, tiny, huge, packed,
             need_gx, gx, gz, parts):
    prim_sample(ax[b], pix[b], far[b, 0], kx, packed)
    prim_sample(az[b], piz[b], far[b, 1], kz, packed)
    ok = _signature(x[b], z[b], pix[b], piz[b], far[b, 0], far[b, 1], fixed_x, fixed_z, tiny, huge,
                    need_gx, gx[b if need_gx else 0], gz[b], parts[b])
    return ok and np.isfinite(parts[b, 0] + parts[b, 1])  # False on NaN/inf input


@njit(cache=True)
def _finish(parts, dtype):
    """Loss ``[B]`` (summed in float64) and parts ``[B, 2]`` in the inputs' dtype."""
    return parts.sum(1).astype(dtype), parts.astype(dtype)


@njit(cache=True)
def _run_serial(ax, kx, az, kz, x, z, fixed_x, fixed_z, tiny, huge, packed, need_gx):
    pix, piz, far, parts, gx, gz = _outputs(x, z, need_gx)
    ok = True
    for b in range(x.shape[0]):
        if not _problem(b, ax, kx, az, kz, x, z, pix, piz, far, fixed_x, fixed_z, tiny, huge,
                        packed, need_gx, gx, gz, parts):
            ok = False
    loss, parts = _finish(parts, z.dtype)
    return loss, parts, gx, gz, ok


@njit(cache=True, parallel=True)
def _run_parallel(ax, kx, az, kz, x, z, fixed_x, fixed_z, tiny, huge, packed, need_gx):
    pix, piz, far, parts, gx, gz = _outputs(x, z, need_gx)
    ok = np.ones(x.shape[0], np.bool_)
    for b in prange(x.shape[0]):
        ok[b] = _problem(b, ax, kx, az, kz, x, z, pix, piz, far, fixed_x, fixed_z, tiny, huge,
                         packed, need_gx, gx, gz, parts)
    loss, parts = _finish(parts, z.dtype)
    return loss, parts, gx, gz, ok.all()


_CORE_USERS = (_run_serial, _problem, _run_parallel)  # they compile the core's prim_sample in


def _flush_if_core_changed() -> bool:
    """Drop this module's cached kernels when the core's Prim changed (see
    :func:`topograph.core.kernels.refresh_numba_cache`)."""
    return _seam.refresh_numba_cache(_CORE_USERS, _kernels, "topograph_fused")

_LIMITS = {np.dtype(t): (float(np.finfo(t).tiny), float(np.finfo(t).max)) for t in (np.float32, np.float64)}


def signature_kernel(x: np.ndarray, z: np.ndarray, ax: np.ndarray, kx: int, az: np.ndarray, kz: int,
                     fixed_x: float, fixed_z: float, need_gx: bool):
    """Pair and differentiate ``B`` problems ``x [B, n, D]``, ``z [B, n, m]`` (numpy).

    ``ax, kx`` / ``az, kz``: the Prim operands and kinds of both spaces (from
    ``topograph.core.pairing.rips.prim_operand``).
    Returns the loss ``[B]``, its parts ``[B, 2]`` (L_XZ, L_ZX), the gradients ``gx``
    (``[1, 1, 1]`` zeros unless ``need_gx``) and ``gz``, all in the inputs' dtype,
    and whether all is finite.
    """
    _seam.numba_ready(_CORE_USERS, _kernels, "topograph_fused")  # once: the cache check
    B, n = z.shape[0], z.shape[1]
    tiny, huge = _LIMITS[x.dtype]
    run = _run_parallel if _seam.use_parallel(B, n * n) else _run_serial
    return run(ax, kx, az, kz, x, z, float(fixed_x), float(fixed_z), tiny, huge,
               use_packed(x.dtype, n), bool(need_gx))


class NonFiniteLoss(ArithmeticError):
    """Raised by :class:`FusedSignatureLoss` when the loss is not finite; the caller
    tells the user why (NaN/inf input or overflowing distances)."""


class FusedSignatureLoss(torch.autograd.Function):
    """``(x [B, n, D] or [n, D], z like x, args) -> loss [B] or []``.

    Both pairings and the loss with its analytic gradient in one numba call.
    ``args = (xn, zn, ax, kx, az, kz, fixed_x, fixed_z, sink)``: numpy views of the
    inputs as ``[B, n, .]``, the Prim operands of both spaces with their kinds (see
    :func:`signature_kernel`), the normalisation constants, and a list that receives
    the parts ``[B, 2]`` (L_XZ, L_ZX; for logging, outside the autograd graph).
    """

    @staticmethod
    def forward(ctx, x: Tensor, z: Tensor, args: tuple) -> Tensor:  # type: ignore[override]
        xn, zn, ax, kx, az, kz, fixed_x, fixed_z, sink = args
        need_gx = bool(ctx.needs_input_grad[0])
        loss, parts, gx, gz, ok = signature_kernel(xn, zn, ax, kx, az, kz, fixed_x, fixed_z, need_gx)
        if not ok:
            raise NonFiniteLoss
        sink.append(parts)
        if z.dim() == 2:  # one problem
            loss, gx, gz = loss.reshape(()), gx[0], gz[0]
        ctx.save_for_backward(torch.from_numpy(gx) if need_gx else None, torch.from_numpy(gz))
        return torch.from_numpy(loss)

    @staticmethod
    def backward(ctx, grad: Tensor):  # type: ignore[override]
        gx, gz = ctx.saved_tensors
        g = grad.reshape(-1, *([1] * (gz.dim() - 1))) if grad.dim() else grad
        return (g * gx if gx is not None else None), g * gz, None
