"""Rips pairing of point clouds: against scipy's MST and giotto-ph, batching, gradients."""
import numpy as np
import pytest
import torch
from gph import ripser_parallel
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.spatial.distance import cdist

from references import mst_weight
from topograph import rips_persistence
from topograph.core import pairwise_distances, rips_pairs

clouds = st.integers(1, 24).flatmap(
    lambda n: arrays(np.float64, (n, 3), elements=st.floats(-3, 3, allow_nan=False, width=32)))


@given(points=clouds, dup=st.booleans())
@example(points=np.array([[1.0, 1.0, 1.0]] * 2 + [[1.0, 1.0, 0.0]] + [[1.0, 1.0, 1.0]] * 3
                         + [[1.0, 1.0, 0.0]] + [[1.0, 1.0, 1.0]] * 3 + [[1.0, 1.0, 2.22e-16]]),
         dup=False)  # near-duplicate found by CI: Gram distances tie at 0
def test_dim0_matches_scipy_and_giotto(backend, points, dup):
    if dup and len(points) > 2:
        points[1] = points[0]  # duplicate point: tied zero distance
    res = rips_persistence(torch.from_numpy(points), backend=backend)
    deaths = res.dim0.death[~res.dim0.essential].numpy()
    assert res.dim0.essential.sum() == 1
    assert np.isclose(deaths.sum(), mst_weight(cdist(points, points)), atol=1e-9)
    ref = ripser_parallel(cdist(points, points), metric="precomputed", maxdim=0)["dgms"][0]
    ref = ref[np.isfinite(ref[:, 1]), 1]
    # giotto-ph omits zero-length pairs (duplicate points), and the pairing reads
    # Gram-trick distances that are exact only to ~1e-8 (near-duplicates may pair
    # either way): compare the deaths that are clearly positive
    tol = 1e-6
    assert np.allclose(np.sort(deaths[deaths > tol]), np.sort(ref[ref > tol]), atol=tol)
    edges = res.mst_edges[0]
    if len(points) > 1:  # a spanning tree: n - 1 edges connecting everything
        import networkx as nx
        g = nx.Graph()
        g.add_nodes_from(range(len(points)))
        g.add_edges_from(edges.tolist())
        assert nx.is_tree(g)


@given(points=clouds)
def test_backends_give_same_deaths(points):
    a = rips_persistence(torch.from_numpy(points), backend="numba").dim0.death
    b = rips_persistence(torch.from_numpy(points), backend="torch").dim0.death
    assert torch.allclose(torch.sort(a, 0).values, torch.sort(b, 0).values)


def test_batched_equals_loop(backend):
    torch.manual_seed(0)
    x = torch.randn(6, 40, 5, dtype=torch.float64)
    batched = rips_persistence(x, backend=backend).as_list(0)
    for s in range(6):
        single = rips_persistence(x[s], backend=backend).as_list(0)[0]
        assert torch.equal(torch.sort(batched[s][:, 1]).values, torch.sort(single[:, 1]).values)
    assert torch.equal(rips_pairs(pairwise_distances(x), backend=backend)[2],
                       rips_pairs(pairwise_distances(x[2]), backend=backend))


def test_ties_on_a_grid(backend):
    # a 5x5 grid: all MST edges have length 1, many equal-weight trees exist
    g = torch.stack(torch.meshgrid(torch.arange(5.0), torch.arange(5.0), indexing="ij"), -1)
    pts = g.reshape(-1, 2)
    d = rips_persistence(pts, backend=backend).dim0
    assert torch.allclose(d.death[~d.essential], torch.ones(24))


def test_dim1_matches_giotto():
    torch.manual_seed(3)
    t = torch.rand(40) * 2 * torch.pi
    circle = torch.stack([t.cos(), t.sin()], 1) + 0.05 * torch.randn(40, 2)
    res = rips_persistence(circle.double(), max_dim=1)
    ref = ripser_parallel(circle.double().numpy(), maxdim=1)["dgms"][1]
    ours = res.as_list(1)[0].numpy()
    assert np.allclose(np.sort(ours, 0), np.sort(ref, 0), atol=1e-9)
    assert (ours[:, 1] - ours[:, 0]).max() > 1.0  # the circle


