"""The partial assignment solver behind the Wasserstein matching, against scipy.

``partial_assignment(W)`` lets rows and columns stay unmatched at cost 0; scipy's
``linear_sum_assignment`` solves the same problem as a square one with zero-cost
dummy rows and columns. Integer costs give many ties (and zeros, never worth using);
sizes up to 40 make the augmenting row reduction leave rows for the shortest paths,
whose searches end at free columns or by sending a reached row to the diagonal."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from topograph.diagrams._lsap import partial_assignment


def _reference(W):
    n, m = W.shape
    C = np.zeros((n + m, m + n))
    C[:n, :m] = np.minimum(W, 0)
    r, c = linear_sum_assignment(C)
    return C[r, c].sum()


def _check(W):
    col4row = np.empty(W.shape[0], np.int64)
    partial_assignment(W, col4row)
    used = col4row[col4row >= 0]
    assert len(set(used.tolist())) == used.size and (used < W.shape[1]).all()
    value = sum(min(W[i, j], 0.0) for i, j in enumerate(col4row) if j >= 0)
    assert value == pytest.approx(_reference(W), abs=1e-9)


@settings(max_examples=150)
@given(st.integers(1, 9), st.integers(1, 9), st.integers(0, 2**32 - 1), st.booleans())
def test_small_matrices_with_ties(n, m, seed, ints):
    rng = np.random.default_rng(seed)
    W = rng.integers(-6, 3, (n, m)).astype(float) if ints else rng.random((n, m)) - 0.6
    _check(W)


@pytest.mark.parametrize("seed", range(20))
def test_larger_matrices(seed):
    rng = np.random.default_rng(seed)
    n, m = rng.integers(20, 41, 2)
    # Diagram-like costs: points that all prefer the few far-from-diagonal columns.
    W = rng.random((n, m)) * 0.3 - np.outer(rng.random(n), np.ones(m)) * 0.2 - rng.random(m) * 0.2
    _check(W)
    _check(np.round(W * 10))  # with ties


def test_edge_cases():
    _check(np.zeros((3, 4)))            # nothing worth matching
    _check(np.full((4, 2), -1.0))       # more rows than columns, all tied
    _check(np.array([[-1.0, -1.0], [-1.0, 0.0], [0.0, -3.0]]))


def test_selection_of_the_bottleneck_search_matches_a_sort():
    """The bottleneck search's in-place selection (``np.partition``'s contract) on
    random, tied and constant values."""
    from topograph.diagrams._matching import _select

    rng = np.random.default_rng(0)
    for trial in range(2000):
        m = int(rng.integers(1, 60))
        a = rng.random(m) if trial % 2 else rng.integers(0, int(rng.integers(1, 6)), m) * 1.0
        k = int(rng.integers(0, m))
        b = a.copy()
        _select(b, m, k)
        ref = np.sort(a)
        assert b[k] == ref[k]
        assert (b[:k] <= b[k]).all() and (b[k + 1:] >= b[k]).all()
        np.testing.assert_array_equal(np.sort(b), ref)
