"""Which point gives each landscape value: a numba kernel, no gradient.

``lambda_k(x)`` is the k-th largest tent ``max(0, h_j - |x - m_j|)`` over the points j
of a diagram (``m`` midpoint, ``h`` half-persistence). For every (diagram, x) the kernel
keeps the K largest positive tents by insertion (K is small) and returns their point
indices ``[B, K, R]`` (-1: no positive tent, value 0). The caller gathers the values
from the differentiable points, so gradients reach exactly the points that shape
each landscape. O(B R M K) work, parallel over diagrams.
"""
from __future__ import annotations

import numba
import numpy as np

import topograph.core._numba_config  # noqa: F401  (no spinning OpenMP threads)


@numba.njit(cache=True, parallel=True)
def landscape_indices(mid, half, counts, xs, K):
    B, R = mid.shape[0], xs.shape[0]
    out = np.full((B, K, R), -1, np.int64)
    for b in numba.prange(B):
        vals = np.empty(K)
        ids = np.empty(K, np.int64)
        for r in range(R):
            x = xs[r]
            n = 0
            for j in range(counts[b]):
                v = half[b, j] - abs(x - mid[b, j])
                if v <= 0.0:
                    continue
                if n == K and v <= vals[K - 1]:
                    continue
                pos = n if n < K else K - 1
                while pos > 0 and vals[pos - 1] < v:
                    if pos < K:
                        vals[pos] = vals[pos - 1]
                        ids[pos] = ids[pos - 1]
                    pos -= 1
                vals[pos] = v
                ids[pos] = j
                if n < K:
                    n += 1
            for k in range(n):
                out[b, k, r] = ids[k]
    return out
