"""Numba passes over the inputs of the graph pairing: the caller's edge columns
turned into canonical edges, the map between the two, the input checks and the sort
keys in one kernel; and per-group maxima.

The keys come from :func:`~topograph.core.pairing._graph_kernels._float_key`, compiled
in from another file: callers run :func:`topograph.core.kernels.numba_ready` first
(numba keys its disk cache on this file alone). The pairing itself is in
:mod:`topograph.core.pairing._graph_kernels`.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from topograph.core.pairing._graph_kernels import _float_key


@njit(cache=True)
def _stable_counting_sort(items, key, n):
    """``items`` reordered stably by ``key[i]`` (integers in ``0..n-1``) of each item."""
    start = np.zeros(n + 1, dtype=np.int64)
    for i in items:
        start[key[i] + 1] += 1
    for i in range(n):
        start[i + 1] += start[i]
    out = np.empty_like(items)
    for i in items:
        out[start[key[i]]] = i
        start[key[i]] += 1
    return out


@njit(cache=True)
def edge_inputs_kernel(a, b, n, batch, num_graphs, ev, ev_check, vals, check_dup, check_valid,
                       want_keys, want_max, packed):
    """The caller's edge columns ``(a, b)`` (any direction, repeats, self-loops) turned
    into what the edge-filtration pairing reads, in O(E + N) passes:

    * the canonical edges ``cu < cv`` sorted by ``(cu, cv)`` (what
      :func:`topograph.core.complex.canonical_edges` returns), from two stable
      counting sorts of the columns (by the larger endpoint, then the smaller);
    * ``canon [E_in]``: the canonical edge of every column (``-1``: self-loop), and
      ``source [E]``: the first column of every canonical edge (the row read);
    * the checks: ``bad_column`` (a column whose values ``ev_check [E_in, k]`` differ
      from its source column's) and ``bad_edge`` (an edge whose value is below an
      endpoint's value in ``vals [N, k]``), booleans; the caller words the error;
    * ``want_keys``: the sort keys ``[k, E]`` of the edge values ``ev`` (the values
      the pairing sorts; see :func:`sort_keys`, ``packed`` iff ``ev`` is float32),
      else ``[k, 0]``;
    * ``want_max``: ``argmax [num_graphs, k]``, the source column of the largest edge
      value of every graph (ties to the later canonical edge; ``-1``: no edges).

    ``ev`` and ``ev_check`` are the same array unless edges are clamped (then the
    clamped values are sorted and the given ones checked).
    """
    E_in = a.shape[0]
    k = ev.shape[1]
    lo = np.empty(E_in, dtype=np.int64)
    hi = np.empty(E_in, dtype=np.int64)
    m = 0
    for j in range(E_in):
        lo[j] = min(a[j], b[j])
        hi[j] = max(a[j], b[j])
        m += lo[j] != hi[j]
    cols = np.empty(m, dtype=np.int64)
    t = 0
    for j in range(E_in):
        if lo[j] != hi[j]:
            cols[t] = j
            t += 1
    cols = _stable_counting_sort(_stable_counting_sort(cols, hi, n), lo, n)
    canon = np.full(E_in, -1, dtype=np.int64)
    cu = np.empty(m, dtype=np.int64)
    cv = np.empty(m, dtype=np.int64)
    source = np.empty(m, dtype=np.int64)
    bad_column = False
    E = 0
    for t in range(m):
        j = cols[t]
        if E == 0 or lo[j] != cu[E - 1] or hi[j] != cv[E - 1]:
            cu[E] = lo[j]
            cv[E] = hi[j]
            source[E] = j  # the smallest column: the sorts are stable
            E += 1
        elif check_dup and not bad_column:
            i = source[E - 1]
            for f in range(k):
                if ev_check[j, f] != ev_check[i, f]:
                    bad_column = True
                    break
        canon[j] = E - 1
    keys = np.empty((k, E if want_keys else 0), dtype=np.uint64)
    argmax = np.full((num_graphs if want_max else 0, k), -1, dtype=np.int64)
    best = np.full(argmax.shape, -np.inf, dtype=ev.dtype)
    bad_edge = False
    for c in range(E):
        j = source[c]
        x, y = cu[c], cv[c]
        for f in range(k):
            w = ev[j, f]
            if want_keys:
                keys[f, c] = _float_key(w, packed)
            if check_valid and ev_check[j, f] < max(vals[x, f], vals[y, f]):
                bad_edge = True
            if want_max and w >= best[batch[x], f]:
                best[batch[x], f] = w
                argmax[batch[x], f] = j
    return cu[:E], cv[:E], canon, source[:E], keys, argmax, bad_column, bad_edge


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
