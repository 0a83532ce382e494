"""Numba kernels: the CPU fast path of the pairing.

Why numba: the pairing is an inherently sequential union-find / Prim loop over
edges. In plain Python it is 100x slower than the surrounding tensor work; a C++
extension would need a compile step at install time (the original TOGL's worst
user complaint). Numba compiles these few loops at first use (cached on disk),
installs as a wheel, and releases the GIL. Kernels run in parallel over the
independent problems (filtrations, samples) with ``prange``.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True, inline="always")
def _find(parent: np.ndarray, x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]  # path halving
        x = parent[x]
    return x


@njit(cache=True, parallel=True)
def lower_star_pairs_kernel(u, v, order, vrank):
    """Elder-rule union-find over edges sorted per filtration.

    Args:
        u, v: ``[E]`` int64 edge endpoints (all graphs of the batch together: graphs
            are disjoint, so one union-find over the whole batch is per-graph).
        order: ``[k, E]`` edge processing order per filtration.
        vrank: ``[k, N]`` position of each vertex in the filtration order (older = smaller).
    Returns:
        death_edge ``[k, N]`` (edge that kills the class born at each vertex, -1 if
        essential) and cycle ``[k, E]`` (True for edges that close a cycle).
    """
    k, E = order.shape
    N = vrank.shape[1]
    death_edge = np.full((k, N), -1, dtype=np.int64)
    cycle = np.zeros((k, E), dtype=np.bool_)
    for f in prange(k):
        parent = np.arange(N)
        oldest = np.arange(N)  # oldest vertex of the component, stored at its root
        for t in range(E):
            e = order[f, t]
            a = _find(parent, u[e])
            b = _find(parent, v[e])
            if a == b:
                cycle[f, e] = True
                continue
            ma = oldest[a]
            mb = oldest[b]
            if vrank[f, ma] < vrank[f, mb]:
                death_edge[f, mb] = e
                parent[b] = a
            else:
                death_edge[f, ma] = e
                parent[a] = b
    return death_edge, cycle


@njit(cache=True)
def _prim_one(d, out):
    n = d.shape[0]
    best = np.empty(n, dtype=d.dtype)
    src = np.zeros(n, dtype=np.int64)
    done = np.zeros(n, dtype=np.bool_)
    done[0] = True
    m = 0
    for j in range(n):
        best[j] = np.inf
    for t in range(n - 1):
        # one pass: relax the distances through the last vertex added and find the next one
        row = d[m]
        nxt = -1
        mv = np.inf
        for j in range(n):
            if not done[j]:
                r = row[j]
                if r < best[j]:
                    best[j] = r
                    src[j] = m
                if nxt < 0 or best[j] < mv:
                    mv = best[j]
                    nxt = j
        m = nxt
        done[m] = True
        out[t, 0] = src[m]
        out[t, 1] = m


@njit(cache=True)
def _prim_serial(dist, out):
    for b in range(dist.shape[0]):
        _prim_one(dist[b], out[b])


@njit(cache=True, parallel=True)
def _prim_parallel(dist, out):
    for b in prange(dist.shape[0]):
        _prim_one(dist[b], out[b])


def prim_kernel(dist: np.ndarray) -> np.ndarray:
    """Dense Prim minimum spanning tree for each distance matrix of ``dist [B, n, n]``.

    O(n^2) per sample without sorting the n(n-1)/2 edges; samples run in parallel
    threads (a single sample skips the thread pool). Returns ``[B, n-1, 2]`` int64
    edges (tree vertex, new vertex) in the order they were added.
    """
    B, n, _ = dist.shape
    out = np.zeros((B, max(n - 1, 0), 2), dtype=np.int64)
    (_prim_parallel if B > 1 else _prim_serial)(dist, out)
    return out


@njit(cache=True)
def _prim_points_one(x, out):
    """Prim on coordinates ``x [n, d]``: squared distances computed on the fly (no matrix)."""
    n, dim = x.shape
    best = np.empty(n, dtype=np.float64)
    src = np.zeros(n, dtype=np.int64)
    done = np.zeros(n, dtype=np.bool_)
    done[0] = True
    m = 0
    for j in range(n):
        best[j] = np.inf
    for t in range(n - 1):
        nxt = -1
        mv = np.inf
        for j in range(n):
            if not done[j]:
                r = 0.0
                for c in range(dim):
                    diff = x[m, c] - x[j, c]
                    r += diff * diff
                if r < best[j]:
                    best[j] = r
                    src[j] = m
                if nxt < 0 or best[j] < mv:
                    mv = best[j]
                    nxt = j
        m = nxt
        done[m] = True
        out[t, 0] = src[m]
        out[t, 1] = m


@njit(cache=True)
def _prim_points_serial(x, out):
    for b in range(x.shape[0]):
        _prim_points_one(x[b], out[b])


@njit(cache=True, parallel=True)
def _prim_points_parallel(x, out):
    for b in prange(x.shape[0]):
        _prim_points_one(x[b], out[b])


def prim_points_kernel(points: np.ndarray) -> np.ndarray:
    """Euclidean minimum spanning trees of point clouds ``[B, n, d]`` without a distance matrix.

    Same output as :func:`prim_kernel` on the clouds' distance matrices; squared
    distances (same order, no square root) are computed in float64 as needed.
    """
    B, n, _ = points.shape
    out = np.zeros((B, max(n - 1, 0), 2), dtype=np.int64)
    (_prim_points_parallel if B > 1 else _prim_points_serial)(points, out)
    return out
