"""Which point gives each landscape value: a numba kernel, no gradient.

``lambda_k(x)`` is the k-th largest tent ``max(0, h_j - |x - m_j|)`` over the points j
of a diagram (``m = (b + d) / 2`` midpoint, ``h = (d - b) / 2`` half-persistence). The
kernel keeps, for every grid point, the K largest values seen so far (``top [K, R]``,
zeros at first) and inserts the tents one at a time, each only over the grid points
inside its support (found by arithmetic on the near-uniform grid, an exact fix-up and
one point of slack either side: a value ``<= 0`` never enters). An insertion is a
compare-exchange network, branch-free and vectorised *across grid points*: for
k = 0..K-1, ``top[k, r], v[r] = max(top[k, r], v[r]), min(top[k, r], v[r])``; the
point index travels with its value when it is asked for; a tent below the K-th value
over its whole support is skipped after one pass. The loops run over views that start
at index 0 (with an offset index the compiler keeps a wrap-around check and does not
vectorise). The values are
``h - |x - m|``, the float operations of the caller's gather (bit-identical), times
``sqrt(2)``. Output ``[B, K, R]`` values (0 where there is no positive tent) and,
when asked, point indices (-1 there), from which the caller gathers when a gradient
is needed. O(B M K w) work for supports of w grid points, parallel over chunks of diagrams.
"""
from __future__ import annotations

import math

import numba
import numpy as np

_jit = numba.njit(cache=True, nogil=True)


@numba.njit(cache=True, inline="always")
def _first_above(xs, t, lo, inv_step):
    """First r with xs[r] > t: an estimate on the near-uniform grid, then an exact fix-up."""
    R = xs.shape[0]
    e = (t - lo) * inv_step
    r = 0 if e <= 0.0 else (R if e >= R else int(e))
    while r > 0 and xs[r - 1] > t:
        r -= 1
    while r < R and xs[r] <= t:
        r += 1
    return r


@_jit
def _insert(top, vals, r0, L):
    """Values ``vals[:L]`` into ``top[:, r0:r0 + L]`` (descending along axis 0); stops
    once no positive value is left to push down."""
    for k in range(top.shape[0]):
        tk = top[k, r0:r0 + L]  # views from 0: the compiler vectorises (no wrap-around)
        left = 0
        for r in range(L):
            t = tk[r]
            v = vals[r]
            up = v > t
            tk[r] = v if up else t
            v = t if up else v
            vals[r] = v
            left += v > 0.0
        if left == 0:
            return


@_jit
def _insert_idx(top, topi, vals, ids, r0, L):
    """:func:`_insert` with the point index carried along."""
    for k in range(top.shape[0]):
        tk = top[k, r0:r0 + L]
        ik = topi[k, r0:r0 + L]
        left = 0
        for r in range(L):
            t = tk[r]
            v = vals[r]
            a = ik[r]
            c = ids[r]
            up = v > t
            tk[r] = v if up else t
            vals[r] = t if up else v
            ik[r] = c if up else a
            ids[r] = a if up else c
            left += (t if up else v) > 0.0
        if left == 0:
            return


@_jit
def _one(pts, n, xs, lo, inv_step, top, topi, want_idx, vals, ids):
    """The K largest tents at every grid point of one diagram (see the module docstring)."""
    R = xs.shape[0]
    top[:, :] = 0.0
    if want_idx:
        topi[:, :] = -1
    for j in range(n):
        b, d = pts[j, 0], pts[j, 1]
        m = (b + d) / 2
        h = (d - b) / 2
        # Grid points strictly inside (m - h, m + h), one more either side.
        r0 = max(_first_above(xs, m - h, lo, inv_step) - 1, 0)
        r1 = min(_first_above(xs, m + h, lo, inv_step) + 1, R)
        # Whole blocks of 8 where the grid allows: the vectorised loops then skip their
        # scalar remainder (the extra values are < 0 and never enter).
        r1 = min(r0 + (r1 - r0 + 7) // 8 * 8, R)
        L = r1 - r0
        if L <= 0 or h <= 0.0:
            continue
        last = top[top.shape[0] - 1, r0:r1]  # views from 0, as in _insert
        xr = xs[r0:r1]
        enters = 0
        for r in range(L):
            v = h - abs(xr[r] - m)
            vals[r] = v
            enters += v > last[r]
        if enters == 0:
            continue  # below the K-th value everywhere: changes nothing
        if want_idx:
            ids[:L] = j
            _insert_idx(top, topi, vals, ids, r0, L)
        else:
            _insert(top, vals, r0, L)
    s2 = math.sqrt(2.0)
    for k in range(top.shape[0]):
        for r in range(R):
            top[k, r] = s2 * top[k, r]


def landscape_values(points: np.ndarray, counts: np.ndarray, xs: np.ndarray, K: int,
                     want_idx: bool) -> tuple[np.ndarray, np.ndarray]:
    """``([B, K, R] value, [B, K, R] point index)`` of the k-th largest tent at ``xs[r]``
    (a sorted grid) for padded ``points [B, M, 2]`` with ``counts [B]`` rows each; values
    are ``sqrt(2) * tent`` (0 where the index is -1). Without ``want_idx`` the index
    array is ``[1, K, R]`` and unwritten (the values alone are needed)."""
    nchunk = max(1, min(points.shape[0], 8 * numba.get_num_threads()))
    return _landscape_kernel(points, counts, xs, K, want_idx, nchunk)


@numba.njit(cache=True, parallel=True)
def _landscape_kernel(points, counts, xs, K, want_idx, nchunk):
    B, R = points.shape[0], xs.shape[0]
    outv = np.empty((B, K, R))
    out = np.empty((B if want_idx else 1, K, R), np.int64)
    lo = xs[0] if R else 0.0
    inv_step = (R - 1) / (xs[R - 1] - xs[0]) if R > 1 and xs[R - 1] > xs[0] else 0.0
    for c in numba.prange(nchunk):
        vals = np.empty(R)
        ids = np.empty(R, np.int64)
        for b in range(c * B // nchunk, (c + 1) * B // nchunk):
            _one(points[b], counts[b], xs, lo, inv_step, outv[b], out[b if want_idx else 0],
                 want_idx, vals, ids)
    return outv, out
