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


# The graph kernels live in their own module; re-exported here for callers of the
# historical names.
from topograph.core.pairing._graph_inputs import (  # noqa: F401
    canonical_edge_map,
    edge_values_pass,
    group_argmax,
)
from topograph.core.pairing._graph_kernels import _find, graph_pairs_kernel  # noqa: E402,F401
from topograph.core.pairing._sort_keys import row_sort_keys, sort_keys  # noqa: E402,F401


# Two Prim scans, both O(n^2) without sorting the n(n-1)/2 edges:
#
# * exact (any dtype, used for float64): the unvisited vertices sit in a compact
#   array (swap-remove), so step t scans n - t entries; scalar and branchy.
# * packed (float32 and n <= 65536, the training case): a non-negative float32
#   orders like its bit pattern read as uint32, so ``bits << 32 | parent << 16 |
#   index`` turns "nearest vertex and its tree edge" into one unsigned-integer
#   minimum. The whole step (relax, argmin, farthest pair) becomes branch-free
#   integer work that LLVM vectorises: 2-4x faster than the exact scan although
#   it reads all n entries per step.
#
# A row of squared distances comes from a matrix, or is computed when needed
# from a Gram matrix or from the coordinates (O(n) memory, and faster than
# materialising the n x n matrix first).


@njit(cache=True, inline="always")
def _prim_scan(drow, m, rem, r, best, src, far, fmax):
    """Relax the unvisited ``rem[:r]`` with row ``m``; track the farthest pair (every
    pair is scanned exactly once); return the slot of the nearest unvisited vertex."""
    arg = 0
    mv = np.inf
    for p in range(r):
        j = rem[p]
        w = drow[j]
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
    return arg, fmax


@njit(cache=True, inline="always")
def _prim_take(arg, rem, r, src, edge):
    """Move the vertex in slot ``arg`` into the tree and record its edge."""
    m = rem[arg]
    rem[arg] = rem[r - 1]
    edge[0] = src[m]
    edge[1] = m
    return m


_ALL = np.uint64(0xFFFFFFFFFFFFFFFF)
_IDX = np.uint64(0xFFFF)  # 16 bits for a vertex index
_SRC = np.uint64(16)
_SIGN = np.uint32(0x80000000)
PACKED_MAX_N = 1 << 16


def use_packed(dtype: np.dtype, n: int) -> bool:
    """The packed scan holds float32 bits and two 16-bit vertex indices."""
    return dtype == np.float32 and n <= PACKED_MAX_N


# A Gram-form squared distance |x|^2 + |y|^2 - 2 <x, y> carries an error of a few
# units of rounding of |x|^2 + |y|^2. Where it falls below GRAM_REFINE times that
# sum, cancellation has eaten more than 2 bits, and the row entry is recomputed from
# the coordinate differences (exact up to the rounding of the distance itself).
# With centred clouds this is rare (close pairs only) and costs d flops per entry.
GRAM_REFINE = 0.25


@njit(cache=True, inline="always")
def _coord_sq(a, j, m, n, zero):
    """Squared distance of rows ``j`` and ``m`` from the coordinates stored in columns
    ``n:`` of the ``[G | X]`` operand (``zero`` fixes the accumulator's dtype)."""
    acc = zero
    for c in range(n, a.shape[1]):
        diff = a[j, c] - a[m, c]
        acc += diff * diff
    return acc


@njit(cache=True, inline="always")
def _row(kind, a, aux, m, drow):
    """Row ``m`` of squared distances: ``a``'s own row (kind 0, a matrix), or computed
    into ``drow`` from a Gram matrix and its diagonal ``aux`` (kind 1: ``a = [G | X]``,
    ``[n, n + d]``, the Gram matrix of the coordinates ``X``, which are appended so
    that entries that cancel are recomputed from them; ``d`` may be 0), or from
    coordinates stored by column ``aux [d, n]`` (kind 2)."""
    if kind == 0:
        return a[m]
    n = drow.shape[0]
    if kind == 1:
        s = aux[0, m]
        g = a[m]
        sq = aux[0]
        if a.shape[1] == n:
            for j in range(n):
                drow[j] = s + sq[j] - 2 * g[j]
        else:
            # count the cancelling entries in the same vectorised pass: the scalar fix-up
            # runs only for rows that have one besides the diagonal (which always cancels)
            cnt = 0
            for j in range(n):
                t = sq[j] + s
                v = t - 2 * g[j]
                drow[j] = v
                cnt += v < GRAM_REFINE * t
            self_cancels = drow[m] < GRAM_REFINE * (s + s)
            drow[m] = 0
            if cnt > self_cancels:
                for j in range(n):
                    if j != m and drow[j] < GRAM_REFINE * (s + sq[j]):
                        drow[j] = _coord_sq(a, j, m, n, drow[j] * 0)
        return drow
    drow[:] = 0
    for c in range(aux.shape[0]):
        col = aux[c]
        v = col[m]
        for j in range(n):
            diff = col[j] - v
            drow[j] += diff * diff
    return drow


