"""Numba kernel: extended persistence of lower-star filtrations of graphs.

Extended persistence (Cohen-Steiner, Edelsbrunner & Harer 2009) follows the
sublevel sweep by a sweep "down" through the superlevel sets, so every class
dies. For a graph with vertex values ``f`` (edges at the max of their endpoints)
it has four kinds of pairs:

* ordinary, dim 0: the sublevel union-find (elder rule): vertex ``v`` is born at
  ``f(v)`` and dies at the later endpoint of the edge merging its component into
  an older one;
* relative, dim 1: the same union-find on the superlevel sets (vertices by
  decreasing value, an edge at the min of its endpoints): a local maximum ``w``
  is born at ``f(w)`` and dies at the earlier endpoint of the merging edge;
* extended, dim 0: one per component, (min, max) of the component;
* extended, dim 1: one per independent cycle. An edge ``e`` closing a cycle in
  the sublevel sweep is born at its value ``b``; it dies at the largest ``a`` such
  that ``e``'s endpoints are joined, by edges entered before ``e``, through
  vertices of value ``>= a`` only. (The ext pairs are the barcode of the two
  flags of cycle spaces ``Z(G^{<=b})`` and ``Z(G^{>=a})``: the new cycle counts in
  ``Z(G^{<=b}) ∩ Z(G^{>=a}) = Z(G[a <= f <= b])`` exactly for those ``a``.) That
  bottleneck is the smallest edge weight ``min(f(u), f(v))`` on the path joining
  the endpoints in a maximum spanning forest of the earlier edges, kept up to
  date while sweeping (a cycle edge replaces the lightest edge of its path when
  heavier). A path query walks the forest: O(depth) per cycle edge.

All comparisons use vertex ranks (order ``(value, index)``), so ties are broken
consistently and every pair names the vertices its values are gathered from.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

import topograph.core._numba_config  # noqa: F401  (threading layer before any parallel kernel)
from topograph.core.pairing._graph_kernels import _counting_order, _find, _radix_sort


@njit(cache=True, inline="always")
def _evert(fparent, fweight, fvert, x, p, w, wv):
    """Re-root ``x``'s tree at ``x`` and hang it below ``p`` through an edge of weight
    ``w`` (a rank) realised by vertex ``wv``: reverses the parent pointers from ``x``
    up to the old root."""
    cur = x
    while True:
        nxt = fparent[cur]
        nw = fweight[cur]
        nv = fvert[cur]
        fparent[cur] = p
        fweight[cur] = w
        fvert[cur] = wv
        if nxt < 0:
            break
        p = cur
        w = nw
        wv = nv
        cur = nxt


@njit(cache=True)
def _extended_one(u, v, r, up_death, down_death, comp_max, cyc_birth, cyc_death):
    """Extended persistence pairs of one filtration (ranks ``r``) of a graph batch."""
    N = r.shape[0]
    E = u.shape[0]
    first = np.empty(E, dtype=np.int64)  # earlier endpoint (edge weight in the down sweep)
    last = np.empty(E, dtype=np.int64)  # later endpoint (edge value in the up sweep)
    for e in range(E):
        a = u[e]
        b = v[e]
        if r[a] < r[b]:
            first[e] = a
            last[e] = b
        else:
            first[e] = b
            last[e] = a
    key = np.empty(E, dtype=np.int64)
    for e in range(E):
        key[e] = r[last[e]]
    up = _counting_order(key, N)
    for e in range(E):
        key[e] = N - 1 - r[first[e]]
    down = _counting_order(key, N)

    # Up sweep: elder-rule union-find plus a maximum spanning forest (weights r[first]).
    parent = np.arange(N)
    oldest = np.arange(N)
    size = np.ones(N, dtype=np.int64)
    fparent = np.full(N, -1, dtype=np.int64)
    fweight = np.zeros(N, dtype=np.int64)
    fvert = np.zeros(N, dtype=np.int64)
    mark = np.full(N, -1, dtype=np.int64)
    stamp = 0
    for t in range(E):
        e = up[t]
        x = u[e]
        y = v[e]
        a = _find(parent, x)
        b = _find(parent, y)
        w = r[first[e]]
        if a != b:
            ma = oldest[a]
            mb = oldest[b]
            # re-root the smaller tree (fewer pointers to reverse)
            if size[a] < size[b]:
                _evert(fparent, fweight, fvert, x, y, w, first[e])
            else:
                _evert(fparent, fweight, fvert, y, x, w, first[e])
            if r[ma] < r[mb]:
                up_death[mb] = last[e]
                parent[b] = a
                size[a] += size[b]
            else:
                up_death[ma] = last[e]
                parent[a] = b
                size[b] += size[a]
            continue
        # cycle edge: the lightest edge on the forest path x .. y gives the death.
        # Walk up from both ends in turn until one meets the other's trail (the
        # lowest common ancestor): O(path length), not O(depth).
        stamp += 2
        mark[x] = stamp
        mark[y] = stamp + 1
        a = x
        b = y
        lca = -1
        while lca < 0:
            if fparent[a] >= 0:
                a = fparent[a]
                if mark[a] == stamp + 1:
                    lca = a
                    break
                mark[a] = stamp
            if fparent[b] >= 0:
                b = fparent[b]
                if mark[b] == stamp:
                    lca = b
                    break
                mark[b] = stamp + 1
        best = N
        node = -1
        side = 0
        z = x
        while z != lca:
            if fweight[z] < best:
                best = fweight[z]
                node = z
                side = 0
            z = fparent[z]
        z = y
        while z != lca:
            if fweight[z] < best:
                best = fweight[z]
                node = z
                side = 1
            z = fparent[z]
        cyc_birth[e] = last[e]
        cyc_death[e] = fvert[node]
        if w > best:  # swap: drop the lightest path edge, keep e in the forest
            fparent[node] = -1
            if side == 0:
                _evert(fparent, fweight, fvert, x, y, w, first[e])
            else:
                _evert(fparent, fweight, fvert, y, x, w, first[e])

    # Down sweep: the same union-find on superlevel sets (oldest = highest rank).
    dparent = np.arange(N)
    doldest = np.arange(N)
    for t in range(E):
        e = down[t]
        a = _find(dparent, u[e])
        b = _find(dparent, v[e])
        if a == b:
            continue
        ma = doldest[a]
        mb = doldest[b]
        if r[ma] > r[mb]:
            down_death[mb] = first[e]
            dparent[b] = a
        else:
            down_death[ma] = first[e]
            dparent[a] = b
    for x in range(N):
        if up_death[x] < 0:  # the minimum of its component: extended dim-0 pair
            comp_max[x] = doldest[_find(dparent, x)]


@njit(cache=True, parallel=True)
def extended_pairs_kernel(u, v, keys, packed):
    """Extended persistence of ``k`` lower-star filtrations of a graph batch with
    canonical edges ``u, v [E]`` (parallel over filtrations), given the
    order-preserving ``keys [k, N]`` of the vertex values (``sort_keys``: one compiled
    signature for every value dtype; ties by vertex index).

    Returns ``rank [k, N]`` and, per filtration, indices (-1 where absent):
    ``up_death [k, N]`` (ordinary dim 0: death vertex of the class born at each
    vertex), ``down_death [k, N]`` (relative dim 1: death vertex of the superlevel
    class born at each vertex), ``comp_max [k, N]`` (extended dim 0: at each
    component's minimum, the component's maximum), ``cyc_birth`` and ``cyc_death``
    ``[k, E]`` (extended dim 1: at each cycle-closing edge, its birth and death
    vertices).
    """
    k, N = keys.shape
    E = u.shape[0]
    rank = np.empty((k, N), dtype=np.int64)
    up_death = np.full((k, N), -1, dtype=np.int64)
    down_death = np.full((k, N), -1, dtype=np.int64)
    comp_max = np.full((k, N), -1, dtype=np.int64)
    cyc_birth = np.full((k, E), -1, dtype=np.int64)
    cyc_death = np.full((k, E), -1, dtype=np.int64)
    for f in prange(k):
        order = _radix_sort(keys[f], packed, np.empty(0, dtype=np.uint64))
        r = rank[f]
        for i in range(N):
            r[order[i]] = i
        _extended_one(u, v, r, up_death[f], down_death[f], comp_max[f], cyc_birth[f],
                      cyc_death[f])
    return rank, up_death, down_death, comp_max, cyc_birth, cyc_death
