"""Optimal matchings of persistence diagrams, computed without gradient (numba kernels).

**Wasserstein (order p < inf).** Points of X may be matched to points of Y or to the
diagonal, and vice versa. Write ``c_ij = ||x_i - y_j||_q^p`` and ``dx_i``, ``dy_j`` for the
p-th powers of the distances to the diagonal. A matching M pays
``sum(dx) + sum(dy) + sum_{(i,j) in M} (c_ij - dx_i - dy_j)``, so the optimum is a
minimum-cost *partial* assignment with costs ``w_ij = min(c_ij - dx_i - dy_j, 0)``:
an ``n x m`` problem instead of the usual ``(n + m) x (n + m)`` one with diagonal copies
(both are exact; ours is ~8x less work). Rows and columns whose every ``w`` is 0 are
never worth matching and are removed first. The partial assignment is solved exactly
(:mod:`topograph.diagrams._lsap`: the Hungarian method, shortest augmenting paths with
dual potentials, in which a search may end by sending a point to the diagonal).

**Bottleneck (p = inf).** The distance is the smallest candidate value t (a pair cost
or a distance to the diagonal) for which a matching exists that uses pairs of cost
<= t and leaves unmatched only points within t of the diagonal. By the
Mendelsohn-Dulmage theorem this holds iff the points of X farther than t from the
diagonal can all be matched into Y, and those of Y into X (two bipartite matchings,
augmenting paths). A search over the candidates between a lower and an upper bound
finds t (median selection, then a binary search once few are left: sorting all
candidates cost more than every matching test together); the kernel returns which
candidate it is, so the caller can gather that one value from the differentiable inputs.

Both kernels run in parallel over the pairs of a batch (``prange``).
"""
from __future__ import annotations

import math

import numba
import numpy as np

from topograph.core import kernels as _seam
from topograph.diagrams import _lsap
from topograph.diagrams._lsap import partial_assignment

_jit = numba.njit(cache=True, nogil=True)


@_jit
def _norm(dx: float, dy: float, q: float) -> float:
    dx, dy = abs(dx), abs(dy)
    if q == np.inf:
        return max(dx, dy)
    if q == 1.0:
        return dx + dy
    if q == 2.0:
        return math.sqrt(dx * dx + dy * dy)
    return (dx ** q + dy ** q) ** (1.0 / q)


@_jit
def _diag(b: float, d: float, q: float) -> float:
    """Distance from (b, d) to the diagonal in the q-norm: (d - b) * 2^(1/q - 1)."""
    if q == np.inf:
        return (d - b) * 0.5
    return (d - b) * 2.0 ** (1.0 / q - 1.0)


@_jit
def _pw(x: float, p: float) -> float:
    if p == 1.0:
        return x
    if p == 2.0:
        return x * x
    return x ** p


@_jit
def _cost(dx: float, dy: float, p: float, q: float) -> float:
    """``||(dx, dy)||_q ** p``; p = q = 2 without the square root (same value up to rounding)."""
    if p == 2.0 and q == 2.0:
        return dx * dx + dy * dy
    return _pw(_norm(dx, dy, q), p)


@_jit
def _pair_costs(A, na, Bp, nb, p, q, W):
    """``W[i, j] = min(c_ij - dx_i - dy_j, 0)`` and the number of negative entries per row
    and column. p = q = 2 (the common case) in a branch-free loop that vectorises."""
    dxa = np.empty(na)
    dyb = np.empty(nb)
    for i in range(na):
        dxa[i] = _pw(_diag(A[i, 0], A[i, 1], q), p)
    for j in range(nb):
        dyb[j] = _pw(_diag(Bp[j, 0], Bp[j, 1], q), p)
    bx = Bp[:nb, 0].copy()
    by = Bp[:nb, 1].copy()
    rowneg = np.zeros(na, np.int64)
    colneg = np.zeros(nb, np.int64)
    for i in range(na):
        ax, ay, di = A[i, 0], A[i, 1], dxa[i]
        Wi = W[i]
        cnt = 0
        if p == 2.0 and q == 2.0:
            for j in range(nb):
                ex = ax - bx[j]
                ey = ay - by[j]
                w = min(ex * ex + ey * ey - di - dyb[j], 0.0)
                Wi[j] = w
                neg = w < 0.0
                cnt += neg
                colneg[j] += neg
        else:
            for j in range(nb):
                w = min(_cost(ax - bx[j], ay - by[j], p, q) - di - dyb[j], 0.0)
                Wi[j] = w
                neg = w < 0.0
                cnt += neg
                colneg[j] += neg
        rowneg[i] = cnt
    return rowneg, colneg