# The packed scan refines a cancelling entry only where it can matter: where its true
# value might not exceed the key of its (unvisited) vertex, or might reach the largest
# squared distance so far (the farthest pair). Elsewhere the Gram value, wrong as it
# may be, is provably above the key and below that maximum, so the relaxation and the
# farthest pair come out exactly as with the refined value. The bound on the Gram
# value's error: 2 gamma_d t (the dot product and both norms, any summation order)
# plus a few roundings, t = |x_i|^2 + |x_j|^2; taken twice over.


@njit(cache=True, inline="always")
def _gram_row_pruned(a, aux, m, drow, keyf, err, fmaxf, sqmax):
    """Row ``m`` of squared distances from ``a = [G | X]`` (see :func:`_row`, kind 1),
    refining the cancelling entries that can change the packed scan's step."""
    n = drow.shape[0]
    s = aux[0, m]
    g = a[m]
    sq = aux[0]
    lo = n
    hi = -1
    if fmaxf > (GRAM_REFINE + 2 * err) * (s + sqmax):  # no cancelling entry can reach the maximum
        for j in range(n):  # vectorised: the refinement test for the whole row
            t = sq[j] + s
            v = t - 2 * g[j]
            drow[j] = v
            need = (v < GRAM_REFINE * t) & (v - err * t <= keyf[j])
            lo = min(lo, j if need else n)
            hi = max(hi, j if need else -1)
    else:
        for j in range(n):
            t = sq[j] + s
            v = t - 2 * g[j]
            drow[j] = v
            kf = keyf[j]
            e = err * t
            need = (v < GRAM_REFINE * t) & ((v - e <= kf) | (v + e >= fmaxf))
            lo = min(lo, j if need else n)
            hi = max(hi, j if need else -1)
    if hi >= 0:
        for j in range(lo, hi + 1):
            t = sq[j] + s
            v = drow[j]
            kf = keyf[j]
            e = err * t
            if (v < GRAM_REFINE * t) & ((v - e <= kf) | (v + e >= fmaxf)):
                drow[j] = _coord_sq(a, j, m, n, drow[j] * 0)
    return drow


@njit(cache=True)
def _prim_packed(kind, a, aux, out, far):
    """Packed Prim on float32 squared distances (rows from :func:`_row`), n <= 2^16.

    ``key[j] = bits << 32 | src << 16 | j``: the squared distance of vertex ``j`` to
    the tree (as uint32 bits; negative rounding residue counts as 0), the tree
    vertex realising it, and ``j``; all ones once visited (``seen`` then all ones
    too). Relaxing is one unsigned minimum, and the step's minimum key names the
    next vertex *and* its tree edge (ties: smaller parent, then smaller index).
    """
    n = out.shape[0] + 1
    drow = np.empty(n, a.dtype)
    key = np.full(n, _ALL, np.uint64)
    seen = np.zeros(n, np.uint64)
    sh = np.uint64(32)
    seen[0] = _ALL
    m = 0
    fmax = np.uint64(0)
    pruned = kind == 1 and a.shape[1] > n
    kd = np.full(n, np.uint32(0xFFFFFFFF), np.uint32)  # key's distance half (NaN once visited)
    keyf = kd.view(np.float32)
    d = a.shape[1] - n
    err = a.dtype.type(4 * (d + 4) * 2.0 ** -24)  # float32 only (the packed scan)
    sqmax = aux[0].max() if pruned else a.dtype.type(0)
    fmaxf = a.dtype.type(-np.inf)  # step 0: refine every cancelling entry (all keys unset)
    for t in range(n - 1):
        if pruned:
            bits = _gram_row_pruned(a, aux, m, drow, keyf, err, fmaxf, sqmax).view(np.uint32)
        else:
            bits = _row(kind, a, aux, m, drow).view(np.uint32)
        msrc = np.uint64(m) << _SRC
        mn = _ALL
        mx = np.uint64(0)
        for j in range(n):  # branch-free: relax, argmin and farthest in one pass
            b = bits[j]
            b = np.uint32(0) if b >= _SIGN else b
            kb = (np.uint64(b) << sh) | msrc | np.uint64(j)
            v = seen[j]
            nk = min(key[j], kb | v)
            key[j] = nk
            mn = min(mn, nk)
            mx = max(mx, kb & ~v)
        if mx > fmax:
            fmax = mx
            far[0] = m
            far[1] = np.int64(mx & _IDX)
            fmaxf = drow[far[1]]
        m = np.int64(mn & _IDX)
        out[t, 0] = np.int64((mn >> _SRC) & _IDX)
        out[t, 1] = m
        key[m] = _ALL
        seen[m] = _ALL
        if pruned:  # the keys' distance halves, contiguous for the next row's test
            for j in range(n):
                kd[j] = np.uint32(key[j] >> sh)