def test_gradcheck_dim0_and_dim1():
    torch.manual_seed(2)
    x = torch.randn(2, 9, 3, dtype=torch.float64, requires_grad=True)

    def fn(p):
        r = rips_persistence(p, max_dim=1, essential_death="max")
        return torch.cat([r.dim0.death.flatten(), r.dim1.birth.flatten(), r.dim1.death.flatten()])

    assert torch.autograd.gradcheck(fn, (x,))


def test_duplicate_points_have_finite_gradients():
    x = torch.tensor([[0.0, 0.0], [0.0, 0.0], [1.0, 0.0], [1.0, 1.0]], requires_grad=True)
    d = rips_persistence(x).dim0
    d.death[~d.essential].sum().backward()
    assert torch.isfinite(x.grad).all()


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_dtype(dtype):
    r = rips_persistence(torch.randn(10, 3, dtype=dtype), essential_death="max")
    assert r.dim0.death.dtype == dtype and torch.isfinite(r.dim0.death).all()


def test_precomputed_distances():
    x = torch.randn(12, 4, dtype=torch.float64)
    a = rips_persistence(x).dim0.death
    b = rips_persistence(None, distances=torch.cdist(x, x)).dim0.death
    assert torch.allclose(torch.sort(a, 0).values, torch.sort(b, 0).values)


@pytest.mark.parametrize("n", [1, 2])
def test_tiny_clouds(n):
    r = rips_persistence(torch.zeros(n, 2))
    assert len(r.dim0) == n and r.dim0.essential.sum() == 1


@pytest.mark.parametrize(
    "points, err, match",
    [
        (torch.tensor([[0.0, float("nan")]]), ValueError, "NaN"),
        (torch.tensor([[0.0, float("inf")]]), ValueError, "inf"),
        (torch.zeros(3, 2, dtype=torch.long), TypeError, "floating"),
        (torch.zeros(3), ValueError, "shape"),
        (torch.zeros(0, 3), ValueError, "empty"),
        (torch.zeros(3, 0), ValueError, "dimension 0"),
        ("points", TypeError, "torch.Tensor"),
    ],
)
def test_bad_input(points, err, match):
    with pytest.raises(err, match=match):
        rips_persistence(points)


def test_bad_max_dim_and_distances():
    with pytest.raises(ValueError, match="max_dim"):
        rips_persistence(torch.zeros(3, 2), max_dim=2)
    with pytest.raises(ValueError, match="distances"):
        rips_persistence(None, distances=torch.zeros(3, 4))


def test_overflowing_coordinates_are_reported():
    with pytest.raises(ValueError, match="overflow"):
        rips_persistence(torch.tensor([[0.0, 0.0], [3e38, 3e38]]))
    # the same points in float64 are fine
    r = rips_persistence(torch.tensor([[0.0, 0.0], [3e38, 3e38]], dtype=torch.float64))
    assert torch.isfinite(r.dim0.death[~r.dim0.essential]).all()


@given(points=st.integers(4, 20).flatmap(
    lambda n: arrays(np.int64, (n, 2), elements=st.integers(-20, 20))))
def test_dims_0_and_1_match_ripser(points):
    # points on a 0.1 grid (ties and duplicates included): distances are 0 or >= 0.1, so
    # ripser's float32 arithmetic cannot blur which pairs are of positive length
    points = points / 10.0
    from ripser import ripser

    ref = ripser(points, maxdim=1)["dgms"]
    res = rips_persistence(torch.from_numpy(points), max_dim=1)
    d0 = res.as_list(0)[0].numpy()
    r0 = ref[0][np.isfinite(ref[0][:, 1]), 1]
    ours0 = d0[np.isfinite(d0[:, 1]), 1]
    # ripser works in float32 and drops zero-length pairs: compare the clearly positive ones
    assert np.allclose(np.sort(ours0[ours0 > 1e-3]), np.sort(r0[r0 > 1e-3]), atol=1e-5)
    d1 = res.as_list(1)[0].numpy()
    keep = d1[:, 1] - d1[:, 0] > 1e-3
    r1 = ref[1][ref[1][:, 1] - ref[1][:, 0] > 1e-3]
    assert np.allclose(np.sort(d1[keep], 0), np.sort(r1, 0), atol=1e-5)