@_jit
def _wasserstein_one(A, na, Bp, nb, p, q, out):
    """Optimal partial matching of one pair; ``out[i]`` = matched row of B or -1."""
    out[:] = -1
    if na == 0 or nb == 0:
        return
    W = np.empty((na, nb))
    rowneg, colneg = _pair_costs(A, na, Bp, nb, p, q, W)
    rows = np.nonzero(rowneg)[0]
    cols = np.nonzero(colneg)[0]
    nr, nc = rows.shape[0], cols.shape[0]
    if nr == 0:
        return
    if nr < na or nc < nb:
        # Rows and columns without a negative entry are never matched: solve without them.
        Wr = np.empty((nr, nc))
        for a in range(nr):
            for b in range(nc):
                Wr[a, b] = W[rows[a], cols[b]]
        W = Wr
    col4row = np.empty(nr, np.int64)
    partial_assignment(W, col4row)
    for a in range(nr):
        b = col4row[a]
        if b >= 0 and W[a, b] < 0.0:
            out[rows[a]] = cols[b]


@numba.njit(cache=True, parallel=True)
def wasserstein_matching(A, na, Bp, nb, p, q):
    """``[B, Ma]`` matched row of B for every row of A (-1: the diagonal / padding)."""
    out = np.full((A.shape[0], A.shape[1]), -1, np.int64)
    for k in numba.prange(A.shape[0]):
        _wasserstein_one(A[k], na[k], Bp[k], nb[k], p, q, out[k])
    return out


@_jit
def _covers(C, t, heavy, nh, ncol, transpose, match, visited, stack_r, stack_j, chosen):
    """Whether every row in ``heavy[:nh]`` can be matched to a column with cost <= t."""
    match[:ncol] = -1
    # Greedy start: a row takes the first free column it can reach directly.
    done = np.zeros(nh, np.bool_)
    for h in range(nh):
        u = heavy[h]
        for j in range(ncol):
            c = C[j, u] if transpose else C[u, j]
            if c <= t and match[j] == -1:
                match[j] = u
                done[h] = True
                break
    for h in range(nh):
        if done[h]:
            continue
        visited[:ncol] = False
        stack_r[0] = heavy[h]
        stack_j[0] = 0
        depth = 1
        found = False
        while depth > 0 and not found:
            u = stack_r[depth - 1]
            j = stack_j[depth - 1]
            pushed = False
            while j < ncol:
                c = C[j, u] if transpose else C[u, j]
                if c <= t and not visited[j]:
                    visited[j] = True
                    stack_j[depth - 1] = j + 1
                    chosen[depth - 1] = j
                    if match[j] == -1:
                        found = True
                    else:
                        stack_r[depth] = match[j]
                        stack_j[depth] = 0
                        depth += 1
                        pushed = True
                    break
                j += 1
            if found:
                for d in range(depth):
                    match[chosen[d]] = stack_r[d]
            elif not pushed:
                depth -= 1
        if not found:
            return False
    return True


@_jit
def _feasible(C, dxa, dyb, t, na, nb, buf_h, match, visited, stack_r, stack_j, chosen):
    nh = 0
    for i in range(na):
        if dxa[i] > t:
            buf_h[nh] = i
            nh += 1
    if not _covers(C, t, buf_h, nh, nb, False, match, visited, stack_r, stack_j, chosen):
        return False
    nh = 0
    for j in range(nb):
        if dyb[j] > t:
            buf_h[nh] = j
            nh += 1
    return _covers(C, t, buf_h, nh, na, True, match, visited, stack_r, stack_j, chosen)


@_jit
def _select(a, m, k):
    """Reorder ``a[:m]`` in place so that ``a[k]`` is its k-th smallest value, with
    ``a[:k] <= a[k] <= a[k + 1:m]`` (Wirth's selection, median-of-three pivots; the
    same contract as ``np.partition``, a few lines instead of numba's generic one,
    which took seconds to compile)."""
    lo = 0
    hi = m - 1
    while hi > lo:
        mid = (lo + hi) // 2
        if a[mid] < a[lo]:
            a[mid], a[lo] = a[lo], a[mid]
        if a[hi] < a[lo]:
            a[hi], a[lo] = a[lo], a[hi]
        if a[hi] < a[mid]:
            a[hi], a[mid] = a[mid], a[hi]
        pivot = a[mid]
        i = lo
        j = hi
        while i <= j:
            while a[i] < pivot:
                i += 1
            while a[j] > pivot:
                j -= 1
            if i <= j:
                a[i], a[j] = a[j], a[i]
                i += 1
                j -= 1
        if k <= j:
            hi = j
        elif k >= i:
            lo = i
        else:
            return


