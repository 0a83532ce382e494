"""Numba passes over the inputs of the graph pairing: the caller's edge columns
turned into canonical edges with the map between the two; the edge values' checks,
sort keys and per-graph maxima; per-group maxima of vertex values.

The keys of :func:`edge_values_pass` come from :mod:`~topograph.core.pairing._sort_keys`,
compiled in from another file: its caller runs :func:`topograph.core.kernels.numba_ready`
first (numba keys its disk cache on this file alone). The other kernels here call
nothing outside this file. The pairing itself is in
:mod:`topograph.core.pairing._graph_kernels`.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

from topograph.core.pairing._sort_keys import _float_key


_LOW32 = np.uint64(0xFFFFFFFF)
_HI = np.uint64(32)


@njit(cache=True, inline="always")
def _insertion_sort(keys, s, e):
    """Sort ``keys[s:e]`` in place (linear time if already sorted)."""
    for t in range(s + 1, e):
        x = keys[t]
        q = t - 1
        while q >= s and keys[q] > x:
            keys[q + 1] = keys[q]
            q -= 1
        keys[q + 1] = x


@njit(cache=True)
def _heap_sort(keys):
    """Sort ``keys`` in place: O(n log n) for any input, a few lines to compile."""
    n = keys.shape[0]
    for root in range(n // 2 - 1, -1, -1):  # heapify
        _sift_down(keys, root, n)
    for end in range(n - 1, 0, -1):
        x = keys[0]
        keys[0] = keys[end]
        keys[end] = x
        _sift_down(keys, 0, end)


@njit(cache=True, inline="always")
def _sift_down(keys, root, n):
    while True:
        child = 2 * root + 1
        if child >= n:
            return
        if child + 1 < n and keys[child + 1] > keys[child]:
            child += 1
        if keys[root] >= keys[child]:
            return
        x = keys[root]
        keys[root] = keys[child]
        keys[child] = x
        root = child


@njit(cache=True)
def _sort_long_rows(keys, start, n):
    """Heap-sort the rows longer than 32 (a hub vertex) before the insertion sorts,
    which then see them sorted; a separate loop, so that the short rows' loop stays
    free of the call (a third faster)."""
    for lo in range(n):
        s, e = start[lo], start[lo + 1]
        if e - s > 32:
            _heap_sort(keys[s:e])


@njit(cache=True)
def canonical_edge_map(a, b, n):
    """Canonical edges of the columns ``(a, b)`` (any direction, repeats, self-loops)
    and the map between the two, in O(E + N) for bounded degrees: one counting sort
    of the columns by their smaller endpoint, then each row sorted by ``(larger
    endpoint, column)`` (insertion sort; heap sort for rows longer than 32).

    Returns ``cu, cv [E]`` (``cu < cv``, sorted by ``(cu, cv)``: what
    :func:`topograph.core.complex.canonical_edges` returns), ``canon [E_in]`` (the
    canonical edge of every column, ``-1`` for a self-loop) and ``source [E]`` (the
    first column of every canonical edge), and ``ok``. Needs ``E_in < 2**32``. An
    endpoint outside ``0..n-1`` returns ``ok = False`` and empty arrays (the caller
    raises; nothing is written out of bounds).
    """
    E_in = a.shape[0]
    start = np.zeros(n + 1, dtype=np.int64)
    for j in range(E_in):
        lo, hi = min(a[j], b[j]), max(a[j], b[j])
        if lo < 0 or hi >= n:
            none = np.empty(0, dtype=np.int64)
            return none, none, none, none, False
        start[lo + 1] += lo != hi
    for i in range(n):
        start[i + 1] += start[i]
    m = start[n]
    keys = np.empty(m, dtype=np.uint64)  # larger endpoint << 32 | column, by row
    pos = start[:n].copy()
    for j in range(E_in):
        x, y = a[j], b[j]
        if x != y:
            lo = min(x, y)
            keys[pos[lo]] = (np.uint64(max(x, y)) << _HI) | np.uint64(j)
            pos[lo] += 1
    canon = np.full(E_in, -1, dtype=np.int64)
    cu = np.empty(m, dtype=np.int64)
    cv = np.empty(m, dtype=np.int64)
    source = np.empty(m, dtype=np.int64)
    E = 0
    _sort_long_rows(keys, start, n)
    for lo in range(n):
        s, e = start[lo], start[lo + 1]
        _insertion_sort(keys, s, e)
        prev = -1
        for t in range(s, e):
            hi = np.int64(keys[t] >> _HI)
            j = np.int64(keys[t] & _LOW32)
            if hi != prev:
                cu[E] = lo
                cv[E] = hi
                source[E] = j  # the smallest column of the edge
                E += 1
                prev = hi
            canon[j] = E - 1
    return cu[:E], cv[:E], canon, source[:E], True


@njit(cache=True, parallel=True)
def edge_values_pass(canon, source, cu, cv, batch, num_graphs, ev, ev_check, vals, check_dup,
                     check_valid, want_keys, want_max, packed):
    """What the edge-filtration pairing reads from the caller's edge values, and the
    input checks, given the map of :func:`canonical_edge_map`:

    * ``check_dup``: does a column's ``ev_check [E_in, k]`` row differ from its edge's
      source column's? ``check_valid``: is an edge's value below one of its endpoints'
      values ``vals [N, k]``? (Booleans: the caller words the error.)
    * ``want_keys``: the sort keys ``[k, E]`` of the source rows of ``ev`` (the values
      the pairing sorts; see :func:`sort_keys`, ``packed`` iff ``ev`` is float32),
      else ``[k, 0]``;
    * ``want_max``: ``argmax [num_graphs, k]``, the source column of the largest edge
      value of every graph (ties to the later canonical edge; ``-1``: no edges). The
      canonical edges of a graph are contiguous (``batch`` is sorted and ``cu`` too).

    ``ev`` and ``ev_check`` are the same array unless edges are clamped (then the
    clamped values are sorted and the given ones checked). One loop each; the three
    largest run in parallel (over columns, edges and graphs: half the pass at two
    threads, the same cost at one), the validity check serially (too short to pay
    for another parallel region's compile time).
    """
    E = source.shape[0]
    k = ev.shape[1]
    n_dup = 0
    if check_dup:
        for j in prange(canon.shape[0]):
            c = canon[j]
            if c >= 0 and source[c] != j:
                i = source[c]
                d = False
                for f in range(k):
                    d |= ev_check[j, f] != ev_check[i, f]
                n_dup += d
    n_bad = 0
    if check_valid:
        for c in range(E):
            j, x, y = source[c], cu[c], cv[c]
            d = False
            for f in range(k):
                d |= ev_check[j, f] < max(vals[x, f], vals[y, f])
            n_bad += d
    keys = np.empty((k, E if want_keys else 0), dtype=np.uint64)
    if want_keys:
        for c in prange(E):
            j = source[c]
            for f in range(k):
                keys[f, c] = _float_key(ev[j, f], packed)
    argmax = np.full((num_graphs if want_max else 0, k), -1, dtype=np.int64)
    if want_max:
        ptr = np.zeros(num_graphs + 1, dtype=np.int64)  # edges of graph g: ptr[g]:ptr[g+1]
        for c in range(E):
            ptr[batch[cu[c]] + 1] += 1
        for g in range(num_graphs):
            ptr[g + 1] += ptr[g]
        for g in prange(num_graphs):
            best = np.full(k, -np.inf, dtype=ev.dtype)
            for c in range(ptr[g], ptr[g + 1]):
                j = source[c]
                for f in range(k):
                    w = ev[j, f]
                    if w >= best[f]:
                        best[f] = w
                        argmax[g, f] = j
    return keys, argmax, n_dup > 0, n_bad > 0


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
