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


@njit(cache=True)
def _later_endpoints(u, v, r, last):
    """``last[e]``: the endpoint of edge ``e`` that comes later in the vertex order."""
    for e in range(u.shape[0]):
        a = u[e]
        b = v[e]
        last[e] = a if r[a] > r[b] else b


@njit(cache=True, inline="always")
def _counting_order(key, n):
    """Stable order of ``key`` (integers in ``0..n-1``): a counting sort, ties by
    position. Shared by the mesh and extended kernels."""
    m = key.shape[0]
    start = np.zeros(n + 1, dtype=np.int64)
    for i in range(m):
        start[key[i] + 1] += 1
    for i in range(n):
        start[i + 1] += start[i]
    order = np.empty(m, dtype=np.int64)
    for i in range(m):
        order[start[key[i]]] = i
        start[key[i]] += 1
    return order


@njit(cache=True)
def _order_by_last(r, last, N):
    """Edges ordered by the rank of their later endpoint, ties by edge index (a stable
    counting sort: no comparison sort of the edges)."""
    return _counting_order(r[last], N)


@njit(cache=True)
def _elder_union_find(u, v, r, tag, order_e, death_edge, death_tag, cycle_edge, cycle_tag):
    """Union-find over the edges in ``order_e`` with the elder rule (one filtration).

    Writes the killing edge of every dying vertex and its ``tag`` (the edge's later
    endpoint, or the caller's row of the edge), and the cycle-closing edges and their
    tags in edge-index order (grouped by graph for canonical edges). Returns the
    number of cycle edges.
    """
    N = r.shape[0]
    E = u.shape[0]
    # the root of a component is its oldest vertex: a merge hangs the younger root
    # under the older one, so no separate "oldest" array is needed
    parent = np.arange(N)
    closes = np.zeros(E, dtype=np.bool_)
    for t in range(E):
        e = order_e[t]
        a = _find(parent, u[e])
        b = _find(parent, v[e])
        if a == b:
            closes[e] = True
            continue
        if r[a] < r[b]:  # the component with the younger oldest vertex dies
            death_edge[b] = e
            death_tag[b] = tag[e]
            parent[b] = a
        else:
            death_edge[a] = e
            death_tag[a] = tag[e]
            parent[a] = b
    c = 0
    for e in range(E):
        if closes[e]:
            cycle_edge[c] = e
            cycle_tag[c] = tag[e]
            c += 1
    return c


@njit(cache=True, inline="always")
def _radix_pass(count, kcur, kbuf, cur, buf, shift, mask, E):
    """One stable scatter pass of an LSD radix sort by the digit ``(key >> shift) &
    mask`` (``count``: that digit's histogram, shifted by one; ``shift`` and ``mask``
    of the keys' integer type); returns False (nothing moved) if every entry has the
    same digit."""
    if count.max() == E:
        return False
    for i in range(count.shape[0] - 1):
        count[i + 1] += count[i]
    for t in range(E):
        dig = np.int64((kcur[t] >> shift) & mask)
        pos = count[dig]
        buf[pos] = cur[t]
        kbuf[pos] = kcur[t]
        count[dig] = pos + 1
    return True


@njit(cache=True)
def _sort_packed(keys):
    """The packed (float32) branch of :func:`_radix_sort`: the stable order of the
    upper 32 bits of ``keys``, and those 32-bit keys in sorted order.

    Keys are shifted by their minimum; of the ``b`` bits the spread needs, the top 24
    at most are radix-sorted (at most three scatter passes of 8-bit digits, 256
    buckets: faster than 11-bit digits at these sizes) and the ``d = b - 24`` bits
    below (if any) are finished per run of equal top bits: insertion sort for short
    runs, one counting-sort pass of the low ``d <= 8`` bits for longer ones, so the
    work stays linear for any input. Values spread like a batch's (float32 keys
    over 2^30 codes, 10^4 edges) leave runs of length 1 or 2."""
    E = keys.shape[0]
    cur = np.empty(E, dtype=np.int64)
    k32 = np.empty(E, dtype=np.uint32)
    if E == 0:
        return cur, k32
    mn = np.uint32(0xFFFFFFFF)
    mx = np.uint32(0)
    for t in range(E):
        cur[t] = t
        key = np.uint32(keys[t] >> np.uint64(32))
        k32[t] = key
        mn = min(mn, key)
        mx = max(mx, key)
    b = 0
    while b < 32 and ((mx - mn) >> np.uint32(b)) != 0:
        b += 1
    d = np.uint32(max(b - 24, 0))
    count = np.zeros((3, 257), dtype=np.int64)
    for t in range(E):
        c = (k32[t] - mn) >> d
        count[0, np.int64(c & np.uint32(255)) + 1] += 1
        count[1, np.int64((c >> np.uint32(8)) & np.uint32(255)) + 1] += 1
        count[2, np.int64(c >> np.uint32(16)) + 1] += 1
    buf = np.empty(E, dtype=np.int64)
    kbuf = np.empty(E, dtype=np.uint32)
    for p in range(3):
        cnt = count[p]
        if cnt[np.int64(((k32[0] - mn) >> (np.uint32(8 * p) + d)) & np.uint32(255)) + 1] == E:
            continue  # one digit value: nothing moves
        for i in range(256):
            cnt[i + 1] += cnt[i]
        sh = np.uint32(8 * p) + d
        for t in range(E):
            dig = np.int64(((k32[t] - mn) >> sh) & np.uint32(255))
            pos = cnt[dig]
            buf[pos] = cur[t]
            kbuf[pos] = k32[t]
            cnt[dig] = pos + 1
        cur, buf = buf, cur
        k32, kbuf = kbuf, k32
    if d > 0:
        _finish_runs(cur, k32, mn, d, buf, kbuf)
    return cur, k32