@njit(cache=True)
def _prim_exact(kind, a, aux, out, far):
    """Exact Prim (any dtype), rows from :func:`_row`."""
    n = out.shape[0] + 1
    drow = np.empty(n, a.dtype)
    best = np.full(n, np.inf)
    src = np.zeros(n, dtype=np.int64)
    rem = np.arange(1, n)  # unvisited vertices
    m = 0
    fmax = -np.inf
    for t in range(n - 1):
        row = _row(kind, a, aux, m, drow)
        arg, fmax = _prim_scan(row, m, rem, n - 1 - t, best, src, far, fmax)
        m = _prim_take(arg, rem, n - 1 - t, src, out[t])


@njit(cache=True)
def prim_sample(a, out, far, kind, packed):
    """Prim on one sample ``a``: writes its MST edges ``out [n-1, 2]`` and farthest pair
    ``far [2]``. ``kind`` 0: ``a`` is a distance matrix ``[n, n]``; 1: a Gram matrix
    ``x x^T`` followed by the coordinates ``x`` (``[n, n + d]``, see :func:`_row`); 2: points ``[n, d]`` (squared distances computed a row at a time:
    O(n) memory, faster than a scratch matrix). ``packed`` (float32 only) selects
    the vectorised scan. Callable from other numba kernels (the TopoAE loss pairs
    and differentiates in one call)."""
    n = a.shape[0]
    if n < 2:  # no edge; the farthest "pair" stays (0, 0)
        return
    if kind == 0:
        aux = np.empty((0, n), a.dtype)
    elif kind == 1:
        aux = np.empty((1, n), a.dtype)
        for i in range(n):
            aux[0, i] = a[i, i]
    else:
        aux = np.ascontiguousarray(a.T)
    if packed:
        _prim_packed(kind, a, aux, out, far)
    else:
        _prim_exact(kind, a, aux, out, far)


@njit(cache=True)
def _prim_serial(data, out, far, kind, packed):
    for b in range(data.shape[0]):
        prim_sample(data[b], out[b], far[b], kind, packed)


@njit(cache=True, parallel=True)
def _prim_parallel(data, out, far, kind, packed):
    for b in prange(data.shape[0]):
        prim_sample(data[b], out[b], far[b], kind, packed)


# The serial / parallel decision is the kernel seam's (one threshold for every driver).
from topograph.core.kernels import PARALLEL_MIN_WORK, use_parallel  # noqa: E402,F401

_use_parallel = use_parallel


def run_prim(data: np.ndarray, kind: int, work: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`prim_sample` over a batch ``data [B, ...]`` (threads if ``work`` per
    sample is large): MST edges ``[B, n-1, 2]`` and farthest pairs ``[B, 2]``."""
    B, n = data.shape[0], data.shape[1]
    out = np.zeros((B, max(n - 1, 0), 2), dtype=np.int64)
    far = np.zeros((B, 2), dtype=np.int64)
    packed = use_packed(data.dtype, n)
    (_prim_parallel if _use_parallel(B, work) else _prim_serial)(data, out, far, kind, packed)
    return out, far


def prim_kernel(dist: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dense Prim minimum spanning tree for each distance matrix of ``dist [B, n, n]``.

    O(n^2) per sample without sorting the n(n-1)/2 edges; large batches run in
    parallel threads. Only the order of the entries matters (squared or slightly
    negative rounded distances are fine). Returns ``[B, n-1, 2]`` int64 edges
    (tree vertex, new vertex) in the order they were added, and the farthest pair
    ``[B, 2]`` of each sample (found on the way: Prim reads every pair once).
    """
    n = dist.shape[1]
    return run_prim(dist, 0, n * n)