@_jit
def _insertion_sort(a, m):
    """Sort ``a[:m]`` in place (a handful of values)."""
    for t in range(1, m):
        x = a[t]
        s = t - 1
        while s >= 0 and a[s] > x:
            a[s + 1] = a[s]
            s -= 1
        a[s + 1] = x


@_jit
def _bottleneck_one(A, na, Bp, nb, q, out):
    """``out = (kind, i, j)``: kind 0 pair (i, j), 1 diagonal of A[i], 2 of B[j], -1 zero."""
    out[0] = -1
    out[1] = 0
    out[2] = 0
    if na == 0 and nb == 0:
        return
    dxa = np.empty(na)
    dyb = np.empty(nb)
    for i in range(na):
        dxa[i] = _diag(A[i, 0], A[i, 1], q)
    for j in range(nb):
        dyb[j] = _diag(Bp[j, 0], Bp[j, 1], q)
    C = np.empty((na, nb))
    rowmin = dxa.copy()
    colmin = dyb.copy()
    for i in range(na):
        for j in range(nb):
            c = _norm(A[i, 0] - Bp[j, 0], A[i, 1] - Bp[j, 1], q)
            C[i, j] = c
            rowmin[i] = min(rowmin[i], c)
            colmin[j] = min(colmin[j], c)
    lo = 0.0
    hi = 0.0
    for i in range(na):
        lo = max(lo, rowmin[i])
        hi = max(hi, dxa[i])
    for j in range(nb):
        lo = max(lo, colmin[j])
        hi = max(hi, dyb[j])
    # Candidate values in [lo, hi]; the answer is one of them and hi is feasible.
    total = na * nb + na + nb
    work = np.empty(total)
    m = 0
    for i in range(na):
        if lo <= dxa[i] <= hi:
            work[m] = dxa[i]
            m += 1
    for j in range(nb):
        if lo <= dyb[j] <= hi:
            work[m] = dyb[j]
            m += 1
    for i in range(na):
        for j in range(nb):
            if lo <= C[i, j] <= hi:
                work[m] = C[i, j]
                m += 1
    sz = max(na, nb) + 1
    buf_h = np.empty(sz, np.int64)
    match = np.empty(sz, np.int64)
    visited = np.empty(sz, np.bool_)
    stack_r = np.empty(sz, np.int64)
    stack_j = np.empty(sz, np.int64)
    chosen = np.empty(sz, np.int64)
    # Selection instead of a full sort: test the median of the remaining candidates and
    # keep the half that still contains the answer (O(total) work, log(total) tests).
    while m > 16:
        k = m // 2
        _select(work, m, k)
        t = work[k]
        if _feasible(C, dxa, dyb, t, na, nb, buf_h, match, visited, stack_r, stack_j, chosen):
            m = k + 1  # work[:k + 1]: every distinct value <= t (t itself at k)
        else:
            cnt = 0
            for r in range(k + 1, m):  # compacting forwards: cnt <= r - k - 1 < r
                if work[r] > t:
                    work[cnt] = work[r]
                    cnt += 1
            m = cnt
    _insertion_sort(work, m)
    cand = work
    a, b = 0, m - 1  # cand[m - 1] >= the answer: feasible
    while a < b:
        mid = (a + b) // 2
        if _feasible(C, dxa, dyb, cand[mid], na, nb, buf_h, match, visited,
                     stack_r, stack_j, chosen):
            b = mid
        else:
            a = mid + 1
    t = cand[a]
    if t == 0.0:
        return
    # Which candidate is it (values are computed identically, so equality is exact).
    for i in range(na):
        if dxa[i] == t:
            out[0], out[1], out[2] = 1, i, 0
            return
    for j in range(nb):
        if dyb[j] == t:
            out[0], out[1], out[2] = 2, 0, j
            return
    for i in range(na):
        for j in range(nb):
            if C[i, j] == t:
                out[0], out[1], out[2] = 0, i, j
                return


@numba.njit(cache=True, parallel=True)
def bottleneck_matching(A, na, Bp, nb, q):
    """``[B, 3]`` (kind, i, j) of the critical value of every pair (see ``_bottleneck_one``)."""
    out = np.empty((A.shape[0], 3), np.int64)
    for k in numba.prange(A.shape[0]):
        _bottleneck_one(A[k], na[k], Bp[k], nb[k], q, out[k])
    return out


def ready() -> None:
    """Before the first kernel call: numba's threading layer, and (numba keys a cache
    entry on the defining file alone, and the Wasserstein kernel compiles in the
    solver of ``_lsap.py``) its cache dropped once if that file changed."""
    _seam.numba_ready((wasserstein_matching, _wasserstein_one), _lsap, "topograph_wasserstein")
