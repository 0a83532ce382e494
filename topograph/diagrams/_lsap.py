"""Exact minimum-cost partial assignment (numba, no gradient).

Used by the Wasserstein matching (:mod:`topograph.diagrams._matching`). Rows and columns
of an ``n x m`` matrix ``W`` may stay unmatched at cost 0 (the diagonal), so only
negative entries are ever worth using: the problem is the linear program
``min sum W_ij x_ij`` over partial assignments, with dual potentials ``u_i <= 0``,
``v_j <= 0``, ``u_i + v_j <= W_ij``. A solution is optimal iff its pairs are tight
(``W_ij = u_i + v_j``) and unmatched rows and columns have potential 0.

Jonker-Volgenant's augmenting row reduction (an auction with zero increment) starts:
a free row takes its cheapest option under ``W - v`` (a column or the diagonal at 0);
a taken column's ``v`` drops by the gap to the row's second option, and its old owner
becomes free. The rows left free are then added one at a time by shortest augmenting
paths with potentials (Dijkstra; the Hungarian method): a path from the new row alternates
non-matching and matching pairs and ends at a free column or by sending a row it reached
to the diagonal (its reduced cost there is ``-u_r``). Sending rows to the diagonal
directly (instead of padding to a square matrix whose zero columns stand for it) keeps
the searches short. Each Dijkstra step relaxes a whole row in one branch-free loop
(vectorised, with the minimum taken on the distances' bit patterns).
"""
from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic

_jit = numba.njit(cache=True, nogil=True)
# Tentative distance of unreached and scanned columns, and the cost of the pairs not
# worth using: a finite stand-in for +inf.
_BIG = 1e300


@intrinsic
def _bits(typingctx, x):
    """The IEEE bit pattern of a float64 as an int64 (the same order for x >= 0)."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))
    return types.int64(types.float64), codegen


@intrinsic
def _float(typingctx, b):
    """The inverse of :func:`_bits`."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())
    return types.float64(types.int64), codegen


@_jit
def _relax(Wi, v, pen, key, path, base, i, floor):
    """Dijkstra step from row ``i`` (at distance ``base + u_i``) to every column; returns
    the smallest tentative distance. Scanned columns carry the penalty ``pen = _BIG`` and
    keep ``key = _BIG``. Distances are floored at the current one, ``floor`` (>= 0; only
    rounding goes below), so that their bit patterns compare as integers: a branch-free
    loop with an integer minimum, which vectorises (a float minimum does not)."""
    lowest = _bits(2.0 * _BIG)
    for j in range(Wi.shape[0]):
        r = max(base + Wi[j] - v[j], floor) + pen[j]
        s = key[j]
        upd = r < s
        s = r if upd else s
        key[j] = s
        path[j] = i if upd else path[j]
        b = _bits(s)
        lowest = min(lowest, b)
    return _float(lowest)


@_jit
def _best_two(Wi, v):
    """(cheapest, its column, second cheapest) of ``Wi - v`` with the diagonal (0, -1)."""
    u1 = 0.0
    u2 = 0.0
    j1 = -1
    for j in range(Wi.shape[0]):
        h = Wi[j] - v[j]
        if h < u2:
            if h < u1:
                u2 = u1
                u1 = h
                j1 = j
            else:
                u2 = h
    return u1, j1, u2


@_jit
def partial_assignment(W: np.ndarray, col4row: np.ndarray) -> None:
    """Minimum-cost partial assignment of ``W [n, m]``: writes every row's column, or -1
    (unmatched), to ``col4row``. Entries ``>= 0`` are never used. O(n^2 m) worst case."""
    n, m = W.shape
    u = np.zeros(n)
    v = np.zeros(m)
    row4col = np.full(m, -1, np.int64)
    col4row[:n] = -1
    # Augmenting row reduction, two passes over the free rows.
    free = np.arange(n)
    num_free = n
    for _ in range(2):
        k = 0
        prev = num_free
        num_free = 0
        steps = 0
        while k < prev and steps < 4 * n:
            steps += 1
            i = free[k]
            k += 1
            u1, j1, u2 = _best_two(W[i], v)
            u[i] = u2
            if j1 < 0:
                continue  # the diagonal is (one of) its best: unmatched, u = 0
            i0 = row4col[j1]
            if u1 < u2:
                v[j1] -= u2 - u1  # W_i,j1 - v_j1 is now u2: tight, and no better option
            elif i0 >= 0:
                # A tie with a taken column: no progress possible here, try later.
                free[num_free] = i
                num_free += 1
                continue
            row4col[j1] = i
            col4row[i] = j1
            if i0 >= 0:
                col4row[i0] = -1
                if u1 < u2:
                    k -= 1
                    free[k] = i0  # retried at once
                else:
                    free[num_free] = i0
                    num_free += 1
    # Shortest augmenting paths for the rows still free.
    key = np.empty(m)
    pen = np.empty(m)
    shortest = np.empty(m)
    path = np.empty(m, np.int64)
    seen = np.empty(n + 1, np.int64)
    for cur in range(n):  # every row: the step cap above may leave some unlisted
        if col4row[cur] != -1:
            continue
        # u[cur]: its smallest reduced cost (the diagonal included), so distances are >= 0.
        u1, j1, u2 = _best_two(W[cur], v)
        u[cur] = u1
        if j1 < 0:
            continue
        key[:] = _BIG
        pen[:] = 0.0
        nsr = 0
        min_val = 0.0
        i = cur
        sink = -1
        drop = -u1  # distance of sending cur to the diagonal
        drop_row = cur
        while True:
            seen[nsr] = i
            nsr += 1
            if i != cur and min_val - u[i] < drop:
                drop = min_val - u[i]
                drop_row = i
            lowest = _relax(W[i], v, pen, key, path, min_val - u[i], i, min_val)
            if drop <= lowest:
                min_val = drop
                break
            j = 0
            while key[j] != lowest:
                j += 1
            min_val = lowest
            shortest[j] = lowest
            key[j] = _BIG
            pen[j] = _BIG  # scanned: never relaxed again
            if row4col[j] == -1:
                sink = j
                break
            i = row4col[j]
        # Potentials: reduced costs stay >= 0 and the new path is tight.
        u[cur] += min_val
        for k in range(1, nsr):
            r = seen[k]
            u[r] += min_val - shortest[col4row[r]]
        for j in range(m):
            if pen[j] != 0.0:
                v[j] -= min_val - shortest[j]
        if sink >= 0:
            j = sink
        elif drop_row == cur:
            continue  # cur itself goes to the diagonal (u[cur] is now 0)
        else:
            j = col4row[drop_row]
            col4row[drop_row] = -1  # u[drop_row] is now 0
        while True:
            r = path[j]
            row4col[j] = r
            tmp = col4row[r]
            col4row[r] = j
            j = tmp
            if r == cur:
                break
