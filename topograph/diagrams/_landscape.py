"""Which point gives each landscape value: a numba kernel, no gradient.

``lambda_k(x)`` is the k-th largest tent ``max(0, h_j - |x - m_j|)`` over the points j
of a diagram (``m = (b + d) / 2`` midpoint, ``h = (d - b) / 2`` half-persistence).
A tent is positive on ``(m - h, m + h)``: *rising* (value ``x - (m - h)``) left of its
midpoint and *falling* (value ``(m + h) - x``) from it on. So at a grid point x the
largest rising tents are those of smallest left end ``m - h`` and the largest falling
ones those of largest right end ``m + h``: the K largest tents are a merge of the
fronts of two sorted lists, K steps, instead of a top-K insertion over every tent that
covers x (~17 per grid point for the benchmark's diagrams).

The kernel sweeps the sorted grid once per diagram. A tent enters both lists at the
first grid point above its left end (a counting sort by that index, no comparison
sort): appended to the *rising* list (ascending left end: a tent entering later has a
larger left end than every earlier one, so it goes to the tail) and inserted into the
*falling* list (descending right end). Tents leave lazily: a rising-list entry whose
midpoint is passed is removed when the merge meets it; falling-list entries whose right
end is passed form a tail, cut when met; falling-list entries still rising are skipped.
The merge compares the values ``h - |x - m|`` themselves (the float operations of the
caller's gather, so both are bit-identical), and a value ``<= 0`` (a rounding corner)
is no tent. Output ``[B, K, R]`` values ``sqrt(2) * tent`` (0 where there is none)
and, when asked, the point indices (-1: none), which the caller gathers from when a
gradient is needed. O(M + R K) work per diagram, parallel over chunks of diagrams.
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
def _one(pts, n, xs, lo, inv_step, K, outv, out, want_idx, mid, half, tent_id, entry, peak,
         start, start2, order, order2, rise_key, rise_end, rise_id, fall_key, fall_id):
    """The K largest tents at every grid point of one diagram (see the module docstring)."""
    R = xs.shape[0]
    s2 = math.sqrt(2.0)
    start[:R + 1] = 0
    start2[:R + 1] = 0
    nt = 0
    for j in range(n):
        b, d = pts[j, 0], pts[j, 1]
        m = (b + d) / 2
        h = (d - b) / 2
        r0 = _first_above(xs, m - h, lo, inv_step)
        if r0 >= R or xs[r0] >= m + h:
            continue  # no grid point inside the support
        rm = _first_above(xs, m, lo, inv_step)  # first grid point > m ...
        while rm > r0 and xs[rm - 1] >= m:       # ... made first >= m: falling from there
            rm -= 1
        mid[nt], half[nt], tent_id[nt], entry[nt], peak[nt] = m, h, j, r0, rm
        start[r0 + 1] += 1
        start2[rm + 1] += 1
        nt += 1
    for r in range(R):
        start[r + 1] += start[r]
        start2[r + 1] += start2[r]
    # Counting sorts by the grid point where a tent starts rising (start, order) and
    # falling (start2, order2). start[r] is the first slot of grid point r's tents;
    # filling advances it past its last, so afterwards grid point r's tents are
    # order[start[r - 1]:start[r]] (order[:start[0]] for r = 0).
    for t in range(nt):
        order[start[entry[t]]] = t
        start[entry[t]] += 1
        if peak[t] < R:
            order2[start2[peak[t]]] = t
            start2[peak[t]] += 1
    head = 0    # rising list [head, nr): ascending left end (key), with its peak grid point
    nr = 0
    fhead = 0   # falling list [fhead, nf): ascending right end (key), read from the end
    nf = 0
    nxt = 0
    nxt2 = 0
    for r in range(R):
        x = xs[r]
        while nxt < start[r]:
            t = order[nxt]
            nxt += 1
            key = mid[t] - half[t]
            p = nr  # ascending left end: ties within one grid step sorted here
            while p > head and rise_key[p - 1] > key:
                rise_key[p], rise_end[p], rise_id[p] = rise_key[p - 1], rise_end[p - 1], rise_id[p - 1]
                p -= 1
            rise_key[p], rise_end[p], rise_id[p] = key, peak[t], t
            nr += 1
        while nxt2 < start2[r]:
            t = order2[nxt2]
            nxt2 += 1
            key = mid[t] + half[t]
            p = nf  # ascending right end: a tent at its peak mostly has the largest one
            while p > fhead and fall_key[p - 1] > key:
                fall_key[p], fall_id[p] = fall_key[p - 1], fall_id[p - 1]
                p -= 1
            fall_key[p], fall_id[p] = key, t
            nf += 1
        # Merge the two fronts: K steps, each taking the larger next value.
        while fhead < nf and fall_key[fhead] <= x:
            fhead += 1  # dead: right end passed
        ri = head
        fi = nf
        vr = -1.0
        vf = -1.0
        tr = -1
        tf = -1
        for k in range(K):
            while tr < 0 and ri < nr:
                if rise_end[ri] <= r:
                    # Past its peak: remove it (the entries passed move one slot right).
                    for q in range(ri, head, -1):
                        rise_key[q], rise_end[q], rise_id[q] = rise_key[q - 1], rise_end[q - 1], rise_id[q - 1]
                    head += 1
                    ri += 1
                    continue
                t = rise_id[ri]
                ri += 1
                v = half[t] - abs(x - mid[t])
                if v > 0.0:
                    tr, vr = t, v
            while tf < 0 and fi > fhead:
                fi -= 1
                t = fall_id[fi]
                v = half[t] - abs(x - mid[t])
                if v > 0.0:
                    tf, vf = t, v
            if tr < 0 and tf < 0:
                for kk in range(k, K):
                    outv[kk, r] = 0.0
                    if want_idx:
                        out[kk, r] = -1
                break
            if tf < 0 or (tr >= 0 and vr >= vf):
                outv[k, r] = s2 * vr
                if want_idx:
                    out[k, r] = tent_id[tr]
                tr = -1
            else:
                outv[k, r] = s2 * vf
                if want_idx:
                    out[k, r] = tent_id[tf]
                tf = -1


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
    B, M, R = points.shape[0], points.shape[1], xs.shape[0]
    outv = np.empty((B, K, R))
    out = np.empty((B if want_idx else 1, K, R), np.int64)
    lo = xs[0] if R else 0.0
    inv_step = (R - 1) / (xs[R - 1] - xs[0]) if R > 1 and xs[R - 1] > xs[0] else 0.0
    for c in numba.prange(nchunk):
        mid = np.empty(M)
        half = np.empty(M)
        rise_key = np.empty(M)
        fall_key = np.empty(M)
        ints = np.empty((9, M), np.int64)  # tent_id, entry, peak, order, order2, rise_*, fall_id
        start = np.empty((2, R + 1), np.int64)
        for b in range(c * B // nchunk, (c + 1) * B // nchunk):
            _one(points[b], counts[b], xs, lo, inv_step, K, outv[b], out[b if want_idx else 0],
                 want_idx, mid, half, ints[0], ints[1], ints[2], start[0], start[1], ints[3],
                 ints[4], rise_key, ints[5], ints[6], fall_key, ints[7])
    return outv, out
