"""Numba loops of :func:`topograph.core.gather.gather_columns`: a column-wise gather
and its adjoint scatter-add (plain loops, no other kernel called). Indices come
row-major ``[P, k]`` or, transposed, ``[k, P]`` (the pairing's own layout); each
loop reads them in memory order, and every array stays C-contiguous (one compiled
variant)."""
from __future__ import annotations

from numba import njit


@njit(cache=True)
def gather_columns_kernel(x, index, out, transposed):
    """``out[r, f] = x[index[r, f], f]`` for ``x [M, k]`` and ``index, out [P, k]``
    (``transposed``: both given as ``[k, P]``). Returns False (and stops) at an index
    outside ``0..M-1``."""
    M = x.shape[0]
    if transposed:
        for f in range(index.shape[0]):
            for r in range(index.shape[1]):
                i = index[f, r]
                if i < 0 or i >= M:
                    return False
                out[f, r] = x[i, f]
        return True
    for r in range(index.shape[0]):
        for f in range(index.shape[1]):
            i = index[r, f]
            if i < 0 or i >= M:
                return False
            out[r, f] = x[i, f]
    return True


@njit(cache=True)
def scatter_columns_kernel(grad, index, out, transposed):
    """``out[index[r, f], f] += grad[r, f]`` (the adjoint of the gather, whose forward
    checked the indices; same layouts), in a fixed order: deterministic."""
    if transposed:
        for f in range(index.shape[0]):
            for r in range(index.shape[1]):
                out[index[f, r], f] += grad[f, r]
        return
    for r in range(index.shape[0]):
        for f in range(index.shape[1]):
            out[index[r, f], f] += grad[r, f]
