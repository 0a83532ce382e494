"""Order-preserving integer keys of float values, the input of the radix sorts in
:mod:`topograph.core.pairing._graph_kernels` (plain loops, no other file's kernel:
their disk cache depends on this file alone)."""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, inline="always")
def _float_key(y, packed):
    """Order-preserving uint64 key of one float (see :func:`sort_keys`)."""
    if y != y:  # NaN sorts last
        return np.uint64(0xFFFFFFFFFFFFFFFF)
    if y == 0:
        y = 0.0  # -0.0 -> +0.0
    if packed:
        b = np.uint64(np.float32(y).view(np.uint32)) << np.uint64(32)
    else:
        b = np.float64(y).view(np.uint64)
    return ~b if b >= np.uint64(0x8000000000000000) else b | np.uint64(0x8000000000000000)


@njit(cache=True)
def _float_keys(x, out, packed):
    """Keys of float rows ``x [k, n]`` into ``out``: one pass, memory-bound (threads
    would cost more than they save)."""
    k, n = x.shape
    for f in range(k):
        for i in range(n):
            out[f, i] = _float_key(x[f, i], packed)


@njit(cache=True)
def _row_keys(x, rows, out, packed):
    """``out[f, c]`` = key of ``x[rows[c], f]`` for ``x [M, k]``: the gather, the
    transpose and the keys in one pass."""
    for c in range(rows.shape[0]):
        row = rows[c]
        for f in range(x.shape[1]):
            out[f, c] = _float_key(x[row, f], packed)


def _key_dtype(x: np.ndarray) -> tuple[np.ndarray, bool]:
    """``x`` as float32 (packed keys) or float64, and whether the keys are packed."""
    packed = x.dtype == np.float32
    return (x if packed else x.astype(np.float64, copy=False)), packed


def row_sort_keys(x: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, bool]:
    """:func:`sort_keys` of ``x[rows].T`` for float ``x [M, k]`` and ``rows [E]``:
    ``[k, E]`` keys without the ``[E, k]`` gather and transposed copy."""
    x, packed = _key_dtype(x)
    out = np.empty((x.shape[1], rows.shape[0]), dtype=np.uint64)
    if out.size:
        _row_keys(x, rows, out, packed)
    return out, packed


def sort_keys(x: np.ndarray) -> tuple[np.ndarray, bool]:
    """Order-preserving uint64 keys of float values ``[k, n]`` and whether they are
    packed (float32 values in the upper 32 bits, zeros below).

    ``-0.0`` and ``0.0`` get the same key and NaN sorts last, as in ``np.argsort``.
    """
    x2, packed = _key_dtype(
        np.ascontiguousarray(x.reshape(1, -1) if x.ndim == 1 else x.reshape(x.shape[0], -1)))
    out = np.empty(x2.shape, dtype=np.uint64)
    if x2.size:
        _float_keys(x2, out, packed)
    return out.reshape(x.shape), packed
