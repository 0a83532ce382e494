"""Distances far from the origin: every Gram-form product works on centred points.

Issue 9, item 1: ``|x|^2 + |y|^2 - 2 <x, y>`` cancels when a cloud's offset is large
compared with its spread. Rips (dims 0 and 1, every backend and operand), the TopoAE
loss (fused and gathered) and the quality measures must give the answers of float64
references computed on the very same (stored) points, at offsets up to 1e4 times
the spread.
"""
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from scipy.spatial.distance import cdist

from references import mst_weight
from topograph import rips_persistence
from topograph.core import pairwise_distances
from topograph.topoae import TopologicalSignatureLoss
from topograph.topoae.metrics import distance_rmse, kl_divergences, rank_measures

OFFSETS = [0.0, 1.0, 1e2, 1e4]  # times the spread
DIMS = [3, 9, 20, 101]  # coordinates, Gram (numba, d > 8), matrix product (d > 16)


def _cloud(n: int, d: int, offset: float, spread: float, dtype, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    centre = offset * spread * (1 + torch.rand(d, generator=g, dtype=torch.float64))
    return (centre + spread * torch.randn(n, d, generator=g, dtype=torch.float64)).to(dtype)


def _true_dist(x: torch.Tensor) -> np.ndarray:
    """float64 distances of the points exactly as stored."""
    a = x.detach().double().numpy()
    return cdist(a, a)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("d", DIMS)
@pytest.mark.parametrize("offset", OFFSETS)
def test_dim0_is_an_mst_at_any_offset(backend, dtype, d, offset):
    x = _cloud(24, d, offset, 0.01, dtype)
    dg = rips_persistence(x, backend=backend).dim0
    ours = float(dg.death[~dg.essential].double().sum())
    ref = mst_weight(_true_dist(x))
    assert ours == pytest.approx(ref, rel=1e-5 if dtype == torch.float32 else 1e-10)


def test_issue_reproducer_dim0():
    x = 1000 + 0.01 * torch.randn(10, 9, generator=torch.Generator().manual_seed(0))
    d32 = rips_persistence(x).dim0.death[:-1].sum()
    d64 = rips_persistence(x.double()).dim0.death[:-1].sum()
    assert float(d32) == pytest.approx(float(d64), rel=1e-5)
    assert float(d64) == pytest.approx(mst_weight(_true_dist(x)), rel=1e-10)


def _ripser_dim1(x: torch.Tensor) -> list[tuple[float, float]]:
    from ripser import ripser

    dgm = ripser(_true_dist(x), distance_matrix=True, maxdim=1)["dgms"][1]
    return sorted((float(b), float(e)) for b, e in dgm)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("d", [3, 20, 50])
@pytest.mark.parametrize("offset", OFFSETS)
def test_dim1_matches_ripser_at_any_offset(dtype, d, offset):
    spread = 0.01
    x = _cloud(30, d, offset, spread, dtype, seed=1)
    dg = rips_persistence(x, max_dim=1).dim1
    assert bool((dg.death >= dg.birth).all())
    keep = lambda pairs: [p for p in pairs if p[1] - p[0] > 1e-4 * spread]  # noqa: E731
    ours = keep(sorted(zip(dg.birth[:, 0].double().tolist(), dg.death[:, 0].double().tolist())))
    ref = keep(_ripser_dim1(x))
    assert len(ours) == len(ref)
    np.testing.assert_allclose(np.array(ours).reshape(-1, 2), np.array(ref).reshape(-1, 2),
                               rtol=1e-5, atol=0)


@pytest.mark.parametrize("seed", range(3))
def test_issue_reproducer_dim1_no_death_before_birth(seed):
    x = 10 + 0.01 * torch.randn(40, 50, generator=torch.Generator().manual_seed(seed))
    dg = rips_persistence(x, max_dim=1).dim1
    assert len(dg) > 0 and bool((dg.death >= dg.birth).all())


@pytest.mark.parametrize("offset", OFFSETS)
def test_matrix_product_distances_are_centred_and_symmetric(offset):
    x = _cloud(40, 30, offset, 0.01, torch.float32)
    d = pairwise_distances(x, exact=False)
    assert torch.equal(d, d.T) and bool((d.diagonal() == 0).all())
    np.testing.assert_allclose(d.double().numpy(), _true_dist(x), rtol=0, atol=1e-3 * 0.01 * 30 ** 0.5)


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_loss_issue_reproducer_translation_and_scale(fused, dtype):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(64, 101, generator=g).to(dtype)
    z = torch.randn(64, 2, generator=g).to(dtype)
    loss = TopologicalSignatureLoss(fused=fused)
    ref = float(loss(x.double(), z.double()))
    for a, c in [(1.0, 0.0), (0.01, 10.0), (1.0, 1e3), (100.0, -1e4)]:
        assert float(loss(a * x + c, z)) == pytest.approx(ref, rel=1e-4)
        assert float(loss(x, a * z + c)) == pytest.approx(ref, rel=1e-4)


@pytest.mark.parametrize("dims", [(0,), (0, 1)])
@pytest.mark.parametrize("matching", ["symmetric", "sorted_deaths"])
def test_loss_translation_invariance_every_path(backend, dims, matching):
    if dims == (0, 1) and matching != "symmetric":
        pytest.skip("dimension 1 needs the symmetric matching")
    g = torch.Generator().manual_seed(3)
    x = torch.randn(2, 24, 30, generator=g)
    z = torch.randn(2, 24, 2, generator=g)
    loss = TopologicalSignatureLoss(backend=backend, dims=dims, matching=matching)
    xs, zs = 0.01 * x + 100.0, 1e3 + z  # float32: the reference is float64 on these points
    ref = loss(xs.double(), zs.double())
    torch.testing.assert_close(loss(xs, zs).double(), ref, rtol=1e-5, atol=1e-7)
    torch.testing.assert_close(ref, loss(x.double(), z.double()), rtol=2e-3, atol=0)


def test_quality_measures_translation_invariant():
    g = torch.Generator().manual_seed(0)
    X = torch.randn(120, 20, generator=g, dtype=torch.float64)
    Z = torch.randn(120, 2, generator=g, dtype=torch.float64)
    Xs, Zs = 1e-4 * X + 1e4, Z + 1e6
    kl, kls = kl_divergences(X, Z), kl_divergences(Xs, Zs)
    for k in kl:
        assert kls[k] == pytest.approx(kl[k], rel=1e-6)
    r, rs = rank_measures(X, Z, ks=(10, 20)), rank_measures(Xs, Zs, ks=(10, 20))
    for k in ("trustworthiness", "continuity", "mrre_zx", "mrre_xz"):
        torch.testing.assert_close(rs[k], r[k], rtol=1e-9, atol=1e-12)
    assert distance_rmse(X + 1e8, X + 1e8 + 1e-3) == pytest.approx(0.0, abs=1e-6)


# Property: float32 clouds with large offsets and scales, every backend and operand.
offset_clouds = st.tuples(
    st.integers(2, 20),  # n
    st.sampled_from([2, 9, 17, 40]),  # d: coordinates, Gram, matrix product
    st.floats(-1e4, 1e4),  # offset in units of the scale
    st.floats(-3, 3),  # log10 of the scale
    st.integers(0, 2 ** 16),
    st.booleans(),  # duplicate a point
)


@given(params=offset_clouds)
def test_property_mst_at_large_offsets_float32(backend, params):
    n, d, offset, log_scale, seed, dup = params
    scale = 10.0 ** log_scale
    rng = np.random.default_rng(seed)
    x = torch.from_numpy(offset * scale + scale * rng.normal(size=(n, d))).float()
    if dup:
        x[-1] = x[0]
    dg = rips_persistence(x, backend=backend).dim0
    ours = float(dg.death[~dg.essential].double().sum())
    true = _true_dist(x)
    ref = mst_weight(true)
    if backend == "torch" and d > 16:
        # the matrix-product distances (GPU path) are accurate to rounding of the
        # centred cloud's squared radius, not of each distance
        radius = float((x.double() - x.double().mean(0)).norm(dim=1).max())
        tol = (n - 1) * 2 * np.sqrt(16 * d * np.finfo(np.float32).eps) * radius
    else:
        tol = 1e-5 * ref + 1e-6 * float(true.max())
    assert abs(ours - ref) <= tol


@pytest.mark.parametrize("d", [9, 40, 101])
def test_tight_cluster_inside_a_wide_cloud(d):
    """Centring alone leaves Gram errors of a few ulps of the squared radius; Prim
    recomputes the entries that cancel, so a cluster 1e-4 times smaller than the
    cloud still gets its exact tree (float32, numba)."""
    g = torch.Generator().manual_seed(d)
    wide = torch.randn(30, d, generator=g, dtype=torch.float64)
    tight = wide[0] + 1e-4 * torch.randn(8, d, generator=g, dtype=torch.float64)
    x = torch.cat([wide, tight, tight[:2]]).float()  # with two exact duplicates
    dg = rips_persistence(x, backend="numba").dim0
    deaths = np.sort(dg.death[~dg.essential].double().numpy())
    true = _true_dist(x)
    from scipy.sparse.csgraph import minimum_spanning_tree

    ref = np.sort(np.concatenate([minimum_spanning_tree(true + 1.0).data - 1.0]))
    np.testing.assert_allclose(deaths, ref, rtol=1e-5, atol=1e-12)
