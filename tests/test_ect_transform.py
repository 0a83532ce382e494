"""Correctness of topograph.ect: brute force, Euler characteristics, dense formula, gradients, batching."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
import trimesh
from hypothesis import given, settings
from hypothesis import strategies as st

import topograph
from topograph.ect import circle_directions, ect, sphere_directions, thresholds


def brute_force(x, dirs, edges, faces, res, radius):
    """Euler characteristic V - E + F of the sublevel set at each threshold, counted naively."""
    x, dirs = np.asarray(x, dtype=np.float64), np.asarray(dirs, dtype=np.float64)
    thr = np.linspace(-radius, radius, res)
    tri = {tuple(sorted(f)) for f in faces if len(set(f)) == 3}
    edge_set = {tuple(sorted(e)) for e in edges if e[0] != e[1]}
    edge_set |= {tuple(sorted(p)) for f in tri for p in itertools.combinations(f, 2)}
    out = np.zeros((res, len(dirs)))
    for j, v in enumerate(dirs):
        h = x @ v
        for r, t in enumerate(thr):
            out[r, j] = ((h <= t).sum() - sum(max(h[a], h[b]) <= t for a, b in edge_set)
                         + sum(max(h[list(f)]) <= t for f in tri))
    return out


def dense(x, v, edges, faces, batch, n, res, radius, scale):
    """The dense reference formula: [R, S, T] sigmoids summed per sample."""
    thr = torch.linspace(-radius, radius, res, dtype=x.dtype)
    hv = x @ v.T
    hs, ws, bs = [hv], [torch.ones(len(x), dtype=x.dtype)], [batch]
    if edges is not None and edges.numel():
        hs.append(torch.maximum(hv[edges[0]], hv[edges[1]]))
        ws.append(-torch.ones(edges.shape[1], dtype=x.dtype))
        bs.append(batch[edges[0]])
    if faces is not None and faces.numel():
        hs.append(hv[faces].amax(0))
        ws.append(torch.ones(faces.shape[1], dtype=x.dtype))
        bs.append(batch[faces[0]])
    h, w, b = torch.cat(hs), torch.cat(ws), torch.cat(bs)
    s = torch.sigmoid(scale * (thr[:, None, None] - h[None])) * w[None, :, None]
    return torch.zeros(n, res, v.shape[0], dtype=x.dtype).index_add(0, b, s.transpose(0, 1))


def random_complex(seed, n=30, dtype=torch.float64, grid=False):
    g = np.random.default_rng(seed)
    x = g.integers(-4, 5, size=(n, 3)) / 4 if grid else g.uniform(-0.9, 0.9, size=(n, 3))
    e = g.integers(0, n, size=(2, 2 * n))
    f = g.integers(0, n, size=(3, n // 2))
    return torch.tensor(x, dtype=dtype), torch.tensor(e), torch.tensor(f)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(1, 12), grid=st.booleans())
def test_exact_equals_brute_force(seed, n, grid):
    x, e, f = random_complex(seed, n, grid=grid)
    dirs = torch.cat([torch.eye(3, dtype=torch.float64), torch.randn(3, 3, generator=torch.Generator().manual_seed(seed),
                                                                    dtype=torch.float64)])
    img = ect(x, dirs, edge_index=e, faces=f, resolution=9, radius=1.0)
    ref = brute_force(x, dirs, e.T.tolist(), f.T.tolist(), 9, 1.0)
    assert img.shape == (1, 9, 6)
    np.testing.assert_array_equal(img[0].numpy(), ref)


def test_exact_matches_brute_force(backend):
    for seed in range(3):
        x, e, f = random_complex(seed, 15, grid=seed == 0)
        dirs = torch.cat([torch.eye(3, dtype=torch.float64), -torch.eye(3, dtype=torch.float64)])
        np.testing.assert_array_equal(ect(x, dirs, backend=backend, edge_index=e, faces=f, resolution=9)[0].numpy(),
                                      brute_force(x, dirs, e.T.tolist(), f.T.tolist(), 9, 1.0))


def _mesh_ect_top(mesh):
    x = torch.tensor(np.asarray(mesh.vertices), dtype=torch.float32)
    f = torch.tensor(np.asarray(mesh.faces).T.copy())
    img = ect(x, sphere_directions(16), faces=f, resolution=8, radius=5.0)
    return img[0, -1]


def test_euler_characteristic_of_shapes():
    assert (_mesh_ect_top(trimesh.creation.icosphere(subdivisions=2)) == 2).all()
    assert (_mesh_ect_top(trimesh.creation.torus(1.0, 0.3)) == 0).all()
    assert (_mesh_ect_top(trimesh.creation.annulus(0.5, 1.0, 0.4)) == 0).all()
    pts = torch.randn(37, 3)
    assert (ect(pts, sphere_directions(8), radius=10.0)[0, -1] == 37).all()


def test_sigmoid_converges_to_exact(backend):
    x, e, f = random_complex(1, 40)
    dirs = sphere_directions(12, dtype=torch.float64)
    exact = ect(x, dirs, backend=backend, edge_index=e, faces=f, resolution=32)
    errs = [float((ect(x, dirs, backend=backend, edge_index=e, faces=f, resolution=32, scale=s) - exact).abs().mean())
            for s in (10.0, 100.0, 1000.0, 1e5)]
    assert all(a > b for a, b in zip(errs, errs[1:])), errs
    assert errs[-1] < 1e-3


@pytest.mark.parametrize("scale", [0.5, 7.0, 50.0, 500.0, 5000.0])
def test_sigmoid_matches_dense_float64(backend, scale):
    x, e, f = random_complex(2, 25)
    x[0] = torch.tensor([3.0, 3.0, 3.0], dtype=torch.float64)  # a vertex far outside the threshold range
    v = torch.randn(7, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    _, _, cx = topograph.ect._inputs.prepare(x, v, e, f, None, None)
    xa, va = x.clone().requires_grad_(), v.clone().requires_grad_()
    xb, vb = x.clone().requires_grad_(), v.clone().requires_grad_()
    a = ect(xa, va, backend=backend, edge_index=e, faces=f, resolution=24, radius=1.2, scale=scale)
    b = dense(xb, vb, cx.edge_index, cx.faces, torch.zeros(25, dtype=torch.long), 1, 24, 1.2, scale)
    torch.testing.assert_close(a, b, atol=1e-5, rtol=0)
    g = torch.randn_like(a)
    for p, q in zip(torch.autograd.grad((a * g).sum(), [xa, va]), torch.autograd.grad((b * g).sum(), [xb, vb])):
        torch.testing.assert_close(p, q, atol=1e-5, rtol=0)


@pytest.mark.parametrize("scale", [20.0, 500.0])
def test_sigmoid_matches_dense_float32(backend, scale):
    x, e, f = random_complex(3, 60, dtype=torch.float32)
    v = sphere_directions(16)
    _, _, cx = topograph.ect._inputs.prepare(x, v, e, f, None, None)
    xa = x.clone().requires_grad_()
    xb = x.double().requires_grad_()
    a = ect(xa, v, backend=backend, edge_index=e, faces=f, resolution=32, scale=scale)
    b = dense(xb, v.double(), cx.edge_index, cx.faces, torch.zeros(60, dtype=torch.long), 1, 32, 1.0, scale)
    assert float((a.detach().double() - b.detach()).abs().max() / b.detach().abs().max()) < 1e-4
    (ga,), (gb,) = torch.autograd.grad(a.sum(), [xa]), torch.autograd.grad(b.sum(), [xb])
    assert float((ga.double() - gb).abs().max() / gb.abs().max()) < 1e-4


def test_gradcheck_coordinates_and_directions(backend):
    x, e, f = random_complex(4, 8)
    x = x.requires_grad_()
    v = torch.randn(3, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(1)).requires_grad_()
    for scale in (3.0, 40.0):
        assert torch.autograd.gradcheck(
            lambda a, b: ect(a, b, backend=backend, edge_index=e, faces=f, resolution=10, scale=scale), (x, v),
            atol=1e-6)


def test_batched_equals_per_sample(backend):
    g = torch.Generator().manual_seed(0)
    parts = [
        (torch.randn(7, 3, generator=g, dtype=torch.float64) * 0.4, None, None),  # point cloud
        (torch.randn(12, 3, generator=g, dtype=torch.float64) * 0.4, torch.randint(0, 12, (2, 20), generator=g), None),
        (torch.randn(9, 3, generator=g, dtype=torch.float64) * 0.4, torch.randint(0, 9, (2, 5), generator=g),
         torch.randint(0, 9, (3, 6), generator=g)),
        (torch.randn(1, 3, generator=g, dtype=torch.float64) * 0.4, None, None),  # single vertex
    ]
    xs, es, fs, bs, off = [], [], [], [], 0
    for i, (x, e, f) in enumerate(parts):
        xs.append(x)
        bs.append(torch.full((len(x),), i))
        if e is not None:
            es.append(e + off)
        if f is not None:
            fs.append(f + off)
        off += len(x)
    x, b = torch.cat(xs).requires_grad_(), torch.cat(bs)
    v = sphere_directions(10, dtype=torch.float64)
    for scale in (None, 30.0):
        batched = ect(x, v, backend=backend, edge_index=torch.cat(es, 1), faces=torch.cat(fs, 1), batch=b,
                      resolution=16, scale=scale)
        assert batched.shape == (4, 16, 10)
        for i, (xi, e, f) in enumerate(parts):
            single = ect(xi, v, backend=backend, edge_index=e, faces=f, resolution=16, scale=scale)
            torch.testing.assert_close(batched[i], single[0], atol=1e-12, rtol=0)
    # gradients: the batch's gradient restricted to a sample equals that sample's own gradient
    out = ect(x, v, backend=backend, edge_index=torch.cat(es, 1), faces=torch.cat(fs, 1), batch=b, resolution=16,
              scale=30.0)
    (gx,) = torch.autograd.grad(out[2].sum(), [x])
    xi = parts[2][0].clone().requires_grad_()
    (gi,) = torch.autograd.grad(ect(xi, v, backend=backend, edge_index=parts[2][1], faces=parts[2][2], resolution=16,
                                    scale=30.0).sum(), [xi])
    torch.testing.assert_close(gx[19:28], gi)
    assert gx[:19].abs().max() == 0


def test_edges_deduplicated_and_normalisation_per_sample():
    x = torch.tensor([[0.0, 0.0], [0.5, 0.0], [0.0, 0.5]])
    v = circle_directions(4)
    once = ect(x, v, edge_index=torch.tensor([[0], [1]]))
    messy = ect(x, v, edge_index=torch.tensor([[0, 1, 0, 2, 2], [1, 0, 1, 2, 2]]))
    torch.testing.assert_close(once, messy)
    xb = torch.cat([x, 3 * torch.randn(40, 2).clamp(-0.3, 0.3)])
    b = torch.cat([torch.zeros(3), torch.ones(40)]).long()
    img = ect(xb, v, batch=b, normalize=True)
    assert torch.allclose(img.abs().amax(dim=(1, 2)), torch.ones(2))
    torch.testing.assert_close(img[0], ect(x, v, normalize=True)[0])


def test_axis_order_and_thresholds():
    x = torch.tensor([[0.25, 0.0]])
    img = ect(x, torch.tensor([[1.0, 0.0], [-1.0, 0.0]]), resolution=5)  # thresholds -1, -.5, 0, .5, 1
    assert img.shape == (1, 5, 2)
    assert img[0, :, 0].tolist() == [0, 0, 0, 1, 1] and img[0, :, 1].tolist() == [0, 0, 1, 1, 1]
    assert thresholds(5).tolist() == [-1.0, -0.5, 0.0, 0.5, 1.0]


def test_callable_module_and_exports():
    assert callable(topograph.ect)
    x = torch.randn(5, 3)
    torch.testing.assert_close(topograph.ect(x, sphere_directions(4)), ect(x, sphere_directions(4)))
    assert topograph.ect.ECTClassifier.__name__ == "ECTClassifier"
    assert topograph.nn.ECTLayer is topograph.ect.ECTLayer


@pytest.mark.parametrize("kwargs, err, match", [
    (dict(directions=torch.randn(4, 2)), ValueError, "dimension"),
    (dict(directions=torch.tensor([[1.0, 0, 0], [0, 0, 0]])), ValueError, "zero-length"),
    (dict(faces=torch.tensor([[0], [1], [9]])), ValueError, "faces references vertices"),
    (dict(edge_index=torch.tensor([[0], [-1]])), ValueError, "edge_index references"),
    (dict(edge_index=torch.tensor([[0.0], [1.0]])), TypeError, "integer"),
    (dict(x=torch.tensor([[0.0, float("nan"), 0.0]] * 5)), ValueError, "NaN"),
    (dict(x=torch.tensor([[0.0, float("inf"), 0.0]] * 5)), ValueError, "inf"),
    (dict(x=torch.ones(5, 3, dtype=torch.long)), TypeError, "floating point"),
    (dict(resolution=1), ValueError, "resolution"),
    (dict(radius=0.0), ValueError, "radius"),
    (dict(radius=-1.0), ValueError, "radius"),
    (dict(scale=-3.0), ValueError, "scale"),
    (dict(batch=torch.zeros(4, dtype=torch.long)), ValueError, "batch has length 4"),
    (dict(batch=torch.tensor([0, 0, 1, 1, 2]), num_samples=2), ValueError, "num_samples"),
    (dict(batch=torch.tensor([0, 0, 1, 1, 1]), edge_index=torch.tensor([[0], [4]])), ValueError, "different samples"),
    (dict(x=torch.randn(5)), ValueError, r"\[N, d\]"),
])
def test_clear_errors(kwargs, err, match):
    args = dict(x=torch.randn(5, 3), directions=sphere_directions(4))
    args.update(kwargs)
    with pytest.raises(err, match=match):
        ect(args.pop("x"), args.pop("directions"), **args)


def test_device_mismatch_error():
    x = torch.randn(5, 3, device="meta")
    with pytest.raises(ValueError, match="device"):
        ect(x, sphere_directions(4))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_cpu():
    x, e, f = random_complex(5, 200, dtype=torch.float32)
    v = sphere_directions(32)
    b = (torch.arange(200) >= 120).long()
    e = e[:, (b[e[0]] == b[e[1]])]
    f = f[:, (b[f[0]] == b[f[1]]) & (b[f[1]] == b[f[2]])]
    for scale in (None, 50.0):
        xc = x.clone().requires_grad_()
        xg = x.cuda().requires_grad_()
        a = ect(xc, v, edge_index=e, faces=f, batch=b, num_samples=2, scale=scale)
        g = ect(xg, v.cuda(), edge_index=e.cuda(), faces=f.cuda(), batch=b.cuda(), num_samples=2, scale=scale)
        assert g.device.type == "cuda"
        torch.testing.assert_close(g.cpu(), a, atol=1e-3, rtol=1e-4)
        if scale:
            (ga,) = torch.autograd.grad(a.sum(), [xc])
            (gg,) = torch.autograd.grad(g.sum(), [xg])
            torch.testing.assert_close(gg.cpu(), ga, atol=1e-3, rtol=1e-3)


def test_backend_argument():
    x, e, f = random_complex(5, 12)
    v = sphere_directions(6, dtype=torch.float64)
    a = ect(x, v, edge_index=e, faces=f, resolution=8, scale=20.0, backend="numba")
    torch.testing.assert_close(ect(x, v, edge_index=e, faces=f, resolution=8, scale=20.0, backend="torch"), a)
    with pytest.raises(ValueError, match="backend must be one of"):
        ect(x, v, backend="triton-ish")
    with pytest.raises(ValueError, match="backend='numba' needs CPU float32 / float64"):
        ect(x.half(), v.half(), backend="numba")
    with pytest.raises(ValueError, match="backend must be one of"):
        topograph.ect.ECTLayer(4, 3, backend="gpu")
