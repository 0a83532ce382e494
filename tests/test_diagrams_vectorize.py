"""Vectorisations against gudhi.representations; Euler curves against a direct count."""
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gudhi.representations import BettiCurve, Landscape, PersistenceImage, SlicedWassersteinDistance

from topograph import lower_star_persistence
from topograph.diagrams import (
    betti_curve,
    euler_curve,
    persistence_image,
    persistence_landscape,
    sliced_wasserstein,
    total_persistence,
)

NAN = float("nan")


@st.composite
def batch(draw, size=4):
    out = []
    for _ in range(size):
        n = draw(st.integers(1, 6))
        b = np.array(draw(st.lists(st.integers(0, 10), min_size=n, max_size=n))) / 10
        p = np.array(draw(st.lists(st.integers(0, 10), min_size=n, max_size=n))) / 20
        out.append(np.stack([b, b + p], 1))
    return out


def _t(X):
    return [torch.tensor(x) for x in X]


@settings(max_examples=40)
@given(batch(), st.sampled_from([None, (0.0, 1.2)]))
def test_landscape_and_betti_equal_gudhi(X, sr):
    gr = [NAN, NAN] if sr is None else list(sr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        L = Landscape(num_landscapes=3, resolution=17, sample_range=gr).fit(X).transform(X)
        bc = BettiCurve(resolution=17, sample_range=gr).fit(X).transform(X)
    ours = persistence_landscape(_t(X), num_landscapes=3, resolution=17, sample_range=sr)
    assert ours.shape == (4, 3, 17)
    np.testing.assert_allclose(ours.reshape(4, -1).numpy(), L, atol=1e-12)
    np.testing.assert_array_equal(betti_curve(_t(X), resolution=17, sample_range=sr).numpy(), bc)


@settings(max_examples=30)
@given(batch(), st.sampled_from([None, (0.0, 1.2)]), st.integers(1, 4))
def test_landscape_kernel_values_equal_the_gathered_values(X, sr, K):
    # Without a gradient the kernel's own values are returned; with one they are gathered
    # from the points at the kernel's indices. Both must be bit-identical (ties included).
    plain = persistence_landscape(_t(X), num_landscapes=K, resolution=17, sample_range=sr)
    grad = persistence_landscape([t.requires_grad_() for t in _t(X)], num_landscapes=K,
                                 resolution=17, sample_range=sr)
    assert grad.requires_grad and not plain.requires_grad
    assert torch.equal(plain, grad.detach())


@settings(max_examples=30)
@given(batch(), st.sampled_from([None, (0.0, 1.0, 0.0, 0.5)]))
def test_persistence_image_equals_gudhi(X, rng):
    gr = [NAN] * 4 if rng is None else list(rng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = PersistenceImage(bandwidth=0.1, resolution=[6, 4], im_range=gr,
                               weight=lambda x: x[1] ** 2).fit(X).transform(X)
    ours = persistence_image(_t(X), bandwidth=0.1, resolution=(6, 4), im_range=rng,
                             weight=lambda bp: bp[..., 1] ** 2)
    assert ours.shape == (4, 4, 6)
    np.testing.assert_allclose(ours.reshape(4, -1).numpy(), ref, rtol=1e-10, atol=1e-12)


@settings(max_examples=40)
@given(batch(), batch(), st.integers(2, 12))
def test_sliced_wasserstein_equals_gudhi(X, Y, nd):
    sw = SlicedWassersteinDistance(num_directions=nd)
    ref = [sw(x, y) for x, y in zip(X, Y)]
    np.testing.assert_allclose(sliced_wasserstein(_t(X), _t(Y), nd).numpy(), ref, atol=1e-12)


def test_gradients_flow_and_match_finite_differences():
    g = torch.Generator().manual_seed(0)
    b = torch.rand(5, generator=g, dtype=torch.float64)
    X = torch.stack([b, b + 0.2 + torch.rand(5, generator=g, dtype=torch.float64)], 1).requires_grad_()
    Y = (X.detach() + 0.05 * torch.rand(5, 2, generator=g, dtype=torch.float64)).requires_grad_()
    fns = [
        lambda x: persistence_image(x, bandwidth=0.2, resolution=(4, 3), im_range=(0, 1, 0, 1)),
        lambda x: persistence_landscape(x, num_landscapes=2, resolution=9, sample_range=(0.05, 1.93)),
        lambda x: total_persistence(x, order=2.0),
        lambda x: sliced_wasserstein(x, Y, 5),
    ]
    for f in fns:
        assert torch.autograd.gradcheck(f, (X,), eps=1e-7, atol=1e-5)


def test_euler_curve_is_the_one_direction_ect_of_a_graph():
    """Lower-star persistence by a height: b0 - b1 = #vertices - #edges below t."""
    g = torch.Generator().manual_seed(0)
    n = 30
    h = torch.rand(n, generator=g, dtype=torch.float64)
    ei = torch.randint(0, n, (2, 60), generator=g)
    ei = ei[:, ei[0] != ei[1]]
    per = lower_star_persistence(h, ei)
    grid = torch.linspace(-0.1, 1.1, 50, dtype=torch.float64)
    ec = euler_curve([per.dim0, per.dim1], grid=grid)
    assert ec.shape == (1, 1, 50)
    und = torch.unique(torch.sort(ei, 0).values, dim=1)
    ev = torch.maximum(h[und[0]], h[und[1]])
    direct = (h[:, None] <= grid).sum(0) - (ev[:, None] <= grid).sum(0)
    torch.testing.assert_close(ec[0, 0], direct.double())


def test_betti_curve_counts_essential_points_unless_dropped():
    d = torch.tensor([[0.0, 1.0], [0.5, float("inf")]])
    grid = torch.tensor([-1.0, 0.0, 0.75, 2.0])
    assert betti_curve(d, grid=grid).tolist() == [0, 1, 2, 1]
    assert betti_curve(d, grid=grid, essential="drop").tolist() == [0, 1, 1, 0]
    assert betti_curve(d, grid=grid, essential=1.5).tolist() == [0, 1, 2, 0]


def test_total_persistence_and_diagram_shapes():
    x = torch.randn(2, 12, 3, generator=torch.Generator().manual_seed(0))
    from topograph import rips_persistence
    per = rips_persistence(x)
    tp = total_persistence(per.dim0)
    assert tp.shape == (2, 1)
    ref = [float((d[:, 1] - d[:, 0])[torch.isfinite(d[:, 1])].sum()) for d in per.dim0.as_list()]
    np.testing.assert_allclose(tp[:, 0].numpy(), ref, rtol=1e-6)
    assert persistence_landscape(per.dim0, resolution=7).shape == (2, 1, 5, 7)


def test_empty_diagrams():
    e = torch.zeros(0, 2)
    assert persistence_landscape([e, e], sample_range=(0, 1), resolution=4).abs().sum() == 0
    assert persistence_image([e], im_range=(0, 1, 0, 1)).abs().sum() == 0
    assert float(sliced_wasserstein(e, e)) == 0.0
    with pytest.raises(ValueError, match="im_range"):
        persistence_image([e])


def test_as_is_uses_the_diagrams_own_essential_deaths():
    h = torch.tensor([0.0, 0.5, 1.0, 0.25], dtype=torch.float64, requires_grad=True)
    ei = torch.tensor([[0, 1, 2, 3], [1, 2, 3, 0]])
    per = lower_star_persistence(h, ei, essential_death="max")
    grid = torch.tensor([0.1, 0.6, 0.99, 1.5], dtype=torch.float64)
    # The one cycle is born at 1.0 and, "as is", dies at the graph's max (1.0): never alive.
    assert betti_curve(per.dim1, grid=grid, essential="as_is")[0, 0].tolist() == [0, 0, 0, 0]
    assert betti_curve(per.dim1, grid=grid)[0, 0].tolist() == [0, 0, 0, 1]
    tp = total_persistence(per.dim0, essential="as_is")  # one minimum: only (0, 1) persists
    tp.sum().backward()
    assert float(tp.detach()) == pytest.approx(1.0) and h.grad[2] == 1.0 and h.grad[0] == -1.0
    with pytest.raises(ValueError, match="as_is"):
        total_persistence(lower_star_persistence(h, ei).dim0, essential="as_is")
