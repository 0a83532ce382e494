"""TopologicalSignatureLoss: slow reference, gradients, invariances, bad input, batching."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial.distance import cdist

from topograph.nn import TopologicalSignatureLoss


def _mst_edges(D: np.ndarray) -> list[tuple[int, int]]:
    T = minimum_spanning_tree(D).tocoo()
    return list(zip(T.row.tolist(), T.col.tolist()))


def slow_reference(x: np.ndarray, z: np.ndarray) -> tuple[float, float]:
    """Paper's loss written out: explicit scipy MST, explicit selection, batch-max scaling."""
    Ax, Az = cdist(x, x), cdist(z, z)
    Ax, Az = Ax / Ax.max(), Az / Az.max()
    l_xz = sum((Ax[i, j] - Az[i, j]) ** 2 for i, j in _mst_edges(Ax)) / 2
    l_zx = sum((Az[i, j] - Ax[i, j]) ** 2 for i, j in _mst_edges(Az)) / 2
    return l_xz, l_zx


def _rand(*shape, seed=0, dtype=torch.float64):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


@pytest.mark.parametrize("n,d,m,seed", [(5, 3, 2, 0), (17, 10, 2, 1), (40, 101, 3, 2), (64, 8, 1, 3)])
def test_matches_slow_reference(n, d, m, seed):
    x, z = _rand(n, d, seed=seed), _rand(n, m, seed=seed + 100)
    loss, parts = TopologicalSignatureLoss()(x, z, return_parts=True)
    l_xz, l_zx = slow_reference(x.numpy(), z.numpy())
    assert parts["L_XZ"].item() == pytest.approx(l_xz, rel=1e-9, abs=1e-12)
    assert parts["L_ZX"].item() == pytest.approx(l_zx, rel=1e-9, abs=1e-12)
    assert loss.item() == pytest.approx(l_xz + l_zx, rel=1e-9)
    assert parts["n_pairs"] == 2 * (n - 1)


def test_flattens_image_input_and_float32():
    x = _rand(12, 1, 4, 4, seed=3, dtype=torch.float32)
    z = _rand(12, 2, seed=4, dtype=torch.float32)
    ref = sum(slow_reference(x.reshape(12, -1).double().numpy(), z.double().numpy()))
    assert TopologicalSignatureLoss()(x, z).item() == pytest.approx(ref, rel=1e-4)


def test_gradcheck_float64():
    x = _rand(9, 4, seed=5).requires_grad_()
    z = _rand(9, 2, seed=6).requires_grad_()
    for loss in (TopologicalSignatureLoss(), TopologicalSignatureLoss(matching="sorted_deaths"),
                 TopologicalSignatureLoss(normalization="learnable").double()):
        assert torch.autograd.gradcheck(lambda a, b: loss(a, b), (x, z))


def test_invariances_and_zero_for_isometric_copy():
    loss = TopologicalSignatureLoss()
    x, z = _rand(30, 6, seed=7), _rand(30, 2, seed=8)
    base = loss(x, z)
    Qx = torch.linalg.qr(_rand(6, 6, seed=9))[0]
    Qz = torch.linalg.qr(_rand(2, 2, seed=10))[0]
    assert torch.allclose(loss(x @ Qx + 3.0, z), base, rtol=1e-10)
    assert torch.allclose(loss(x, z @ Qz - 7.0), base, rtol=1e-10)
    assert torch.allclose(loss(4.0 * x, 0.1 * z), base, rtol=1e-10)  # batch-max scaling
    assert loss(x, x).item() == 0.0  # exactly zero for the identity copy
    Q = torch.linalg.qr(_rand(8, 8, seed=11))[0][:, :6]  # isometric embedding R^6 -> R^8
    assert loss(x, 2 * x @ Q.T + 1).item() < 1e-20


def test_errors():
    loss = TopologicalSignatureLoss()
    x, z = _rand(10, 3), _rand(10, 2)
    with pytest.raises(ValueError, match="agree"):
        loss(x, z[:9])
    with pytest.raises(ValueError, match="at least 2 points"):
        loss(x[:1], z[:1])
    with pytest.raises(ValueError, match="latent dimension is 0"):
        loss(x, z[:, :0])
    for bad in (float("nan"), float("inf")):
        xb = x.clone()
        xb[3, 1] = bad
        with pytest.raises(ValueError, match="NaN or inf"):
            loss(xb, z)
        zb = z.clone()
        zb[0, 0] = bad
        with pytest.raises(ValueError, match="NaN or inf"):
            loss(x, zb)
    with pytest.raises(ValueError, match="z must be"):
        loss(x, z[:, 0])
    with pytest.raises(ValueError, match="matching"):
        TopologicalSignatureLoss(matching="nope")
    with pytest.raises(ValueError, match="normalization"):
        TopologicalSignatureLoss(normalization="nope")


def test_duplicates_give_finite_loss_and_gradient():
    x = _rand(6, 3, seed=12).repeat(3, 1)  # every point three times
    for z in (_rand(18, 2, seed=13), _rand(6, 2, seed=14).repeat(3, 1), torch.zeros(18, 2)):
        z = z.clone().requires_grad_()
        xx = x.clone().requires_grad_()
        loss = TopologicalSignatureLoss()(xx, z)
        loss.backward()
        assert torch.isfinite(loss)
        assert torch.isfinite(z.grad).all() and torch.isfinite(xx.grad).all()


def test_batched_equals_loop():
    x, z = _rand(5, 20, 7, seed=15), _rand(5, 20, 2, seed=16)
    for kw in ({}, {"matching": "sorted_deaths"}, {"normalization": 2.0, "reduction": "mean"}):
        loss = TopologicalSignatureLoss(**kw)
        batched, parts = loss(x, z, return_parts=True)
        loop = torch.stack([loss(x[i], z[i]) for i in range(5)])
        assert batched.shape == (5,)
        assert torch.allclose(batched, loop, rtol=1e-12)
        assert torch.allclose(parts["L_XZ"] + parts["L_ZX"], batched)