@njit(cache=True)
def _finish_runs(cur, k32, mn, d, buf, kbuf):
    """Sort every run of equal ``(k32 - mn) >> d`` by ``k32`` (stably, in place, with
    ``cur``); ``buf`` / ``kbuf``: scratch of the same length. Only the low ``d`` bits
    differ within a run."""
    E = cur.shape[0]
    low = (np.uint32(1) << d) - np.uint32(1)
    nlow = np.int64(low)
    cnt = np.zeros(nlow + 2, dtype=np.int64)
    t = 1
    while t < E:
        top = (k32[t - 1] - mn) >> d
        if ((k32[t] - mn) >> d) != top:  # the usual case: no run here
            t += 1
            continue
        i = t - 1
        j = t + 1
        while j < E and ((k32[j] - mn) >> d) == top:
            j += 1
        if j - i <= 32:  # insertion sort
            for q in range(i + 1, j):
                x, cx = k32[q], cur[q]
                p = q - 1
                while p >= i and k32[p] > x:
                    k32[p + 1], cur[p + 1] = k32[p], cur[p]
                    p -= 1
                k32[p + 1], cur[p + 1] = x, cx
        else:  # one stable counting pass over the low d bits
            for q in range(nlow + 2):
                cnt[q] = 0
            for q in range(i, j):
                cnt[np.int64((k32[q] - mn) & low) + 1] += 1
            for q in range(nlow + 1):
                cnt[q + 1] += cnt[q]
            for q in range(i, j):
                dig = np.int64((k32[q] - mn) & low)
                pos = i + cnt[dig]
                cnt[dig] += 1
                buf[pos] = cur[q]
                kbuf[pos] = k32[q]
            for q in range(i, j):
                cur[q] = buf[q]
                k32[q] = kbuf[q]
        t = j + 1


@njit(cache=True)
def _radix_sort(keys, packed, sorted_keys):
    """Stable argsort of ``keys`` (order-preserving uint64 images of float values, see
    :func:`sort_keys`): ties keep index order. ``packed`` float32 keys (zeros in the
    lower 32 bits) are sorted as uint32 by :func:`_sort_packed`; uint64 keys by an LSD
    radix sort: one read pass copies the keys and counts every digit's histogram at
    once, then one scatter pass per 11-bit digit, skipped when all entries share it.
    Several times faster than numba's merge-sort argsort. ``sorted_keys`` (uint64,
    length ``len(keys)``, or empty to skip) receives the keys in sorted order
    (packed: the upper 32 bits only, zeros below)."""
    E = keys.shape[0]
    if packed:
        cur, k32 = _sort_packed(keys)
        if sorted_keys.shape[0] == E:
            for t in range(E):
                sorted_keys[t] = np.uint64(k32[t]) << np.uint64(32)
        return cur
    count = np.zeros((6, 2049), dtype=np.int64)
    kcur = np.empty(E, dtype=np.uint64)
    cur = np.empty(E, dtype=np.int64)
    for t in range(E):
        key = keys[t]
        kcur[t] = key
        cur[t] = t
        for d in range(6):
            count[d, np.int64((key >> np.uint64(11 * d)) & np.uint64(2047)) + 1] += 1
    buf = np.empty(E, dtype=np.int64)
    kbuf = np.empty(E, dtype=np.uint64)
    for d in range(6):
        if _radix_pass(count[d], kcur, kbuf, cur, buf, np.uint64(11 * d), np.uint64(2047), E):
            cur, buf = buf, cur
            kcur, kbuf = kbuf, kcur
    if sorted_keys.shape[0] == E:
        for t in range(E):
            sorted_keys[t] = kcur[t]
    return cur


@njit(cache=True, inline="always")
def _later_rank(u, v, r, e):
    """Rank of the later endpoint of edge ``e`` in the vertex order."""
    return max(r[u[e]], r[v[e]])


