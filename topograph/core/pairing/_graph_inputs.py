"""Numba passes over the inputs of the graph pairing: the map from the caller's edge
columns to the canonical edges with the input checks, and per-group maxima.

Plain loops that call no other kernel (so their disk cache depends on this file
alone); the pairing itself is in :mod:`topograph.core.pairing._graph_kernels`.
"""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def edge_columns_kernel(a, b, cu, cv, n, ev, vals, check_dup, check_valid):
    """Canonical edge of every input column (``-1`` for self-loops) and the first input
    column of every canonical edge (``len(a)`` if none), with the input checks of
    edge values in the same pass.

    Input columns ``(a, b)`` in any direction; canonical edges ``(cu, cv)`` sorted by
    ``(u, v)``: rows by the lower endpoint (CSR offsets), then a short scan of the row
    (its degree). Columns are visited in order, so the first one seen of an edge is
    its source. ``check_dup``: the first column whose values ``ev [E_in, k]`` differ
    from its edge's source column; ``check_valid``: the first edge (in column order)
    whose value is below one of its endpoints' values ``vals [N, k]``. Returns
    ``canon, source, bad_column, bad_edge`` (``-1``: none found or not checked).
    """
    E_in = a.shape[0]
    E = cu.shape[0]
    k = ev.shape[1]
    start = np.zeros(n + 1, dtype=np.int64)
    for c in range(E):
        start[cu[c] + 1] += 1
    for i in range(n):
        start[i + 1] += start[i]
    canon = np.full(E_in, -1, dtype=np.int64)
    source = np.full(E, E_in, dtype=np.int64)
    bad_column = -1
    bad_edge = -1
    for j in range(E_in):
        x, y = a[j], b[j]
        if x == y:
            continue
        lo, hi = min(x, y), max(x, y)
        c = start[lo]
        end = start[lo + 1] - 1
        while c < end and cv[c] != hi:
            c += 1
        canon[j] = c
        i = source[c]
        if i == E_in:
            source[c] = j
            if check_valid and bad_edge < 0:
                for f in range(k):
                    if ev[j, f] < max(vals[lo, f], vals[hi, f]):
                        bad_edge = c
                        break
        elif check_dup and bad_column < 0:
            for f in range(k):
                if ev[j, f] != ev[i, f]:
                    bad_column = j
                    break
    return canon, source, bad_column, bad_edge


@njit(cache=True)
def group_argmax(values, group, num_groups):
    """Row of the largest value of every group and column of ``values [M, k]``, ties
    to the largest row, ``-1`` for an empty group (NaN rows are never chosen)."""
    M, k = values.shape
    arg = np.full((num_groups, k), -1, dtype=np.int64)
    best = np.full((num_groups, k), -np.inf, dtype=values.dtype)
    for i in range(M):
        g = group[i]
        for f in range(k):
            x = values[i, f]
            if x >= best[g, f]:
                best[g, f] = x
                arg[g, f] = i
    return arg
