"""Which point gives each landscape value: a numba kernel, no gradient.

``lambda_k(x)`` is the k-th largest tent ``max(0, h_j - |x - m_j|)`` over the points j
of a diagram (``m`` midpoint, ``h`` half-persistence). For every (diagram, x) the kernel
keeps the K largest positive tents by insertion (K is small; each point visits only the
grid points inside its support) and returns their point
indices ``[B, K, R]`` (-1: no positive tent, value 0). The caller gathers the values
from the differentiable points, so gradients reach exactly the points that shape
each landscape. O(B R M K) work, parallel over diagrams.
"""
from __future__ import annotations

import numba
import numpy as np



@numba.njit(cache=True, parallel=True)
def landscape_indices(mid, half, counts, xs, K):
    """``[B, K, R]`` point index of the k-th largest tent at ``xs[r]`` (sorted grid)."""
    B, R = mid.shape[0], xs.shape[0]
    out = np.full((B, K, R), -1, np.int64)
    for b in numba.prange(B):
        vals = np.zeros((R, K))
        ids = np.full((R, K), -1, np.int64)
        n = np.zeros(R, np.int64)
        for j in range(counts[b]):
            m, h = mid[b, j], half[b, j]
            # Only grid points strictly inside (birth, death) see a positive tent.
            r0 = np.searchsorted(xs, m - h, side="right")
            r1 = np.searchsorted(xs, m + h, side="left")
            for r in range(r0, r1):
                v = h - abs(xs[r] - m)
                if v <= 0.0 or (n[r] == K and v <= vals[r, K - 1]):
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
        for r in range(R):
            for k in range(K):
                out[b, k, r] = ids[r, k]
    return out