@njit(cache=True)
def _ties_by_later_rank(order, skeys, u, v, r):
    """Within every run of equal edge keys in the sorted ``order`` (``skeys``: the keys
    in that order, read sequentially), order the edges by the rank of their later
    endpoint, stably (equal ranks keep index order): the tie rule of the kernel
    contract. Runs are rare and short for real-valued edge filtrations: one
    well-predicted comparison per edge finds them; insertion sort for short runs, a
    radix sort of the ranks else."""
    E = order.shape[0]
    t = 1
    while t < E:
        if skeys[t] != skeys[t - 1]:
            t += 1
            continue
        i = t - 1  # a run starts at i
        j = t + 1
        while j < E and skeys[j] == skeys[i]:
            j += 1
        if j - i > 16:
            run = order[i:j].copy()
            rk = np.empty(j - i, dtype=np.uint64)
            for q in range(j - i):
                rk[q] = _later_rank(u, v, r, run[q])
            perm = _radix_sort(rk, False, np.empty(0, dtype=np.uint64))
            for q in range(j - i):
                order[i + q] = run[perm[q]]
        else:
            for q in range(i + 1, j):
                e = order[q]
                re = _later_rank(u, v, r, e)
                p = q - 1
                while p >= i and _later_rank(u, v, r, order[p]) > re:
                    order[p + 1] = order[p]
                    p -= 1
                order[p + 1] = e
        t = j + 1


@njit(cache=True)
def _pair_one(u, v, vkeys, ekeys, lower_star, vpacked, epacked, rows, r, death_edge, death_tag,
              cycle_edge, cycle_tag):
    """One filtration of :func:`graph_pairs_kernel` (a plain call from its parallel
    loop: the parallel kernel stays small, which keeps its compile time short)."""
    N = r.shape[0]
    E = u.shape[0]
    # stable: ties by vertex index
    order_v = _radix_sort(vkeys, vpacked, np.empty(0, dtype=np.uint64))
    for i in range(N):
        r[order_v[i]] = i
    if lower_star or rows.shape[0] != E:
        tag = np.empty(E, dtype=np.int64)  # the later endpoints
        _later_endpoints(u, v, r, tag)
    else:
        tag = rows
    if lower_star:
        order_e = _order_by_last(r, tag, N)
    else:  # by edge value (ties by index), then equal values by later rank
        skeys = np.empty(E, dtype=np.uint64)
        order_e = _radix_sort(ekeys, epacked, skeys)
        _ties_by_later_rank(order_e, skeys, u, v, r)
    return _elder_union_find(u, v, r, tag, order_e, death_edge, death_tag, cycle_edge, cycle_tag)


@njit(cache=True, parallel=True)
def graph_pairs_kernel(u, v, vertex_keys, edge_keys, lower_star, vpacked, epacked, rows):
    """Elder-rule union-find for ``k`` graph filtrations of a batch of graphs.

    The kernel contract shared by every backend (numba here, Triton on GPUs):

    * order: vertices by ``(value, vertex index)``; edges by ``(edge value, rank of
      the edge's later endpoint in the vertex order, edge index)``; a vertex comes
      before the edges of equal value (an edge value is never below its endpoints).
    * elder rule: a merging edge kills the component whose oldest vertex is younger.
    * ``lower_star=True``: the edge values are the max of the endpoint values, so the
      edge order is the order of the later endpoint (a counting sort, and
      ``edge_keys`` is not read; pass an empty ``[k, 0]`` array). Otherwise one
      stable radix sort of the edge keys per filtration, then runs of equal edge
      values ordered by the rank of their later endpoint.

    Per filtration (in parallel) one radix sort of the vertex keys (and one of the edge
    keys for edge filtrations) and one union-find over the whole batch (graphs are
    disjoint).

    Args:
        u, v: ``[E]`` int64 canonical edge endpoints (grouped by graph).
        vertex_keys: ``[k, N]`` uint64 keys of the vertex values (:func:`sort_keys`).
        edge_keys: ``[k, E]`` uint64 keys of the edge values (``>=`` both endpoint
            values), from :func:`sort_keys`.
        lower_star: see above.
        vpacked, epacked: the vertex / edge keys are packed (from :func:`sort_keys`).
        rows: ``[E]`` int64 (edge filtrations only): the caller's row of every
            canonical edge, returned in place of the later endpoints (which the
            edge path does not need, so it skips them); empty: later endpoints.
            Always an array, so that the kernel compiles once.
    Returns:
        rank ``[k, N]``; death_edge and
        death_vertex ``[k, N]`` (edge killing the class
        born at each vertex and that edge's later endpoint or ``rows`` entry; -1 if
        essential);
        cycle_edge and cycle_vertex ``[k, E]`` (cycle-closing edges in edge-index
        order, hence grouped by graph, and their later endpoints or ``rows``
        entries; the first ``count[f]`` entries are valid); count ``[k]``.
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
        count[f] = _pair_one(u, v, vertex_keys[f], edge_keys[f], lower_star, vpacked, epacked,
                             rows, rank[f], death_edge[f], death_vertex[f], cycle_edge[f],
                             cycle_vertex[f])
    return rank, death_edge, death_vertex, cycle_edge, cycle_vertex, count
