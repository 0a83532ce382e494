"""Exact minimum-cost assignment of a square cost matrix (numba, no gradient).

Used by the Wasserstein matching (:mod:`topograph.diagrams._matching`): Jonker-Volgenant's
augmenting row reduction as a start, then shortest augmenting paths with dual potentials
(Crouse's variant of the Hungarian method) for the rows left free.
"""
from __future__ import annotations

import numba
import numpy as np

_jit = numba.njit(cache=True, nogil=True)


@_jit
def lsap(C: np.ndarray, col4row: np.ndarray, nreal: int = -1) -> None:
    """Minimum-cost perfect assignment of the square matrix ``C`` (finite entries).

    Writes the column of every row to ``col4row``. Rows from ``nreal`` on (if given) are
    all-zero padding rows: interchangeable, left to the final shortest paths (each a
    single step to the free column of largest potential). Shortest augmenting paths from each
    row in turn with potentials ``u``, ``v`` (reduced costs stay >= 0), O(n^3) worst case.
    """
    n = C.shape[0]
    u = np.zeros(n)
    v = np.zeros(n)
    shortest = np.empty(n)
    path = np.empty(n, np.int64)
    row4col = np.full(n, -1, np.int64)
    col4row[:n] = -1
    remaining = np.empty(n, np.int64)
    SR = np.empty(n, np.bool_)
    SC = np.empty(n, np.bool_)
    # Start: Jonker-Volgenant's augmenting row reduction (two passes over the free rows;
    # only column potentials v, which only decrease). A free row takes its cheapest column
    # under C - v; if it was taken, the column's v drops by the gap to the row's second
    # cheapest one (the old owner, now free, is retried first) or, on a tie, the row
    # takes the second one. Afterwards u_i = min_j (C_ij - v_j) = C_i,col(i) - v_col(i) for
    # assigned rows: reduced costs are >= 0 and 0 on the assignment, which is what the
    # shortest augmenting paths below need; only the rows left free need one.
    num_free = n if nreal < 0 else nreal
    free = np.arange(num_free)
    for _ in range(2):
        k = 0
        prev = num_free
        num_free = 0
        steps = 0
        while k < prev and steps < 4 * n:
            steps += 1
            i = free[k]
            k += 1
            u1 = np.inf
            u2 = np.inf
            j1 = -1
            j2 = -1
            for j in range(n):
                h = C[i, j] - v[j]
                if h < u2:
                    if h >= u1:
                        u2 = h
                        j2 = j
                    else:
                        u2 = u1
                        j2 = j1
                        u1 = h
                        j1 = j
            i0 = row4col[j1]
            lowers = u1 < u2
            if lowers:
                v[j1] -= u2 - u1
            elif i0 >= 0 and j2 >= 0:
                j1 = j2
                i0 = row4col[j2]
            row4col[j1] = i
            col4row[i] = j1
            if i0 >= 0:
                col4row[i0] = -1
                if lowers:
                    k -= 1
                    free[k] = i0
                else:
                    free[num_free] = i0
                    num_free += 1
    for i in range(n):
        if col4row[i] != -1:
            u[i] = C[i, col4row[i]] - v[col4row[i]]
    for cur in range(n):
        if col4row[cur] != -1:
            continue
        for j in range(n):
            remaining[j] = n - 1 - j
            shortest[j] = np.inf
            SR[j] = False
            SC[j] = False
        num_rem = n
        min_val = 0.0
        i = cur
        sink = -1
        while sink == -1:
            SR[i] = True
            index = -1
            lowest = np.inf
            for it in range(num_rem):
                j = remaining[it]
                r = min_val + C[i, j] - u[i] - v[j]
                if r < shortest[j]:
                    path[j] = i
                    shortest[j] = r
                if shortest[j] < lowest or (shortest[j] == lowest and row4col[j] == -1):
                    lowest = shortest[j]
                    index = it
            min_val = lowest
            j = remaining[index]
            if row4col[j] == -1:
                sink = j
            else:
                i = row4col[j]
            SC[j] = True
            num_rem -= 1
            remaining[index] = remaining[num_rem]
        u[cur] += min_val
        for r in range(n):
            if SR[r] and r != cur:
                u[r] += min_val - shortest[col4row[r]]
        for j in range(n):
            if SC[j]:
                v[j] -= min_val - shortest[j]
        j = sink
        while True:
            r = path[j]
            row4col[j] = r
            tmp = col4row[r]
            col4row[r] = j
            j = tmp
            if r == cur:
                break
