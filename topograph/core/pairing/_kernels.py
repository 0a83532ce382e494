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

import topograph.core._numba_config  # noqa: F401  (threading layer before any parallel kernel)


@njit(cache=True, inline="always")
def _find(parent: np.ndarray, x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]  # path halving
        x = parent[x]
    return x


@njit(cache=True, parallel=True)
def lower_star_pairs_kernel(u, v, values):
    """Elder-rule union-find for ``k`` lower-star filtrations of a batch of graphs.

    Per filtration (in parallel): one stable argsort of the vertex values gives the
    vertex order ``(value, index)``; edges are then ordered by the rank of their
    last vertex, ties by edge index, with a counting sort (no edge sort); one
    union-find over the whole batch follows (graphs are disjoint).

    Args:
        u, v: ``[E]`` int64 canonical edge endpoints.
        values: ``[k, N]`` float vertex values.
    Returns:
        rank ``[k, N]``; death_edge and death_vertex ``[k, N]`` (edge killing the class
        born at each vertex and that edge's last vertex; -1 if essential);
        cycle_edge and cycle_vertex ``[k, E]`` (cycle-closing edges in edge order
        and their last vertices, first ``count[f]`` entries valid); count ``[k]``.
    """
    k, N = values.shape
    E = u.shape[0]
    rank = np.empty((k, N), dtype=np.int64)
    death_edge = np.full((k, N), -1, dtype=np.int64)
    death_vertex = np.full((k, N), -1, dtype=np.int64)
    cycle_edge = np.zeros((k, E), dtype=np.int64)
    cycle_vertex = np.zeros((k, E), dtype=np.int64)
    count = np.zeros(k, dtype=np.int64)
    for f in prange(k):
        order_v = np.argsort(values[f], kind="mergesort")  # stable: ties by index
        r = rank[f]
        for i in range(N):
            r[order_v[i]] = i
        last = np.empty(E, dtype=np.int64)
        start = np.zeros(N + 1, dtype=np.int64)
        for e in range(E):
            a = u[e]
            b = v[e]
            last[e] = a if r[a] > r[b] else b
            start[r[last[e]] + 1] += 1
        for i in range(N):
            start[i + 1] += start[i]
        order_e = np.empty(E, dtype=np.int64)
        for e in range(E):  # counting sort, stable in the edge index
            key = r[last[e]]
            order_e[start[key]] = e
            start[key] += 1
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
            if r[ma] < r[mb]:
                death_edge[f, mb] = e
                death_vertex[f, mb] = last[e]
                parent[b] = a
            else:
                death_edge[f, ma] = e
                death_vertex[f, ma] = last[e]
                parent[a] = b
        c = 0
        for e in range(E):
            if closes[e]:
                cycle_edge[f, c] = e
                cycle_vertex[f, c] = last[e]
                c += 1
        count[f] = c
    return rank, death_edge, death_vertex, cycle_edge, cycle_vertex, count


# Prim keeps the unvisited vertices in a compact array (swap-remove), so step t
# scans n - t entries instead of n: half the work of the textbook dense loop.


@njit(cache=True)
def _prim_one(d, out, far):
    n = d.shape[0]
    best = np.full(n, np.inf)
    src = np.zeros(n, dtype=np.int64)
    rem = np.arange(1, n)  # unvisited vertices
    r = n - 1
    m = 0
    fmax = -np.inf  # every pair is scanned once: track the farthest one on the way
    for t in range(n - 1):
        row = d[m]
        arg = 0
        mv = np.inf
        for p in range(r):
            j = rem[p]
            w = row[j]
            if w > fmax:
                fmax = w
                far[0] = m
                far[1] = j
            if w < best[j]:
                best[j] = w
                src[j] = m
            if best[j] < mv or p == 0:
                mv = best[j]
                arg = p
        m = rem[arg]
        r -= 1
        rem[arg] = rem[r]
        out[t, 0] = src[m]
        out[t, 1] = m


@njit(cache=True)
def _prim_serial(dist, out, far):
    for b in range(dist.shape[0]):
        _prim_one(dist[b], out[b], far[b])


@njit(cache=True, parallel=True)
def _prim_parallel(dist, out, far):
    for b in prange(dist.shape[0]):
        _prim_one(dist[b], out[b], far[b])


# Waking the thread pool costs tens of microseconds (milliseconds on a loaded
# machine): only worth it for enough work.
PARALLEL_MIN_WORK = 1 << 20


def _use_parallel(batch: int, work_per_item: int) -> bool:
    return batch > 1 and batch * work_per_item >= PARALLEL_MIN_WORK


def prim_kernel(dist: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dense Prim minimum spanning tree for each distance matrix of ``dist [B, n, n]``.

    O(n^2) per sample without sorting the n(n-1)/2 edges; large batches run in
    parallel threads. Only the order of the entries matters (squared or slightly
    negative rounded distances are fine). Returns ``[B, n-1, 2]`` int64 edges
    (tree vertex, new vertex) in the order they were added, and the farthest pair
    ``[B, 2]`` of each sample (found on the way: Prim reads every pair once).
    """
    B, n, _ = dist.shape
    out = np.zeros((B, max(n - 1, 0), 2), dtype=np.int64)
    far = np.zeros((B, 2), dtype=np.int64)
    (_prim_parallel if _use_parallel(B, n * n) else _prim_serial)(dist, out, far)
    return out, far


@njit(cache=True)
def _prim_points_one(x, out, far):
    """Prim on coordinates ``x [n, d]``: squared distances computed on the fly (no matrix)."""
    n, dim = x.shape
    best = np.full(n, np.inf)
    src = np.zeros(n, dtype=np.int64)
    rem = np.arange(1, n)
    r = n - 1
    m = 0
    fmax = -np.inf
    for t in range(n - 1):
        arg = 0
        mv = np.inf
        for p in range(r):
            j = rem[p]
            w = 0.0
            for c in range(dim):
                diff = x[m, c] - x[j, c]
                w += diff * diff
            if w > fmax:
                fmax = w
                far[0] = m
                far[1] = j
            if w < best[j]:
                best[j] = w
                src[j] = m
            if best[j] < mv or p == 0:
                mv = best[j]
                arg = p
        m = rem[arg]
        r -= 1
        rem[arg] = rem[r]
        out[t, 0] = src[m]
        out[t, 1] = m


@njit(cache=True)
def _prim_points_serial(x, out, far):
    for b in range(x.shape[0]):
        _prim_points_one(x[b], out[b], far[b])


@njit(cache=True, parallel=True)
def _prim_points_parallel(x, out, far):
    for b in prange(x.shape[0]):
        _prim_points_one(x[b], out[b], far[b])


def prim_points_kernel(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Euclidean minimum spanning trees of point clouds ``[B, n, d]`` without a distance matrix.

    Same output as :func:`prim_kernel` on the clouds' distance matrices; squared
    distances (same order, no square root) are computed in float64 as needed.
    """
    B, n, d = points.shape
    points = np.ascontiguousarray(points, dtype=np.float64)  # exact sums of squares
    out = np.zeros((B, max(n - 1, 0), 2), dtype=np.int64)
    far = np.zeros((B, 2), dtype=np.int64)
    (_prim_points_parallel if _use_parallel(B, n * n * d) else _prim_points_serial)(points, out, far)
    return out, far
