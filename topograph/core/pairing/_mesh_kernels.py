"""Numba kernel: lower-star persistence pairing of 2-complexes (dims 0, 1, 2).

The maths, per (sample, filtration) problem, all in parallel with ``prange``:

* Order. Vertices by ``(value, index)`` (their rank ``r``). A simplex enters
  with its last vertex ``m(s) = argmax_{v in s} r(v)``; simplices are ordered by
  ``(r(m(s)), dim(s), canonical index)``. This refines the order by value and
  puts every face before its cofaces (a face's last vertex is never later, and
  a face with the same last vertex has a lower dimension). Both the edge and the
  triangle orders are counting sorts on ``r(m(s))``: no comparison sort.
* Dimension 0 (elder rule). Union-find over the edges in order. An edge joining
  two components is *negative*: it kills the younger of the two oldest vertices.
  The other edges are *positive* (each creates a 1-cycle).
* Dimensions 1, 2, fast path (every edge in at most two triangles): a union-find
  over the triangles, edges in decreasing order (see :func:`_dual`).
* Dimensions 1, 2, general path (any 2-complex). Reduction of the boundary
  matrix ``D`` of the triangles over
  Z/2 (columns: triangles in order; rows: edges), the standard algorithm: add
  the earlier reduced column with the same lowest row until the lowest row is
  new (then ``(lowest edge, triangle)`` is a dim-1 pair) or the column is zero
  (then the triangle creates a 2-class; with no 3-simplices it never dies).
  *Compression* (Bauer, Kerber & Reininghaus 2014): rows of negative edges can
  be deleted from ``D`` without changing any pivot (write ``D = V D'`` with ``V``
  the unitriangular edge reduction; ``D'`` has zero negative rows and ``V``
  restricted to the positive rows is still unitriangular, so every lower-left
  rank, hence every pivot, is unchanged). A triangle's column therefore starts
  with at most 3 positive edges, and most columns are paired at once (apparent
  pairs). *Clearing* (Chen & Kerber 2011, the "twist") is what the union-find
  does for the edges: the columns of positive edges are never reduced.

Reduced columns are kept as runs of positive-edge ordinals in one pool; the
column being reduced is a max-heap whose equal entries cancel in pairs (Z/2)
when they reach the top, as in Ripser, so adding a short stored column to a
long working column costs O(short * log) instead of O(long).

Outputs are vertex indices (the last vertex of the simplex giving each birth
and death), so values are later gathered from the differentiable tensor.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

from topograph.core.pairing._graph_kernels import _counting_order, _find


@njit(cache=True, inline="always")
def _push(hp, hs, x):
    """Push ``x`` onto the max-heap ``hp[:hs]`` (capacity checked by the caller)."""
    i = hs
    hp[i] = x
    while i > 0:
        parent = (i - 1) >> 1
        if hp[parent] >= hp[i]:
            break
        hp[parent], hp[i] = hp[i], hp[parent]
        i = parent
    return hs + 1


@njit(cache=True, inline="always")
def _pop(hp, hs):
    """Pop the maximum of the heap ``hp[:hs]``; returns ``(max, new size)``."""
    top = hp[0]
    hs -= 1
    hp[0] = hp[hs]
    i = 0
    while True:
        a = 2 * i + 1
        if a >= hs:
            break
        b = a + 1
        c = b if b < hs and hp[b] > hp[a] else a
        if hp[i] >= hp[c]:
            break
        hp[i], hp[c] = hp[c], hp[i]
        i = c
    return top, hs


@njit(cache=True)
def _pivot(hp, hs):
    """Lowest (largest) entry of odd multiplicity, left on the heap; -1 if the column is zero."""
    while hs > 0:
        p, hs = _pop(hp, hs)
        if hs > 0 and hp[0] == p:
            _, hs = _pop(hp, hs)
            continue
        return p, _push(hp, hs, p)
    return -1, hs


@njit(cache=True)
def _reduce(order_t, te, t0, F, e0, last_t, posord, npos, v0, d1, b2, c):
    """General path: reduction of the compressed triangle columns (any 2-complex)."""
    # Dimensions 1-2: reduction of the compressed triangle columns. The working column
    # is a max-heap with lazy Z/2 cancellation (equal entries cancel in pairs when they
    # reach the top), so adding a short column to a long one costs O(short * log).
    pivot_start = np.full(npos, -1, dtype=np.int64)  # pool offset of the column with this low
    pivot_len = np.zeros(npos, dtype=np.int64)
    pool = np.empty(max(16, 4 * F), dtype=np.int64)
    used = 0
    hp = np.empty(64, dtype=np.int64)
    n2 = 0
    for s in range(F):
        t = order_t[s]
        hs = 0
        top = -1
        for q in range(3):
            p = posord[te[q, t0 + t] - e0]
            if p >= 0:
                hs = _push(hp, hs, p)
                top = max(top, p)
        if top >= 0 and pivot_start[top] < 0:  # apparent pair: store the column as it is
            if used + hs > pool.shape[0]:
                pool2 = np.empty(2 * (used + hs), dtype=np.int64)
                pool2[:used] = pool[:used]
                pool = pool2
            pool[used:used + hs] = hp[:hs]
            pivot_start[top] = used
            pivot_len[top] = hs
            used += hs
            d1[e0 + top, c] = last_t[t] + v0
            continue
        while True:
            low, hs = _pivot(hp, hs)
            if low < 0 or pivot_start[low] < 0:
                break
            st = pivot_start[low]
            ln = pivot_len[low]
            if hs + ln > hp.shape[0]:
                hp2 = np.empty(2 * (hs + ln), dtype=np.int64)
                hp2[:hs] = hp[:hs]
                hp = hp2
            for i in range(ln):
                hs = _push(hp, hs, pool[st + i])
        if low >= 0:  # store the reduced column (entries with odd multiplicity)
            if used + hs > pool.shape[0]:
                pool2 = np.empty(2 * (used + hs), dtype=np.int64)
                pool2[:used] = pool[:used]
                pool = pool2
            m = 0
            while hs > 0:
                p, hs = _pop(hp, hs)
                if hs > 0 and hp[0] == p:
                    _, hs = _pop(hp, hs)
                    continue
                pool[used + m] = p
                m += 1
            pivot_start[low] = used
            pivot_len[low] = m
            used += m
            d1[e0 + low, c] = last_t[t] + v0
        else:
            b2[t0 + n2, c] = last_t[t] + v0
            n2 += 1
    return n2


@njit(cache=True)
def _cofaces(te, t0, t1, cof):
    """Fills ``cof[:, e]`` with the (sample-local) triangles of every edge of one
    sample (-1: none); returns False if an edge has more than two triangles."""
    for t in range(t0, t1):
        for q in range(3):
            e = te[q, t]
            if cof[0, e] < 0:
                cof[0, e] = t - t0
            elif cof[1, e] < 0:
                cof[1, e] = t - t0
            else:
                return False
    return True


@njit(cache=True)
def _dual(order_e, order_t, cof, t0, F, e0, E, last_t, posord, v0, d1, b2, c):
    """Dimensions 1-2 when every edge has at most two triangles (duality).

    The (edge, triangle) pairs are those of the anti-transposed (coboundary) matrix
    (de Silva, Morozov & Vejdemo-Johansson 2011): edge columns in decreasing order,
    each with at most two triangle rows. Such a matrix is a graph's incidence
    matrix (a triangle node per row, one virtual node for the edges with a single
    triangle), so its reduction is a union-find over triangles in which an edge
    joining two components kills the earlier of their two latest triangles (the
    virtual node counts as later than all). Triangles never killed are the
    positive ones (essential 2-classes). Returns the number of dim-2 rows, or -1
    if an edge killed this way was not positive (impossible; the caller then
    falls back to the general reduction).
    """
    pos = np.empty(F + 1, dtype=np.int64)
    for s in range(F):
        pos[order_t[s]] = s
    pos[F] = F  # virtual node: later than every triangle
    parent = np.arange(F + 1)
    latest = np.arange(F + 1)  # latest node of each component (at its root)
    killed = np.zeros(F, dtype=np.bool_)
    for i in range(E - 1, -1, -1):
        e = order_e[i]
        ta = cof[0, e0 + e]
        if ta < 0:
            continue
        tb = cof[1, e0 + e]
        a = _find(parent, ta)
        b = _find(parent, tb if tb >= 0 else F)
        if a == b:
            continue
        la = latest[a]
        lb = latest[b]
        p = posord[e]
        if p < 0:
            return -1
        if pos[la] < pos[lb]:
            d1[e0 + p, c] = last_t[la] + v0
            killed[la] = True
            parent[a] = b
        else:
            d1[e0 + p, c] = last_t[lb] + v0
            killed[lb] = True
            parent[b] = a
    n2 = 0
    for s in range(F):
        t = order_t[s]
        if not killed[t]:
            b2[t0 + n2, c] = last_t[t] + v0
            n2 += 1
    return n2


@njit(cache=True)
def _value_order(vals, v0, v1):
    """Stable order of ``vals[v0:v1]`` (ties by index), as a stable argsort would give.

    LSD radix sort (8 passes of 8 bits) on the float64 bit patterns mapped to
    order-preserving unsigned keys (-0.0 is first made +0.0, so it ties with it);
    about 3x faster than a comparison sort on meshes of a few thousand vertices.
    """
    n = v1 - v0
    buf = np.empty(n, dtype=np.float64)
    for i in range(n):
        buf[i] = np.float64(vals[v0 + i]) + 0.0
    key = buf.view(np.uint64).copy()
    top = np.uint64(1) << np.uint64(63)
    for i in range(n):
        key[i] = ~key[i] if key[i] & top else key[i] | top
    order = np.arange(n)
    tmp = np.empty(n, dtype=np.int64)
    cnt = np.empty(257, dtype=np.int64)
    for p in range(8):
        shift = np.uint64(8 * p)
        cnt[:] = 0
        for i in range(n):
            cnt[np.int64((key[i] >> shift) & np.uint64(255)) + 1] += 1
        if cnt.max() == n:  # every key has the same digit: nothing to do
            continue
        for d in range(256):
            cnt[d + 1] += cnt[d]
        for i in range(n):
            j = order[i]
            d = np.int64((key[j] >> shift) & np.uint64(255))
            tmp[cnt[d]] = j
            cnt[d] += 1
        order, tmp = tmp, order
    return order


@njit(cache=True)
def _solve(vals, v0, v1, eu, ev, e0, e1, tri, te, t0, t1, cof, manifold, dv0, b1, d1, b2, c):
    """One problem: vertices ``v0:v1``, edges ``e0:e1``, triangles ``t0:t1`` (global ids).

    Writes column ``c`` (the filtration): dim-0 deaths into ``dv0[v0:v1, c]``, dim-1
    rows into ``b1/d1[e0:..., c]``, dim-2 rows into ``b2[t0:..., c]``; returns the
    numbers of dim-1 and dim-2 rows.
    """
    n = v1 - v0
    E = e1 - e0
    F = t1 - t0
    order_v = _value_order(vals, v0, v1)
    r = np.empty(n, dtype=np.int64)
    for i in range(n):
        r[order_v[i]] = i
    # edges: last vertex and order
    last_e = np.empty(E, dtype=np.int64)
    key = np.empty(E, dtype=np.int64)
    for e in range(E):
        a = eu[e0 + e] - v0
        b = ev[e0 + e] - v0
        last_e[e] = a if r[a] > r[b] else b
        key[e] = r[last_e[e]]
    order_e = _counting_order(key, n)
    # dimension 0: union-find, elder rule
    parent = np.arange(n)
    oldest = np.arange(n)
    posord = np.full(E, -1, dtype=np.int64)
    npos = 0
    for t in range(E):
        e = order_e[t]
        a = _find(parent, eu[e0 + e] - v0)
        b = _find(parent, ev[e0 + e] - v0)
        if a == b:
            b1[e0 + npos, c] = last_e[e] + v0
            d1[e0 + npos, c] = -1
            posord[e] = npos
            npos += 1
            continue
        ma = oldest[a]
        mb = oldest[b]
        if r[ma] < r[mb]:
            dv0[v0 + mb, c] = last_e[e] + v0
            parent[b] = a
        else:
            dv0[v0 + ma, c] = last_e[e] + v0
            parent[a] = b
    # triangles: last vertex and order
    last_t = np.empty(F, dtype=np.int64)
    keyt = np.empty(F, dtype=np.int64)
    for t in range(F):
        best = tri[0, t0 + t] - v0
        for q in range(1, 3):
            w = tri[q, t0 + t] - v0
            if r[w] > r[best]:
                best = w
        last_t[t] = best
        keyt[t] = r[best]
    order_t = _counting_order(keyt, n)
    if manifold:
        n2 = _dual(order_e, order_t, cof, t0, F, e0, E, last_t, posord, v0, d1, b2, c)
        if n2 >= 0:
            return npos, n2
        for i in range(npos):  # pragma: no cover - a theorem, kept as a guard
            d1[e0 + i, c] = -1
    n2 = _reduce(order_t, te, t0, F, e0, last_t, posord, npos, v0, d1, b2, c)
    return npos, n2


@njit(cache=True, parallel=True)
def mesh_pairs_kernel(vals, eu, ev, tri, te, voff, eoff, toff):
    """Pairing of ``k`` lower-star filtrations of a batch of 2-complexes.

    Args:
        vals: ``[k, N]`` float vertex values.
        eu, ev: ``[E]`` canonical edges (``eu < ev``), grouped by sample.
        tri: ``[3, F]`` canonical triangles, grouped by sample; te: ``[3, F]`` the
            ids of their edges ``(a, b), (b, c), (a, c)``.
        voff, eoff, toff: ``[B + 1]`` offsets of each sample's vertices, edges, triangles.
    Returns:
        dv0 ``[N, k]`` (vertex giving the death of the class born at each vertex,
        -1 if essential); b1, d1 ``[E, k]`` (dim-1 rows of each sample at the start
        of its edge range: birth vertex, death vertex or -1); n1 ``[k, B]`` their
        counts; b2 ``[F, k]`` and n2 ``[k, B]`` the same for dim 2 (all essential).
    """
    k, N = vals.shape
    B = voff.shape[0] - 1
    E = eu.shape[0]
    F = tri.shape[1]
    dv0 = np.full((N, k), -1, dtype=np.int64)
    b1 = np.empty((E, k), dtype=np.int64)
    d1 = np.empty((E, k), dtype=np.int64)
    b2 = np.empty((F, k), dtype=np.int64)
    n1 = np.zeros((k, B), dtype=np.int64)
    n2 = np.zeros((k, B), dtype=np.int64)
    cof = np.full((2, E), -1, dtype=np.int64)  # the triangles of every edge (complex only)
    manifold = np.zeros(B, dtype=np.bool_)
    for s in prange(B):
        manifold[s] = _cofaces(te, toff[s], toff[s + 1], cof)
    for job in prange(k * B):
        f = job % k
        s = job // k
        a, b = _solve(vals[f], voff[s], voff[s + 1], eu, ev, eoff[s], eoff[s + 1], tri, te,
                      toff[s], toff[s + 1], cof, manifold[s], dv0, b1, d1, b2, f)
        n1[f, s] = a
        n2[f, s] = b
    return dv0, b1, d1, n1, b2, n2
