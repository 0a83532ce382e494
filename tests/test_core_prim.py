"""The numba Prim kernels: every row source (matrix, Gram, coordinates) and both scans
(exact, packed float32) against scipy's minimum spanning tree."""
import numpy as np
import pytest
import torch
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from references import mst_weight
from topograph.core.pairing import _kernels as K
from topograph.core.pairing.rips import POINTS_MAX_DIM, mst_numba, prim_operand

clouds = st.tuples(st.integers(1, 30), st.integers(1, 12)).flatmap(
    lambda s: arrays(np.float64, s, elements=st.floats(-3, 3, allow_nan=False, width=32)))


def _exact_sq(points: np.ndarray) -> np.ndarray:
    diff = points[:, None, :] - points[None, :, :]
    return (diff * diff).sum(-1)


def _operand(points: np.ndarray, kind: int) -> np.ndarray:
    if kind == 0:
        return _exact_sq(points).astype(points.dtype)
    if kind == 1:
        return points @ points.T
    return points


def _check_tree(edges: np.ndarray, far: np.ndarray, points: np.ndarray, kind: int) -> None:
    """A spanning tree of minimum weight and the farthest pair, up to what the kernel's
    dtype can resolve (Gram entries carry a cancellation error ~ eps |x|^2)."""
    n = len(points)
    exact = np.sqrt(_exact_sq(points.astype(np.float64)))
    assert edges.shape == (max(n - 1, 0), 2)
    parent = list(range(n))

    def root(a: int) -> int:
        while parent[a] != a:
            a = parent[a]
        return a

    for i, j in edges:  # n - 1 edges joining distinct components: a spanning tree
        ri, rj = root(int(i)), root(int(j))
        assert ri != rj
        parent[ri] = rj
    eps = np.finfo(points.dtype).eps
    scale = float((points.astype(np.float64) ** 2).sum(1).max()) + 1e-300
    delta = 16 * eps * (scale if kind == 1 else 4 * scale)  # error of a kernel squared distance
    weight = exact[edges[:, 0], edges[:, 1]].sum() if n > 1 else 0.0
    best = mst_weight(exact)
    assert best - 1e-9 <= weight <= best + (n - 1) * 2 * np.sqrt(delta) + 1e-9
    if n > 1:
        assert exact[far[0], far[1]] ** 2 >= exact.max() ** 2 - 2 * delta - 1e-12


