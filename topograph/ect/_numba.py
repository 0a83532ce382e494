"""Numba CPU kernels for the bucketed ECT (same maths as :mod:`topograph.ect._kernel`).

Each kernel fuses the simplex height (max over its vertices' heights), the
bucketing, the per-simplex factors and the scatter into one pass, so neither
``[S, T]`` simplex heights nor an ``[S, T, C]`` payload is materialised. Blocks
of directions run in parallel (their table rows and gradient columns are
disjoint, so there are no write races).
"""
from __future__ import annotations

import math

import numpy as np

import numba


def _jit(fn):
    return numba.njit(cache=True, parallel=True)(fn)


@_jit
def exact_hist(hv, simp, b, sign, thr, table, num_dirs, res, nblk):  # pragma: no cover - compiled
    """table[(b*T + t)*(R+1) + k] += sign, k = first threshold index with thr[k] >= h."""
    t0 = thr[0]
    inv = (res - 1) / (thr[res - 1] - thr[0])
    for blk in numba.prange(nblk):
        for i in range(simp.shape[0]):
            for t in range(blk * num_dirs // nblk, (blk + 1) * num_dirs // nblk):
                x = hv[simp[i, 0], t]
                for c in range(1, simp.shape[1]):
                    x = max(x, hv[simp[i, c], t])
                kf = np.ceil((x - t0) * inv)
                kf = min(kf, float(res)) if kf >= 0.0 else 0.0  # NaN-safe: the bin stays in 0..res
                k = int(kf)
                while k > 0 and thr[k - 1] >= x:
                    k -= 1
                while k < res and thr[k] < x:
                    k += 1
                table[(b[i] * num_dirs + t) * (res + 1) + k] += sign


@_jit
def sigmoid_fwd(hv, simp, b, sign, t0, inv, sd, res, w, m, table, num_dirs, nblk, qpow):  # pragma: no cover
    """Accumulate the window / series factors of every (simplex, direction) into table [rows, C].

    ``qpow[j] = exp(-sd * (j - w))``; if it is empty the window sigmoids are evaluated
    with one exp each (needed when ``sd * w`` would overflow).
    """
    inc = qpow.shape[0] > 0
    qw, qw1 = math.exp(-sd * w), math.exp(-sd * (w + 1))
    for blk in numba.prange(nblk):
        for i in range(simp.shape[0]):
            for t in range(blk * num_dirs // nblk, (blk + 1) * num_dirs // nblk):
                h = hv[simp[i, 0], t]
                for c in range(1, simp.shape[1]):
                    h = max(h, hv[simp[i, c], t])
                u = (h - t0) * inv
                kf = np.ceil(u)
                kf = min(kf, float(res)) if kf >= 0.0 else 0.0  # NaN-safe: the bin stays in 0..res
                base = sd * (kf - u)
                row = (b[i] * num_dirs + t) * (res + 1) + int(kf)
                e = math.exp(-base) if inc else 0.0
                for j in range(2 * w):
                    if inc:
                        table[row, j] += sign / (1.0 + e * qpow[j])
                    else:
                        table[row, j] += sign / (1.0 + math.exp(-(base + sd * (j - w))))
                # clamping base only changes bins R (a) and 0 (d), which never reach the image
                if inc:
                    a, d = min(e, 1.0) * qw, qw1 / max(e, qw1 / qw)
                else:
                    a, d = math.exp(-(max(base, 0.0) + sd * w)), math.exp(min(base, sd) - sd * (w + 1))
                v = 1.0
                for p in range(m + 1):
                    table[row, 2 * w + p] += sign * v
                    v *= a
                v = d
                for p in range(m):
                    table[row, 2 * w + m + 1 + p] += sign * v
                    v *= d


@_jit
def sigmoid_bwd(hv, simp, b, sign, t0, inv, sd, s, res, w, m, z, grad, num_dirs, nblk, qpow):  # pragma: no cover
    """grad[argmax vertex, t] += sign * sum_c z[row, c] * d(factor_c)/dh for every (simplex, direction)."""
    inc = qpow.shape[0] > 0
    qw, qw1 = math.exp(-sd * w), math.exp(-sd * (w + 1))
    for blk in numba.prange(nblk):
        for i in range(simp.shape[0]):
            for t in range(blk * num_dirs // nblk, (blk + 1) * num_dirs // nblk):
                top = simp[i, 0]
                h = hv[top, t]
                for c in range(1, simp.shape[1]):
                    if hv[simp[i, c], t] > h:
                        top = simp[i, c]
                        h = hv[top, t]
                u = (h - t0) * inv
                kf = np.ceil(u)
                kf = min(kf, float(res)) if kf >= 0.0 else 0.0  # NaN-safe: the bin stays in 0..res
                base = sd * (kf - u)
                row = (b[i] * num_dirs + t) * (res + 1) + int(kf)
                e = math.exp(-base) if inc else 0.0
                acc = 0.0
                for j in range(2 * w):
                    if inc:
                        sg = 1.0 / (1.0 + e * qpow[j])
                    else:
                        sg = 1.0 / (1.0 + math.exp(-(base + sd * (j - w))))
                    acc -= z[row, j] * sg * (1.0 - sg)
                if inc:
                    a, d = min(e, 1.0) * qw, qw1 / max(e, qw1 / qw)
                else:
                    a, d = math.exp(-(max(base, 0.0) + sd * w)), math.exp(min(base, sd) - sd * (w + 1))
                v = a
                for p in range(1, m + 1):
                    acc += z[row, 2 * w + p] * p * v
                    v *= a
                v = d
                for p in range(1, m + 1):
                    acc -= z[row, 2 * w + m + p] * p * v
                    v *= d
                grad[top, t] += sign * s * acc


@_jit
def table_to_image(table, w, m, sd, img):  # pragma: no cover - compiled
    """img[bt, r] = sum_{k, c} table[bt, k, c] K[k, c, r] via shifts and exponential recurrences."""
    nrows, nbins, _ = table.shape
    res = img.shape[1]
    for bt in numba.prange(nrows):
        for k in range(nbins):
            for j in range(2 * w):
                r = k + j - w
                if 0 <= r < res:
                    img[bt, r] += table[bt, k, j]
        for p in range(m + 1):  # above: bin k reaches r >= k + w with (-1)^p q^(p (r - k - w))
            qp, acc = math.exp(-p * sd), 0.0
            for r in range(res):
                acc *= qp
                if r - w >= 0:
                    acc += table[bt, r - w, 2 * w + p]
                img[bt, r] += (-1.0) ** p * acc
        for p in range(1, m + 1):  # below: bin k reaches r <= k - w - 1 with (-1)^(p+1) q^(p (k - w - 1 - r))
            qp, acc = math.exp(-p * sd), 0.0
            for r in range(res - 1, -1, -1):
                acc *= qp
                if r + w + 1 < nbins:
                    acc += table[bt, r + w + 1, 2 * w + m + p]
                img[bt, r] += (-1.0) ** (p + 1) * acc


@_jit
def image_to_table(g, w, m, sd, z):  # pragma: no cover - compiled
    """Adjoint of :func:`table_to_image`: z[bt, k, c] = sum_r K[k, c, r] g[bt, r]."""
    nrows, nbins, _ = z.shape
    res = g.shape[1]
    for bt in numba.prange(nrows):
        for k in range(nbins):
            for j in range(2 * w):
                r = k + j - w
                if 0 <= r < res:
                    z[bt, k, j] = g[bt, r]
        for p in range(m + 1):
            qp, acc = math.exp(-p * sd), 0.0
            for r in range(res - 1, -1, -1):  # acc = sum_{r' >= r} q^(p (r' - r)) g[r']
                acc = acc * qp + g[bt, r]
                if r - w >= 0:
                    z[bt, r - w, 2 * w + p] = (-1.0) ** p * acc
        for p in range(1, m + 1):
            qp, acc = math.exp(-p * sd), 0.0
            for r in range(res):  # acc = sum_{r' <= r} q^(p (r - r')) g[r']
                acc = acc * qp + g[bt, r]
                if r + w + 1 < nbins:
                    z[bt, r + w + 1, 2 * w + m + p] = (-1.0) ** (p + 1) * acc


def num_blocks(num_dirs: int) -> int:
    """Direction blocks processed in parallel (one per numba thread). Called before every
    parallel kernel: selects numba's threading layer first (no spinning OpenMP threads)."""
    from topograph.core.kernels import configure_numba

    configure_numba()
    return max(1, min(num_dirs, numba.get_num_threads()))


def as_numpy(t) -> np.ndarray:
    """Zero-copy numpy view of a contiguous CPU tensor."""
    return t.detach().contiguous().numpy()
