"""Fused CPU kernel for the default topological signature loss.

The loss touches only ``2 (n - 1)`` pairs and the two farthest pairs, so its value
*and* its gradient with respect to both point sets fit in one O(n (D + m)) pass.
Eager PyTorch would spend ~60 small operations (forward and backward) on the same
work, which at TopoAE's batch sizes costs more than the pairing itself. The
pairing still comes from the core (``rips_pairs_from_points``); the kernel
routes gradients to exactly the paired points, as the gathered version does, and
is tested equal to it (values and gradients) in ``tests/test_topoae_loss.py``.
"""
from __future__ import annotations

import numpy as np
import torch
from numba import njit
from torch import Tensor

import topograph.core._numba_config  # noqa: F401


@njit(cache=True)
def _norm_diff(a, i, j):
    s = 0.0
    for c in range(a.shape[1]):
        d = np.float64(a[i, c]) - np.float64(a[j, c])
        s += d * d
    return np.sqrt(s)


@njit(cache=True)
def _add_pair_grad(g, a, i, j, coef):
    for c in range(a.shape[1]):
        d = coef * (np.float64(a[i, c]) - np.float64(a[j, c]))
        g[i, c] += d
        g[j, c] -= d


@njit(cache=True)
def signature_kernel(x, z, pairs, far_x, far_z, fixed_x, fixed_z, tiny):
    """Per problem ``b``: loss parts ``[B, 2]`` (L_XZ, L_ZX) and gradients of their sum.

    ``pairs [B, 2P, 2]``: the MST edges of X then of Z. ``fixed_x``/``fixed_z`` > 0 are
    constant divisors; <= 0 means "divide by the problem's largest distance" (the
    farthest pair ``far_x [B, 2]`` / ``far_z``), which then also receives gradient.
    """
    B = x.shape[0]
    P2 = pairs.shape[1]
    P = P2 // 2
    parts = np.zeros((B, 2))
    gx = np.zeros(x.shape)
    gz = np.zeros(z.shape)
    for b in range(B):
        xb, zb, gxb, gzb = x[b], z[b], gx[b], gz[b]
        sx = fixed_x if fixed_x > 0 else max(_norm_diff(xb, far_x[b, 0], far_x[b, 1]), tiny)
        sz = fixed_z if fixed_z > 0 else max(_norm_diff(zb, far_z[b, 0], far_z[b, 1]), tiny)
        ax = 0.0  # d loss / d sx = -ax
        az = 0.0  # d loss / d sz = +az
        for p in range(P2):
            i = pairs[b, p, 0]
            j = pairs[b, p, 1]
            dx = _norm_diff(xb, i, j)
            dz = _norm_diff(zb, i, j)
            r = dx / sx - dz / sz
            parts[b, 0 if p < P else 1] += 0.5 * r * r
            if dx > 0:
                _add_pair_grad(gxb, xb, i, j, r / (sx * dx))
            if dz > 0:
                _add_pair_grad(gzb, zb, i, j, -r / (sz * dz))
            ax += r * dx / (sx * sx)
            az += r * dz / (sz * sz)
        if fixed_x <= 0 and sx > tiny:
            _add_pair_grad(gxb, xb, far_x[b, 0], far_x[b, 1], -ax / sx)
        if fixed_z <= 0 and sz > tiny:
            _add_pair_grad(gzb, zb, far_z[b, 0], far_z[b, 1], az / sz)
    return parts, gx, gz


class FusedSignatureLoss(torch.autograd.Function):
    """``(x [B, n, D], z [B, n, m]) -> (loss [B], parts [B, 2])`` with the kernel's
    analytic gradient (``parts`` = L_XZ, L_ZX, not differentiable)."""

    @staticmethod
    def forward(ctx, x: Tensor, z: Tensor, pairs: Tensor, far_x: Tensor, far_z: Tensor,
                fixed_x: float, fixed_z: float):  # type: ignore[override]
        tiny = float(torch.finfo(x.dtype).tiny)
        parts, gx, gz = signature_kernel(
            x.detach().numpy(), z.detach().numpy(), pairs.numpy(), far_x.numpy(), far_z.numpy(),
            float(fixed_x), float(fixed_z), tiny)
        ctx.save_for_backward(torch.from_numpy(gx).to(x.dtype), torch.from_numpy(gz).to(z.dtype))
        parts_t = torch.from_numpy(parts).to(x.dtype)
        ctx.mark_non_differentiable(parts_t)
        return parts_t.sum(1), parts_t

    @staticmethod
    def backward(ctx, grad: Tensor, _grad_parts: Tensor):  # type: ignore[override]
        gx, gz = ctx.saved_tensors
        g = grad[:, None, None]
        return g * gx, g * gz, None, None, None, None, None
