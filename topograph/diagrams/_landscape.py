"""Which point gives each landscape value: a numba kernel, no gradient.

``lambda_k(x)`` is the k-th largest tent ``max(0, h_j - |x - m_j|)`` over the points j
of a diagram (``m`` midpoint, ``h`` half-persistence). For every (diagram, x) the kernel
keeps the K largest positive tents by insertion (K is small; each point visits only the
grid points inside its support, found by arithmetic on the near-uniform grid and an
exact fix-up) and returns their point indices ``[B, K, R]`` (-1: no positive tent,
value 0) and the values themselves, ``sqrt(2) * tent`` computed with the same float
operations as the caller's gather (so both are bit-identical). The caller gathers the
values from the differentiable points when a gradient is needed, so gradients reach
exactly the points that shape each landscape. O(B R M K) work, parallel over diagrams.
"""
from __future__ import annotations

import math

import numba
import numpy as np


@numba.njit(cache=True, inline="always")
def _first_above(xs, t, lo, inv_step, strict):
    """First r with xs[r] > t (strict) or xs[r] >= t: an estimate, then an exact fix-up."""
    R = xs.shape[0]
    e = (t - lo) * inv_step
    r = 0 if e <= 0.0 else (R if e >= R else int(e))
    if strict:
        while r > 0 and xs[r - 1] > t:
            r -= 1
        while r < R and xs[r] <= t:
            r += 1
    else:
        while r > 0 and xs[r - 1] >= t:
            r -= 1
        while r < R and xs[r] < t:
            r += 1
    return r


@numba.njit(cache=True, parallel=True)
def landscape_indices(mid, half, counts, xs, K):
    """``([B, K, R] point index, [B, K, R] value)`` of the k-th largest tent at ``xs[r]``
    (sorted grid); values are ``sqrt(2) * tent`` (0 where the index is -1)."""
    B, R = mid.shape[0], xs.shape[0]
    out = np.full((B, K, R), -1, np.int64)
    outv = np.zeros((B, K, R))
    lo = xs[0] if R else 0.0
    inv_step = (R - 1) / (xs[R - 1] - xs[0]) if R > 1 and xs[R - 1] > xs[0] else 0.0
    s2 = math.sqrt(2.0)
    for b in numba.prange(B):
        vals = np.zeros((R, K))
        ids = np.full((R, K), -1, np.int64)
        n = np.zeros(R, np.int64)
        # thr[r]: a tent must beat this to enter (0 until K tents are kept, then the K-th).
        thr = np.zeros(R)
        for j in range(counts[b]):
            m, h = mid[b, j], half[b, j]
            # Only grid points strictly inside (birth, death) see a positive tent.
            r0 = _first_above(xs, m - h, lo, inv_step, True)
            r1 = _first_above(xs, m + h, lo, inv_step, False)
            for r in range(r0, r1):
                v = h - abs(xs[r] - m)
                if v <= thr[r]:
                    continue
                pos = n[r] if n[r] < K else K - 1
                while pos > 0 and vals[r, pos - 1] < v:
                    if pos < K:
                        vals[r, pos] = vals[r, pos - 1]
                        ids[r, pos] = ids[r, pos - 1]
                    pos -= 1
                vals[r, pos] = v
                ids[r, pos] = j
                if n[r] < K:
                    n[r] += 1
                if n[r] == K:
                    thr[r] = vals[r, K - 1]
        for r in range(R):
            for k in range(n[r]):
                out[b, k, r] = ids[r, k]
                outv[b, k, r] = s2 * vals[r, k]
    return out, outv
