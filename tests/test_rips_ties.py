"""Duplicates, ties and collinear points on every Rips backend (issue 9, item 2).

The torch (GPU) backend's Borůvka used to assume symmetric distances: a matrix
product gives identical points tiny, non-symmetric distances, hooking then formed
cycles longer than two and wrote past its edge buffer (``IndexError``). It now
symmetrises its input and orders edges strictly by (distance, min index, max index).
"""
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from scipy.spatial.distance import cdist

from references import mst_weight
from topograph import rips_persistence
from topograph.core.pairing.rips import rips_pairs
from topograph.topoae import TopologicalSignatureLoss


def _assert_spanning_tree(edges: torch.Tensor, n: int) -> None:
    parent = list(range(n))

    def root(a: int) -> int:
        while parent[a] != a:
            a = parent[a]
        return a

    assert edges.shape == (n - 1, 2)
    for i, j in edges.tolist():
        ri, rj = root(i), root(j)
        assert ri != rj, f"edge ({i}, {j}) closes a cycle: not a tree"
        parent[ri] = rj


def _weight(x: torch.Tensor, backend: str) -> float:
    dg = rips_persistence(x, backend=backend).dim0
    return float(dg.death[~dg.essential].double().sum())


def _true_mst(x: torch.Tensor) -> float:
    a = x.double().numpy()
    return mst_weight(cdist(a, a))


def test_issue_reproducer_duplicates_in_17_dims(backend):
    torch.manual_seed(6)
    x = torch.randn(1, 17, dtype=torch.float64).repeat(5, 1)
    dg = rips_persistence(x, backend=backend).dim0
    assert bool((dg.death[~dg.essential] == 0).all())
    loss = TopologicalSignatureLoss(backend=backend)
    z = torch.randn(5, 2, dtype=torch.float64, requires_grad=True)
    out = loss(x, z)
    out.backward()
    assert torch.isfinite(out) and bool(torch.isfinite(z.grad).all())


def test_matrix_product_asymmetry_is_harmless(monkeypatch):
    """Whatever BLAS does: give cdist a non-symmetric rounding residue (as some BLAS
    builds do for identical rows) and the torch backend still returns a tree."""
    real = torch.cdist

    def skewed(a, b, **kw):
        d = real(a, b, **kw)
        g = torch.Generator().manual_seed(0)
        return d + 1e-9 * torch.rand(d.shape, generator=g, dtype=d.dtype)

    monkeypatch.setattr(torch, "cdist", skewed)
    torch.manual_seed(6)
    x = torch.randn(1, 17, dtype=torch.float64).repeat(5, 1)
    dg = rips_persistence(x, backend="torch").dim0
    assert float(dg.death[~dg.essential].sum()) == 0.0
    TopologicalSignatureLoss(backend="torch")(x, torch.randn(5, 2, dtype=torch.float64))


@pytest.mark.parametrize("seed", range(20))
def test_boruvka_on_non_symmetric_duplicate_distances(seed):
    """Five duplicates whose distances are independent tiny numbers (d != d^T)."""
    g = torch.Generator().manual_seed(seed)
    d = 1e-9 * torch.rand(1, 5, 5, generator=g, dtype=torch.float64)
    d.diagonal(dim1=1, dim2=2).zero_()
    for backend in ("numba", "torch"):
        _assert_spanning_tree(rips_pairs(d[0], backend=backend), 5)
    sym = torch.minimum(d[0], d[0].T).numpy()
    e = rips_pairs(d[0], backend="torch")
    assert sym[e[:, 0], e[:, 1]].sum() == pytest.approx(mst_weight(sym), rel=1e-12)


def test_slightly_asymmetric_user_matrices(backend):
    """rips_persistence accepts matrices symmetric up to 1e-5 relative: still a tree."""
    g = torch.Generator().manual_seed(1)
    x = torch.randn(12, 20, generator=g, dtype=torch.float64)
    x = torch.cat([x, x[:6]])  # duplicates
    d = torch.cdist(x, x)
    d = d + 1e-8 * torch.rand(d.shape, generator=g, dtype=d.dtype) * (d > 0)
    r = rips_persistence(None, distances=d, backend=backend)
    _assert_spanning_tree(r.mst_edges[0], 18)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("d", [2, 17, 40])
def test_lattice_ties(backend, dtype, d):
    """Integer lattice points: many exactly equal distances."""
    g = torch.Generator().manual_seed(d)
    x = torch.randint(0, 3, (40, d), generator=g).to(dtype)
    assert _weight(x, backend) == pytest.approx(_true_mst(x), rel=1e-6)


@pytest.mark.parametrize("d", [2, 17, 101])
def test_collinear_evenly_spaced(backend, d):
    """Points on a line, evenly spaced: every consecutive pair ties."""
    g = torch.Generator().manual_seed(0)
    direction = torch.randn(d, generator=g, dtype=torch.float64)
    direction = direction / direction.norm()
    t = torch.arange(25, dtype=torch.float64)[torch.randperm(25, generator=g)]
    x = 3.0 + t[:, None] * direction
    assert _weight(x, backend) == pytest.approx(24.0, rel=1e-9)
    assert _weight(x.float(), backend) == pytest.approx(24.0, rel=1e-5)


def test_all_points_identical(backend):
    for d in (3, 17, 40):
        x = torch.full((9, d), 7.25)
        r = rips_persistence(x, backend=backend)
        assert float(r.dim0.death[~r.dim0.essential].abs().sum()) == 0.0
        _assert_spanning_tree(r.mst_edges[0], 9)


# Property: duplicate points in more than 16 dimensions, float32 and float64, every backend.
dup_clouds = st.tuples(
    st.integers(1, 8),  # distinct points
    st.lists(st.integers(0, 7), min_size=1, max_size=12),  # duplicates of them
    st.sampled_from([17, 24, 64]),
    st.sampled_from([torch.float32, torch.float64]),
    st.floats(-1e3, 1e3),  # offset
    st.integers(0, 2 ** 16),
)


@given(params=dup_clouds)
def test_property_duplicates_in_high_dimension(backend, params):
    k, dups, d, dtype, offset, seed = params
    g = torch.Generator().manual_seed(seed)
    base = offset + torch.randn(k, d, generator=g, dtype=torch.float64)
    x = torch.cat([base, base[[i % k for i in dups]]]).to(dtype)
    n = x.shape[0]
    r = rips_persistence(x, backend=backend)
    _assert_spanning_tree(r.mst_edges[0], n)
    ref = _true_mst(x)
    ours = float(r.dim0.death[~r.dim0.essential].double().sum())
    assert ours == pytest.approx(ref, rel=1e-5 if dtype == torch.float32 else 1e-10, abs=1e-6)
    z = torch.randn(n, 2, generator=g, dtype=dtype)
    if n >= 2:
        assert torch.isfinite(TopologicalSignatureLoss(backend=backend)(x, z))
