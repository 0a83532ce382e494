"""Numba kernels of graph filtrations: elder-rule union-find (lower-star and edge
filtrations), the CPU fast path of :mod:`topograph.core.pairing.graph`.

See :mod:`topograph.core.pairing._kernels` for why numba. Kernels run in parallel
over the filtrations with ``prange``.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

import topograph.core._numba_config  # noqa: F401  (threading layer before any parallel kernel)


@njit(cache=True, inline="always")
def _find(parent: np.ndarray, x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]  # path halving
        x = parent[x]
    return x


@njit(cache=True, inline="always")
def _later_endpoints(u, v, r, last):
    """``last[e]``: the endpoint of edge ``e`` that comes later in the vertex order."""
    for e in range(u.shape[0]):
        a = u[e]
        b = v[e]
        last[e] = a if r[a] > r[b] else b


@njit(cache=True, inline="always")
def _order_by_last(r, last, N):
    """Edges ordered by the rank of their later endpoint, ties by edge index (a stable
    counting sort: no comparison sort of the edges)."""
    E = last.shape[0]
    start = np.zeros(N + 1, dtype=np.int64)
    for e in range(E):
        start[r[last[e]] + 1] += 1
    for i in range(N):
        start[i + 1] += start[i]
    order_e = np.empty(E, dtype=np.int64)
    for e in range(E):
        key = r[last[e]]
        order_e[start[key]] = e
        start[key] += 1
    return order_e


@njit(cache=True, inline="always")
def _elder_union_find(u, v, r, last, order_e, death_edge, death_vertex, cycle_edge, cycle_vertex):
    """Union-find over the edges in ``order_e`` with the elder rule (one filtration).

    Writes the killing edge (and its later endpoint) of every dying vertex, and the
    cycle-closing edges in edge-index order (grouped by graph for canonical edges).
    Returns the number of cycle edges.
    """
    N = r.shape[0]
    E = u.shape[0]
    parent = np.arange(N)
    oldest = np.arange(N)  # oldest vertex of the component, stored at its root
    closes = np.zeros(E, dtype=np.bool_)
    for t in range(E):
        e = order_e[t]
        a = _find(parent, u[e])
        b = _find(parent, v[e])
        if a == b:
            closes[e] = True
            continue
        ma = oldest[a]
        mb = oldest[b]
        if r[ma] < r[mb]:  # the component with the younger oldest vertex dies
            death_edge[mb] = e
            death_vertex[mb] = last[e]
            parent[b] = a
        else:
            death_edge[ma] = e
            death_vertex[ma] = last[e]
            parent[a] = b
    c = 0
    for e in range(E):
        if closes[e]:
            cycle_edge[c] = e
            cycle_vertex[c] = last[e]
            c += 1
    return c


@njit(cache=True, inline="always")
def _radix_sort(order, keys, packed):
    """Stable sort of the indices ``order`` by ``keys[order]`` (order-preserving uint64
    images of float values, see :func:`sort_keys`): an LSD radix sort, one counting
    pass per 11-bit digit (the lower 32 bits are zero and skipped for ``packed``
    float32 keys, and a digit that is equal for all entries costs one counting pass
    only). Stable, so ties keep the order of ``order``. Several times faster than
    numba's merge-sort argsort, which was most of the kernel's time."""
    E = order.shape[0]
    cur = order.copy()
    buf = np.empty(E, dtype=np.int64)
    kcur = np.empty(E, dtype=np.uint64)
    for t in range(E):
        kcur[t] = keys[order[t]]
    kbuf = np.empty(E, dtype=np.uint64)
    count = np.empty(2049, dtype=np.int64)
    mask = np.uint64(2047)
    for shift_ in range(32 if packed else 0, 64, 11):  # 11-bit digits: 3 passes for float32
        shift = np.uint64(shift_)
        count[:] = 0
        for t in range(E):
            count[np.int64((kcur[t] >> shift) & mask) + 1] += 1
        if count.max() == E:  # every entry has this digit: nothing moves
            continue
        for i in range(2048):
            count[i + 1] += count[i]
        for t in range(E):
            d = np.int64((kcur[t] >> shift) & mask)
            pos = count[d]
            buf[pos] = cur[t]
            kbuf[pos] = kcur[t]
            count[d] = pos + 1
        cur, buf = buf, cur
        kcur, kbuf = kbuf, kcur
    return cur


def sort_keys(x: np.ndarray) -> tuple[np.ndarray, bool]:
    """Order-preserving uint64 keys of float values (any shape) and whether they are
    packed (float32 values in the upper 32 bits, zeros below).

    ``-0.0`` and ``0.0`` get the same key and NaN sorts last, as in ``np.argsort``.
    """
    x = x + x.dtype.type(0.0)  # -0.0 -> +0.0
    nan = np.isnan(x)
    if x.dtype == np.float32:
        b = x.view(np.uint32)
        key = np.where(b >= np.uint32(0x80000000), ~b, b | np.uint32(0x80000000))
        if nan.any():
            key[nan] = np.uint32(0xFFFFFFFF)
        return key.astype(np.uint64) << np.uint64(32), True
    b = x.astype(np.float64).view(np.uint64)
    sign = np.uint64(1) << np.uint64(63)
    key = np.where(b >= sign, ~b, b | sign)
    if nan.any():
        key[nan] = np.uint64(0xFFFFFFFFFFFFFFFF)
    return key, False


edge_sort_keys = sort_keys  # the name the edge-filtration path used first


@njit(cache=True, parallel=True)
def graph_pairs_kernel(u, v, vertex_keys, edge_keys, lower_star, vpacked=False, epacked=False):
    """Elder-rule union-find for ``k`` graph filtrations of a batch of graphs.

    The kernel contract shared by every backend (numba here, Triton on GPUs):

    * order: vertices by ``(value, vertex index)``; edges by ``(edge value, rank of
      the edge's later endpoint in the vertex order, edge index)``; a vertex comes
      before the edges of equal value (an edge value is never below its endpoints).
    * elder rule: a merging edge kills the component whose oldest vertex is younger.
    * ``lower_star=True``: the edge values are the max of the endpoint values, so the
      edge order is the order of the later endpoint (a counting sort, and
      ``edge_keys`` is not read; pass an empty ``[k, 0]`` array). Otherwise one
      stable radix sort of the edge keys per filtration refines that order.

    Per filtration (in parallel) one radix sort of the vertex keys and one
    union-find over the whole batch (graphs are disjoint).

    Args:
        u, v: ``[E]`` int64 canonical edge endpoints (grouped by graph).
        vertex_keys: ``[k, N]`` uint64 keys of the vertex values (:func:`sort_keys`).
        edge_keys: ``[k, E]`` uint64 keys of the edge values (``>=`` both endpoint
            values), from :func:`sort_keys`.
        lower_star: see above.
        vpacked, epacked: the vertex / edge keys are packed (from :func:`sort_keys`).
    Returns:
        rank ``[k, N]``; death_edge and death_vertex ``[k, N]`` (edge killing the class
        born at each vertex and that edge's later endpoint; -1 if essential);
        cycle_edge and cycle_vertex ``[k, E]`` (cycle-closing edges in edge-index
        order, hence grouped by graph, and their later endpoints; the first
        ``count[f]`` entries are valid); count ``[k]``.
    """
    k, N = vertex_keys.shape
    E = u.shape[0]
    rank = np.empty((k, N), dtype=np.int64)
    death_edge = np.full((k, N), -1, dtype=np.int64)
    death_vertex = np.full((k, N), -1, dtype=np.int64)
    cycle_edge = np.zeros((k, E), dtype=np.int64)
    cycle_vertex = np.zeros((k, E), dtype=np.int64)
    count = np.zeros(k, dtype=np.int64)
    for f in prange(k):
        # stable: ties by vertex index
        order_v = _radix_sort(np.arange(N), vertex_keys[f], vpacked)
        r = rank[f]
        for i in range(N):
            r[order_v[i]] = i
        last = np.empty(E, dtype=np.int64)
        _later_endpoints(u, v, r, last)
        order_e = _order_by_last(r, last, N)
        if not lower_star:  # stable sort by edge value of the (later rank, index) order
            order_e = _radix_sort(order_e, edge_keys[f], epacked)
        count[f] = _elder_union_find(u, v, r, last, order_e, death_edge[f], death_vertex[f],
                                     cycle_edge[f], cycle_vertex[f])
    return rank, death_edge, death_vertex, cycle_edge, cycle_vertex, count


def lower_star_pairs_kernel(u, v, values):
    """:func:`graph_pairs_kernel` for lower-star filtrations of float ``values [k, N]``."""
    keys, packed = sort_keys(values)
    empty = np.empty((values.shape[0], 0), dtype=np.uint64)
    return graph_pairs_kernel(u, v, keys, empty, True, packed, False)


@njit(cache=True)
def edge_columns_kernel(a, b, cu, cv, n):
    """Canonical edge of every input column (``-1`` for self-loops) and the first input
    column of every canonical edge (``len(a)`` if none). Input columns ``(a, b)`` in
    any direction; canonical edges ``(cu, cv)`` sorted by ``(u, v)``: rows by the lower
    endpoint (CSR offsets), then a short scan of the row (its degree)."""
    E_in = a.shape[0]
    E = cu.shape[0]
    start = np.zeros(n + 1, dtype=np.int64)
    for c in range(E):
        start[cu[c] + 1] += 1
    for i in range(n):
        start[i + 1] += start[i]
    canon = np.full(E_in, -1, dtype=np.int64)
    source = np.full(E, E_in, dtype=np.int64)
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
        if j < source[c]:
            source[c] = j
    return canon, source


@njit(cache=True)
def first_unequal_column(ev, canon, source):
    """First input column whose values ``ev [E_in, k]`` differ from those of the first
    column of the same undirected edge (``-1`` if none): one pass, no temporaries."""
    for j in range(ev.shape[0]):
        c = canon[j]
        if c < 0:
            continue
        i = source[c]
        if i == j:
            continue
        for f in range(ev.shape[1]):
            if ev[j, f] != ev[i, f]:
                return j
    return -1


@njit(cache=True)
def first_invalid_edge(vals, ev, source, u, v):
    """First canonical edge ``c`` whose value ``ev[source[c]]`` is below one of its
    endpoints' values ``vals [N, k]`` in some filtration (``-1`` if none)."""
    for c in range(u.shape[0]):
        s = source[c]
        a = u[c]
        b = v[c]
        for f in range(ev.shape[1]):
            if ev[s, f] < max(vals[a, f], vals[b, f]):
                return c
    return -1


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
