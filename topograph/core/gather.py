"""Column-wise gathers of filtration values, differentiable: how graph diagrams read
their birth and death values (``x.gather(0, index)`` for several ``index``).

Why not ``torch.gather``: on the CPU, a dim-0 gather of a ``[M, k]`` tensor costs
about 2 ns per entry and its backward (``scatter_add_``) as much again, a fifth of a
lower-star or edge-filtration diagram's time. The numba loops here take a fraction
of that, and one call serves several index tensors: the backward fills one gradient
buffer (no ``cat`` / ``split`` of the indices, no sum of per-index buffers). Other
devices and dtypes, and double backward, use torch ops.
"""
from __future__ import annotations

import torch
from torch import Tensor

from topograph.core.kernels import configure_numba


def _kernels():
    configure_numba()
    from topograph.core.kernels import _gather_kernels

    return _gather_kernels


def _layout(index: Tensor) -> tuple[Tensor, bool]:
    """``index`` as a C-contiguous array for the kernels: itself, or its transpose
    ``[k, P]`` (then ``True``) when it is a transposed view (the pairing's output)."""
    if index.is_contiguous():
        return index, False
    if index.T.is_contiguous():
        return index.T, True
    return index.contiguous(), False


def _gather_numba(x: Tensor, indices: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
    k = _kernels()
    xn = x.detach().contiguous().numpy()
    outs = []
    for index in indices:
        idx, t = _layout(index)
        out = torch.empty(idx.shape, dtype=x.dtype)
        if not k.gather_columns_kernel(xn, idx.numpy(), out.numpy(), t):
            raise IndexError(f"gather index out of range for {x.shape[0]} rows "
                             f"(min {int(index.min())}, max {int(index.max())})")
        outs.append(out.T if t else out)
    return tuple(outs)


class _GatherColumns(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: Tensor, *indices: Tensor) -> tuple[Tensor, ...]:
        ctx.save_for_backward(*indices)
        ctx.x_shape = x.shape
        ctx.set_materialize_grads(False)
        return _gather_numba(x, indices)

    @staticmethod
    def backward(ctx, *grads: Tensor | None) -> tuple[Tensor | None, ...]:
        indices = ctx.saved_tensors
        none = (None,) * len(indices)
        live = [(g, i) for g, i in zip(grads, indices) if g is not None]
        if not live:
            return (None,) + none
        if torch.is_grad_enabled():  # double backward: differentiable torch ops
            out = live[0][0].new_zeros(ctx.x_shape)
            for g, i in live:
                out = out.scatter_add(0, i, g)
            return (out,) + none
        out = torch.zeros(ctx.x_shape, dtype=live[0][0].dtype)
        k = _kernels()
        for g, i in live:
            idx, t = _layout(i)
            grad = (g.T if t else g).contiguous()
            k.scatter_columns_kernel(grad.numpy(), idx.numpy(), out.numpy(), t)
        return (out,) + none


def gather_columns(x: Tensor, *indices: Tensor) -> tuple[Tensor, ...]:
    """``x.gather(0, index)`` for every ``index``: ``out[r, f] = x[index[r, f], f]``.

    Args:
        x: ``[M, k]`` values.
        indices: ``[P_i, k]`` int64 row indices in ``0..M-1`` (any strides; an index
            out of range raises ``IndexError``, as ``torch.gather`` does).
    Returns:
        One ``[P_i, k]`` tensor per index, differentiable with respect to ``x``.
    """
    fast = x.device.type == "cpu" and x.dtype in (torch.float32, torch.float64) and all(
        i.dtype == torch.int64 and i.device.type == "cpu" for i in indices)
    if not fast:
        return tuple(x.gather(0, i) for i in indices)
    if x.requires_grad and torch.is_grad_enabled():
        return _GatherColumns.apply(x, *indices)
    return _gather_numba(x, indices)