def test_batched_dim1_equals_loop():
    x, z = _rand(3, 16, 3, seed=17), _rand(3, 16, 2, seed=18)
    loss = TopologicalSignatureLoss(dims=(0, 1))
    assert torch.allclose(loss(x, z), torch.stack([loss(x[i], z[i]) for i in range(3)]), rtol=1e-12)


def test_options():
    x, z = _rand(25, 5, seed=19), _rand(25, 2, seed=20).requires_grad_()
    dim0 = TopologicalSignatureLoss()(x, z)
    for kw in ({"matching": "sorted_deaths"}, {"matching": "random", "generator": torch.Generator().manual_seed(0)},
               {"normalization": "learnable"}, {"normalization": "none"}, {"normalization": (3.0, 0.5)},
               {"dims": (0, 1)}, {"reduction": "mean"}):
        loss = TopologicalSignatureLoss(**kw).double()
        val, parts = loss(x, z, return_parts=True)
        assert val.ndim == 0 and torch.isfinite(val)
        (g,) = torch.autograd.grad(val, z)
        assert torch.isfinite(g).all()
    # dimension 1 adds non-negative terms, mean divides by n
    assert TopologicalSignatureLoss(dims=(0, 1))(x, z) >= dim0
    assert torch.allclose(TopologicalSignatureLoss(reduction="mean")(x, z), dim0 / 25)
    # the learnable scale is a parameter initialised to 1; with it equal to the latent max
    # the loss equals the default
    learn = TopologicalSignatureLoss(normalization="learnable").double()
    assert [p.item() for p in learn.parameters()] == [1.0]
    with torch.no_grad():
        learn.latent_scale.fill_(torch.cdist(z, z).max().item())
    assert torch.allclose(learn(x, z), dim0)
    # a sorted-deaths loss of a rescaled copy is zero
    assert TopologicalSignatureLoss(matching="sorted_deaths")(x, 2 * x).item() < 1e-24


def test_random_matching_is_a_control():
    x = _rand(30, 4, seed=21)
    g = torch.Generator().manual_seed(1)
    loss = TopologicalSignatureLoss(matching="random", generator=g)
    assert loss(x, x).item() == 0.0
    assert loss(x, _rand(30, 2, seed=22)).item() > 0


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_matches_cpu():
    x, z = _rand(4, 64, 10, seed=23), _rand(4, 64, 2, seed=24)
    loss = TopologicalSignatureLoss()
    zc = z.cuda().requires_grad_()
    out = loss(x.cuda(), zc)
    out.sum().backward()
    assert torch.allclose(out.cpu(), loss(x, z), rtol=1e-9)
    assert torch.isfinite(zc.grad).all()


def test_torch_pairing_backend_matches_numba():
    # the GPU (Boruvka) pairing path, run on the CPU
    x, z = _rand(3, 50, 6, seed=25), _rand(3, 50, 2, seed=26)
    a = TopologicalSignatureLoss()(x, z)
    b = TopologicalSignatureLoss(backend="torch")(x, z)
    assert torch.allclose(a, b, rtol=1e-12)


@pytest.mark.parametrize("normalization", ["batch_max", 2.5, "none"])
@pytest.mark.parametrize("batched", [False, True])
def test_fused_kernel_equals_gathered_path(normalization, batched):
    """The fused CPU kernel (value and analytic gradient) equals the tensor path."""
    g = torch.Generator().manual_seed(7)
    shape = (3, 30) if batched else (30,)
    x = torch.randn(*shape, 9, dtype=torch.float64, generator=g)
    x[..., 1, :] = x[..., 0, :]  # a duplicate point: zero distance, zero gradient
    z = torch.randn(*shape, 2, dtype=torch.float64, generator=g)
    out = []
    for fused in (True, False):
        xr, zr = x.clone().requires_grad_(), z.clone().requires_grad_()
        loss, parts = TopologicalSignatureLoss(normalization=normalization, fused=fused)(
            xr, zr, return_parts=True)
        loss.sum().backward()
        out.append((loss.detach(), parts["L_XZ"], parts["L_ZX"], xr.grad, zr.grad))
    for a, b in zip(*out):
        assert torch.allclose(a, b, atol=1e-12, rtol=1e-10)
    assert torch.isfinite(out[0][3]).all()
    # gradcheck away from the duplicate (the norm has a kink at distance 0)
    xr = torch.randn(x.shape, dtype=torch.float64, generator=g).requires_grad_()
    zr = z.clone().requires_grad_()
    assert torch.autograd.gradcheck(
        lambda a, b: TopologicalSignatureLoss(normalization=normalization)(a, b), (xr, zr))


def test_fused_cache_follows_the_core_prim(tmp_path, monkeypatch):
    """The fused kernels compile the core's Prim into themselves; when the core's
    file changes their on-disk numba cache is flushed (numba only watches the
    defining file)."""
    from topograph.topoae import _fused

    class FakeCache:
        cache_path = str(tmp_path)
        flushed = 0

        def flush(self):
            FakeCache.flushed += 1

    for fn in (_fused._problem, _fused._run_serial, _fused._run_parallel):
        monkeypatch.setattr(fn, "_cache", FakeCache())
    assert _fused._flush_if_core_changed()  # no stamp yet: flush all three
    assert FakeCache.flushed == 3
    assert not _fused._flush_if_core_changed()  # same core file: keep the cache
    (tmp_path / "topograph_fused.core-stamp").write_text("an older core")
    assert _fused._flush_if_core_changed() and FakeCache.flushed == 6
