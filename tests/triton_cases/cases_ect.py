"""Triton ECT kernels through the interpreter, against the numba kernels (same maths)."""
import numpy as np
import pytest
import torch

from interp import interpreted  # noqa: F401  (module fixture)
from topograph.ect import _kernel as K
from topograph.ect import _numba as nb


def _complex(dtype, seed=0):
    """Two samples of 20 vertices; edges and triangles inside each; tied heights."""
    gen = torch.Generator().manual_seed(seed)
    hv = torch.randn(40, 3, generator=gen, dtype=dtype) * 0.5
    hv[5] = hv[6]
    hv[7] = 3.0  # beyond the threshold range: the last bin
    groups = []
    for nv, sign in ((2, -1.0), (3, 1.0)):
        simp = torch.randint(0, 20, (30, nv), generator=gen)
        b = torch.randint(0, 2, (30,), generator=gen)
        groups.append((simp + 20 * b[:, None], b, sign))
    return hv, groups


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_exact_hist_equals_numba(interpreted, dtype):  # noqa: F811
    tr = interpreted["topograph.ect._triton"]
    hv, groups = _complex(dtype)
    R, T = 16, hv.shape[1]
    thr = torch.linspace(-1, 1, R, dtype=dtype)
    for simp, b, sign in groups + [(groups[0][0][:0], groups[0][1][:0], 1.0)]:  # and an empty group
        h1 = torch.zeros(2 * T * (R + 1), dtype=dtype)
        h2 = h1.clone()
        nb.exact_hist(hv.numpy(), simp.numpy(), b.numpy(), sign, thr.numpy(), h1.numpy(), T, R, 1)
        tr.exact_hist(hv, simp, b, sign, thr, h2, T, R)
        assert torch.equal(h1, h2)


@pytest.mark.parametrize("dtype,scale", [(torch.float64, 20.0), (torch.float32, 5.0), (torch.float64, 400.0)])
def test_sigmoid_fwd_bwd_equal_numba(interpreted, dtype, scale):  # noqa: F811
    tr = interpreted["topograph.ect._triton"]
    hv, groups = _complex(dtype, seed=1)
    R, T = 12, hv.shape[1]
    thr = torch.linspace(-1, 1, R, dtype=dtype)
    spec = K._Spec(thr, scale, 2, T, -1.0, 2.0 / (R - 1), "numba")
    sd, C = spec.scale * spec.delta, spec.cols
    tol = 1e-12 if dtype == torch.float64 else 1e-5
    for simp, b, sign in groups:
        t1 = torch.zeros(2 * T * (R + 1), C, dtype=dtype)
        t2 = t1.clone()
        nb.sigmoid_fwd(hv.numpy(), simp.numpy(), b.numpy(), sign, spec.t0, 1 / spec.delta, sd, R, spec.w, spec.m,
                       t1.numpy(), T, 1, spec.qpow.numpy())
        tr.sigmoid_fwd(hv, simp, b, sign, spec.t0, 1 / spec.delta, sd, R, spec.w, spec.m, t2, T)
        assert np.allclose(t1.numpy(), t2.numpy(), rtol=tol, atol=tol)
        z = torch.randn_like(t1)
        g1 = torch.zeros_like(hv)
        g2 = g1.clone()
        nb.sigmoid_bwd(hv.numpy(), simp.numpy(), b.numpy(), sign, spec.t0, 1 / spec.delta, sd, spec.scale, R,
                       spec.w, spec.m, z.numpy(), g1.numpy(), T, 1, spec.qpow.numpy())
        tr.sigmoid_bwd(hv, simp, b, sign, spec.t0, 1 / spec.delta, sd, spec.scale, R, spec.w, spec.m, z, g2, T)
        assert np.allclose(g1.numpy(), g2.numpy(), rtol=tol * 10, atol=tol * 10 * scale)
        assert g1.abs().sum() > 0


@pytest.mark.parametrize("scale", [None, 30.0])
def test_public_ect_triton_equals_numba_with_gradients(scale):
    """``ect(..., backend="triton")`` end to end: images and gradients w.r.t. points and directions."""
    from topograph.ect import ect

    gen = torch.Generator().manual_seed(4)
    x = (torch.rand(14, 3, generator=gen, dtype=torch.float64) - 0.5)
    dirs = torch.randn(3, 3, generator=gen, dtype=torch.float64)
    ei = torch.tensor([[0, 1, 2, 3, 7, 8, 9], [1, 2, 0, 4, 8, 9, 7]])
    faces = torch.tensor([[0], [1], [2]])
    batch = torch.tensor([0] * 7 + [1] * 7)  # sample 1 has isolated vertices (10..13)
    out = []
    for backend in ("triton", "numba"):
        xs, ds = x.clone().requires_grad_(scale is not None), dirs.clone().requires_grad_(scale is not None)
        img = ect(xs, ds, edge_index=ei, faces=faces, batch=batch, num_samples=2, resolution=9, scale=scale,
                  backend=backend)
        res = [img]
        if scale is not None:
            res += list(torch.autograd.grad((img * torch.linspace(0, 1, img.numel(), dtype=img.dtype)
                                             .view_as(img)).sum(), (xs, ds)))
        out.append(res)
    for a, b in zip(*out):
        assert torch.allclose(a, b, rtol=1e-10, atol=1e-10)