@pytest.mark.parametrize("kind", [0, 1, 2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(points=clouds, dup=st.booleans())
@example(points=np.array([[1.0, 1.0, 1.0]] * 3 + [[1.0, 1.0, 2.2e-16]] * 2), dup=False)
def test_prim_sample_matches_scipy(kind, dtype, points, dup):
    points = points.astype(dtype)
    if dup and len(points) > 2:
        points[1] = points[0]
    n = len(points)
    data = np.ascontiguousarray(_operand(points, kind))[None]
    edges, far = K.run_prim(data, kind, n * n)
    _check_tree(edges[0], far[0], points, kind)


@pytest.mark.parametrize("kind", [0, 1, 2])
def test_packed_and_exact_scans_agree(kind):
    rng = np.random.default_rng(0)
    for n in (2, 3, 17, 64, 131):
        pts = rng.normal(size=(n, 4)).astype(np.float32)
        a = np.ascontiguousarray(_operand(pts, kind))
        trees = []
        for packed in (True, False):
            out = np.zeros((n - 1, 2), np.int64)
            far = np.zeros(2, np.int64)
            K.prim_sample(a.copy(), out, far, kind, packed)
            _check_tree(out, far, pts, kind)
            trees.append(out)
        w = [np.sqrt(_exact_sq(pts.astype(np.float64)))[t[:, 0], t[:, 1]].sum() for t in trees]
        assert np.isclose(w[0], w[1], rtol=1e-5)


def test_packed_limit_and_fallback(monkeypatch):
    assert K.use_packed(np.dtype(np.float32), K.PACKED_MAX_N)
    assert not K.use_packed(np.dtype(np.float32), K.PACKED_MAX_N + 1)
    assert not K.use_packed(np.dtype(np.float64), 10)
    # beyond the limit the exact scan runs (checked on a small cloud with a lowered limit)
    monkeypatch.setattr(K, "PACKED_MAX_N", 8)
    pts = np.random.default_rng(1).normal(size=(1, 20, 3)).astype(np.float32)
    edges, far = K.run_prim(pts, 2, 1)
    _check_tree(edges[0], far[0], pts[0], 2)


def test_negative_rounding_residue_counts_as_zero():
    # a distance matrix with tiny negative entries (Gram rounding): they tie with 0
    d = np.array([[0.0, -1e-7, 4.0], [-1e-7, 0.0, 1.0], [4.0, 1.0, 0.0]], np.float32)[None]
    edges, far = K.run_prim(d, 0, 9)
    assert sorted(map(tuple, np.sort(edges[0], 1).tolist())) == [(0, 1), (1, 2)]
    assert sorted(far[0].tolist()) == [0, 2]


@pytest.mark.parametrize("d", [2, POINTS_MAX_DIM, POINTS_MAX_DIM + 1, 40])
def test_mst_numba_operands(d):
    """Coordinates in low dimension, BLAS Gram matrices above: same trees as scipy."""
    x = torch.randn(3, 50, d)
    data, kind = prim_operand(x)
    assert kind == (2 if d <= POINTS_MAX_DIM else 1)
    edges, far = mst_numba(x)
    for b in range(3):
        _check_tree(edges[b], far[b], x[b].numpy(), kind)
    single, _ = prim_operand(x[0])  # one cloud gets a batch axis
    assert single.shape[0] == 1


def test_low_level_primitives_check_shapes(backend):
    """Wrong shapes or dtypes get a clear error, never an out-of-bounds read."""
    from topograph.core.pairing.rips import rips_pairs, rips_pairs_from_points

    with pytest.raises(ValueError, match=r"\[n, n\]"):
        rips_pairs(torch.zeros(5, 3), backend=backend)
    with pytest.raises(ValueError, match=r"\[n, n\]"):
        rips_pairs(torch.zeros(2, 4, 4, 4), backend=backend)
    with pytest.raises(TypeError, match="floating point"):
        rips_pairs(torch.zeros(4, 4, dtype=torch.long), backend=backend)
    with pytest.raises(ValueError, match="meta"):
        rips_pairs(torch.zeros(4, 4, device="meta"), backend=backend)
    with pytest.raises(ValueError, match=r"\[B, n, d\]"):
        rips_pairs_from_points(torch.zeros(5, 3), backend=backend)
    with pytest.raises(TypeError, match="floating point"):
        rips_pairs_from_points(torch.zeros(1, 5, 3, dtype=torch.int32), backend=backend)
    assert rips_pairs_from_points(torch.randn(2, 5, 3), backend=backend).shape == (2, 4, 2)
    assert rips_pairs(torch.cdist(*(torch.randn(5, 3),) * 2), backend=backend).shape == (4, 2)


def test_large_clouds_avoid_the_gram_matrix(monkeypatch):
    """Above GRAM_MAX_BYTES high-dimensional clouds are paired from the coordinates
    (O(n) memory), with the same tree."""
    from topograph.core.pairing import rips

    x = torch.randn(2, 60, 20)
    assert prim_operand(x)[1] == 1
    ref = mst_numba(x)
    monkeypatch.setattr(rips, "GRAM_MAX_BYTES", 2 * 60 * 60 * 4 - 1)
    data, kind = prim_operand(x)
    assert kind == 2 and data.shape == (2, 60, 20)
    edges, far = mst_numba(x)
    for b in range(2):
        _check_tree(edges[b], far[b], x[b].numpy(), 2)
        w = [np.sqrt(_exact_sq(x[b].double().numpy()))[e[:, 0], e[:, 1]].sum() for e in (edges[b], ref[0][b])]
        assert np.isclose(w[0], w[1], rtol=1e-5)
