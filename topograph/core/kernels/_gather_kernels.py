"""Numba loops of :func:`topograph.core.gather.gather_columns`: a column-wise gather
and its adjoint scatter-add (plain loops, no other kernel called). Indices come
row-major ``[P, k]`` or, transposed, ``[k, P]`` (the pairing's own layout); each
loop reads them in memory order (the column of entry ``[a, b]`` is ``b``, or ``a``
when transposed), and every array stays C-contiguous (one compiled variant)."""
from __future__ import annotations

from numba import njit


@njit(cache=True)
def gather_columns_kernel(x, index, out, transposed):
    """``out[r, f] = x[index[r, f], f]`` for ``x [M, k]`` and ``index, out [P, k]``
    (``transposed``: both given as ``[k, P]``). Returns False (and stops) at an index
    outside ``0..M-1``."""
    M = x.shape[0]
    t = 1 if transposed else 0
    for a in range(index.shape[0]):
        for b in range(index.shape[1]):
            i = index[a, b]
            if i < 0 or i >= M:
                return False
            out[a, b] = x[i, a * t + b * (1 - t)]
    return True


@njit(cache=True)
def scatter_columns_kernel(grad, index, out, transposed):
    """``out[index[r, f], f] += grad[r, f]`` (the adjoint of the gather, whose forward
    checked the indices; same layouts), in a fixed order: deterministic."""
    t = 1 if transposed else 0
    for a in range(index.shape[0]):
        for b in range(index.shape[1]):
            out[index[a, b], a * t + b * (1 - t)] += grad[a, b]
